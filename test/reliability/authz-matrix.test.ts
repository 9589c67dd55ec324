/**
 * The authorization matrix (issue 9, item 4). The table lives in docs/registry-api.md §5 and is
 * read from there: each cell becomes a real HTTP request to a fresh copy of one prepared registry
 * (so allowed changes in one cell cannot affect another), and the answer must be the cell's status
 * and code. The owner's `OTP: yes` actions are also sent once without an OTP, expecting 401 EOTP.
 * A row the test does not know, or an action it knows that the doc lacks, fails the test.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RegistryCore } from '../../src/server/core/registry-core.js';
import { createRegistryServer } from '../../src/server/http/server.js';
import { MemoryStore, type Collections } from '../../src/server/store/store.js';
import { startRegistry } from '../helpers/registry.js';
import { ROOT } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { publishBody } from '../helpers/packages.js';

const ORG = 'acme';
const OWNER = { name: 'olive', password: 'olive-password-1', token: 'npm_MatrixOliveToken000000000000000001', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const user = (name: string) => ({ name, token: `npm_Matrix${name[0]!.toUpperCase()}${name.slice(1)}Token`.padEnd(40, '0') });
const OWNER2 = user('oscar');
const ADMIN = user('adam');
const DEV = user('dev');
const DEV2 = user('devon');
const OUTSIDER = user('nora');
const REMOVED = user('remy');
const INVITEE = user('ivy');
const NEWCOMER = user('newt');

const SEED = {
  users: [
    { name: OWNER.name, password: OWNER.password, token: OWNER.token, tfa: { mode: 'auth-and-writes', secret: OWNER.secret } },
    ...[OWNER2, ADMIN, DEV, DEV2, OUTSIDER, REMOVED, INVITEE, NEWCOMER].map((u) => ({ name: u.name, token: u.token })),
  ],
  orgs: [
    {
      name: ORG,
      members: { [OWNER.name]: 'owner', [OWNER2.name]: 'owner', [ADMIN.name]: 'admin', [DEV.name]: 'developer', [DEV2.name]: 'developer', [REMOVED.name]: 'developer' },
      teams: { core: [OWNER.name, DEV.name] },
    },
  ],
};

// ---------------------------------------------------------------- the table, from the doc

const DOC = path.join(ROOT, 'docs', 'registry-api.md');
const CALLERS = ['anonymous', 'non-member', 'developer', 'admin', 'owner', 'removed member', 'read-only token', 'revoked token'] as const;
type Caller = (typeof CALLERS)[number];

interface Row {
  action: string;
  request: string;
  otp: boolean;
  expect: Record<Caller, { status: number; code: string | null }>;
}

/** Reads the matrix from §5 of the doc: the table whose header starts `| action | request | OTP |`. */
function readMatrix(markdown: string): Row[] {
  const section = markdown.slice(markdown.indexOf('\n## 5. Roles'), markdown.indexOf('\n## 6. '));
  const lines = section.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| action | request | OTP |'));
  if (head < 0) throw new Error('no authorization matrix in §5 of docs/registry-api.md');
  const cells = (l: string) => l.slice(1, -1).split(' | ').map((c) => c.trim());
  const columns = cells(lines[head]!);
  expect(columns.slice(3)).toEqual([...CALLERS]);
  const rows: Row[] = [];
  for (const l of lines.slice(head + 2)) {
    if (!l.startsWith('|')) break;
    const c = cells(l);
    expect(c).toHaveLength(columns.length);
    const expectFor = {} as Row['expect'];
    CALLERS.forEach((caller, i) => {
      const m = /^(\d{3})(?: (E[A-Z_]+))?$/.exec(c[3 + i]!);
      if (!m) throw new Error(`bad cell "${c[3 + i]}" in row ${c[0]}`);
      expectFor[caller] = { status: Number(m[1]), code: m[2] ?? null };
    });
    expect(['yes', 'no']).toContain(c[2]);
    rows.push({ action: c[0]!, request: c[1]!, otp: c[2] === 'yes', expect: expectFor });
  }
  return rows;
}

// ---------------------------------------------------------------- how each action is sent

interface Req {
  method: string;
  path: string;
  body?: unknown;
}
/** action → the request shown in the doc's `request` column, and the request actually sent */
const ACTIONS: Record<string, { shown: string; req: (self: string) => Req }> = {
  roster: { shown: '`GET /-/org/<org>/user`', req: () => ({ method: 'GET', path: `/-/org/${ORG}/user` }) },
  'detailed roster': { shown: '`GET /-/orgctl/v1/orgs/<org>/members`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/members` }) },
  '2FA state': { shown: '`GET /-/orgctl/v1/orgs/<org>/tfa`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/tfa` }) },
  '2FA preview': { shown: '`GET /-/orgctl/v1/orgs/<org>/tfa/preview`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/tfa/preview` }) },
  'set member': { shown: '`PUT /-/org/<org>/user`', req: () => ({ method: 'PUT', path: `/-/org/${ORG}/user`, body: { user: DEV2.name, role: 'admin' } }) },
  'remove member': { shown: '`DELETE /-/org/<org>/user`', req: () => ({ method: 'DELETE', path: `/-/org/${ORG}/user`, body: { user: DEV2.name } }) },
  leave: { shown: '`DELETE /-/org/<org>/user` (yourself)', req: (self) => ({ method: 'DELETE', path: `/-/org/${ORG}/user`, body: { user: self } }) },
  'list teams': { shown: '`GET /-/org/<org>/team`', req: () => ({ method: 'GET', path: `/-/org/${ORG}/team` }) },
  'list team members': { shown: '`GET /-/team/<org>/<team>/user`', req: () => ({ method: 'GET', path: `/-/team/${ORG}/core/user` }) },
  'create team': { shown: '`PUT /-/org/<org>/team`', req: () => ({ method: 'PUT', path: `/-/org/${ORG}/team`, body: { name: 'web' } }) },
  'destroy team': { shown: '`DELETE /-/team/<org>/<team>`', req: () => ({ method: 'DELETE', path: `/-/team/${ORG}/core` }) },
  'add team member': { shown: '`PUT /-/team/<org>/<team>/user`', req: () => ({ method: 'PUT', path: `/-/team/${ORG}/core/user`, body: { user: DEV2.name } }) },
  'remove team member': { shown: '`DELETE /-/team/<org>/<team>/user`', req: () => ({ method: 'DELETE', path: `/-/team/${ORG}/core/user`, body: { user: DEV.name } }) },
  'require 2FA (enforcement)': { shown: '`PUT /-/orgctl/v1/orgs/<org>/tfa` (`required: true`)', req: () => ({ method: 'PUT', path: `/-/orgctl/v1/orgs/${ORG}/tfa`, body: { required: true } }) },
  'lift 2FA policy': { shown: '`PUT /-/orgctl/v1/orgs/<org>/tfa` (`required: false`)', req: () => ({ method: 'PUT', path: `/-/orgctl/v1/orgs/${ORG}/tfa`, body: { required: false } }) },
  '2FA reminder': { shown: '`POST /-/orgctl/v1/orgs/<org>/tfa/remind`', req: () => ({ method: 'POST', path: `/-/orgctl/v1/orgs/${ORG}/tfa/remind` }) },
  'removal records': { shown: '`GET /-/orgctl/v1/orgs/<org>/removals`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/removals` }) },
  invite: { shown: '`POST /-/orgctl/v1/orgs/<org>/invitations`', req: () => ({ method: 'POST', path: `/-/orgctl/v1/orgs/${ORG}/invitations`, body: { invitations: [NEWCOMER.name] } }) },
  'list invitations': { shown: '`GET /-/orgctl/v1/orgs/<org>/invitations`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/invitations` }) },
  'revoke invitation': { shown: '`DELETE /-/orgctl/v1/orgs/<org>/invitations/<user>`', req: () => ({ method: 'DELETE', path: `/-/orgctl/v1/orgs/${ORG}/invitations/${INVITEE.name}` }) },
  'audit log': { shown: '`GET /-/orgctl/v1/orgs/<org>/audit`', req: () => ({ method: 'GET', path: `/-/orgctl/v1/orgs/${ORG}/audit` }) },
  'delete org': { shown: '`DELETE /-/orgctl/v1/orgs/<org>`', req: () => ({ method: 'DELETE', path: `/-/orgctl/v1/orgs/${ORG}` }) },
  'read package': { shown: '`GET /@<org>%2f<name>`', req: () => ({ method: 'GET', path: `/@${ORG}%2fwidget` }) },
  'publish package': { shown: '`PUT /@<org>%2f<name>` (a new version)', req: () => ({ method: 'PUT', path: `/@${ORG}%2fwidget`, body: publishBody(`@${ORG}/widget`, '1.1.0') }) },
  'list org packages': { shown: '`GET /-/org/<org>/package`', req: () => ({ method: 'GET', path: `/-/org/${ORG}/package` }) },
  'package collaborators': { shown: '`GET /-/package/<pkg>/collaborators`', req: () => ({ method: 'GET', path: `/-/package/@${ORG}%2fwidget/collaborators` }) },
  'grant package access': { shown: '`PUT /-/team/<org>/<team>/package`', req: () => ({ method: 'PUT', path: `/-/team/${ORG}/core/package`, body: { package: `@${ORG}/widget`, permissions: 'read-only' } }) },
  'revoke package access': { shown: '`DELETE /-/team/<org>/<team>/package`', req: () => ({ method: 'DELETE', path: `/-/team/${ORG}/developers/package`, body: { package: `@${ORG}/widget` } }) },
  'package visibility and 2FA setting': { shown: '`POST /-/package/<pkg>/access`', req: () => ({ method: 'POST', path: `/-/package/@${ORG}%2fwidget/access`, body: { access: 'public' } }) },
};

// ---------------------------------------------------------------- the prepared registry

const clock = testClock();
let template: Collections;
const tokens = {} as Record<Caller, { token?: string; self: string; tfa: boolean }>;

beforeAll(async () => {
  const reg = await startRegistry({ seed: SEED, clock });
  try {
    const otp = totp(OWNER.secret, clock.now());
    const asOwner = async (method: string, p: string, body?: unknown) => {
      const r = await call(reg.url, method, p, { token: OWNER.token, otp, body });
      if (r.status >= 300) throw new Error(`setup ${method} ${p}: ${r.status} ${r.text}`);
      return r.body;
    };
    await asOwner('DELETE', `/-/org/${ORG}/user`, { user: REMOVED.name }); // a removal record
    await asOwner('PUT', `/-/org/${ORG}/user`, { user: INVITEE.name }); // a pending invitation
    await asOwner('PUT', `/@${ORG}%2fwidget`, publishBody(`@${ORG}/widget`, '1.0.0')); // a package of the org
    const ro = await asOwner('POST', '/-/npm/v1/tokens', { password: OWNER.password, readonly: true });
    const revoked = await asOwner('POST', '/-/npm/v1/tokens', { password: OWNER.password });
    await asOwner('DELETE', `/-/npm/v1/tokens/token/${revoked.key}`);
    Object.assign(tokens, {
      anonymous: { self: 'nobody', tfa: false },
      'non-member': { token: OUTSIDER.token, self: OUTSIDER.name, tfa: false },
      developer: { token: DEV.token, self: DEV.name, tfa: false },
      admin: { token: ADMIN.token, self: ADMIN.name, tfa: false },
      owner: { token: OWNER.token, self: OWNER.name, tfa: true },
      'removed member': { token: REMOVED.token, self: REMOVED.name, tfa: false },
      'read-only token': { token: ro.token, self: OWNER.name, tfa: false },
      'revoked token': { token: revoked.token, self: OWNER.name, tfa: false },
    });
    template = structuredClone(reg.registry.core.store.data);
  } finally {
    await reg.close();
  }
  clock.advance(30_000); // a fresh TOTP step: the setup's code is not a replay for other tokens
});

/** A registry on a private copy of the prepared state. */
async function fresh(): Promise<{ url: string; close(): Promise<void>; logs: string[] }> {
  const store = new MemoryStore();
  for (const [name, m] of structuredClone(template)) store.data.set(name, m);
  const logs: string[] = [];
  const http = createRegistryServer({ core: new RegistryCore({ store, now: clock.now }), log: (l) => logs.push(l), onError: (e) => logs.push(`error: ${String(e)}`) });
  const url = await http.listen(0, '127.0.0.1');
  return { url, close: () => http.close(), logs };
}

const rows = readMatrix(readFileSync(DOC, 'utf8'));

describe('authorization matrix (docs/registry-api.md §5)', () => {
  it('the doc lists exactly the actions this test can send, with the requests it sends', () => {
    expect(rows.map((r) => r.action).sort()).toEqual(Object.keys(ACTIONS).sort());
    for (const r of rows) expect(`${r.action}: ${r.request}`).toBe(`${r.action}: ${ACTIONS[r.action]!.shown}`);
    // the table is not trivially all-allow or all-deny
    const cells = rows.flatMap((r) => CALLERS.map((c) => r.expect[c].status));
    expect(cells.filter((s) => s < 300).length).toBeGreaterThan(20);
    expect(cells.filter((s) => s >= 400).length).toBeGreaterThan(60);
  });

  const cases = rows.flatMap((r) => CALLERS.map((caller) => [r.action, caller, r] as const));
  it.each(cases)('%s as %s', async (action, caller, row) => {
    const reg = await fresh();
    try {
      const who = tokens[caller];
      const req = ACTIONS[action]!.req(who.self);
      const want = row.expect[caller];
      const send = (otp?: string) => call(reg.url, req.method, req.path, { token: who.token, otp, body: req.body });
      if (who.tfa && want.status < 300) {
        // an owner without the OTP: refused exactly when the doc says the action needs one
        const bare = await send();
        if (row.otp) expect([bare.status, bare.body?.code]).toEqual([401, 'EOTP']);
        else expect(bare.status).toBe(want.status);
      }
      const r = await send(who.tfa ? totp(OWNER.secret, clock.now()) : undefined);
      expect({ status: r.status, code: r.status >= 400 ? r.body?.code : null }).toEqual(want);
      expect(reg.logs.filter((l) => l.startsWith('error:'))).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});

