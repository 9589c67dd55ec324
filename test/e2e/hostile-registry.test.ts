/**
 * Security finding "the CLI prints registry data raw to the terminal": every human-output command
 * of the built CLI (spawned, no TTY) against a hostile registry whose every string carries an OSC
 * 52 clipboard write, a screen clear, a carriage return that fakes "✓ all members have 2FA", a
 * right-to-left override and a C1 CSI. Nothing the registry sent may reach stdout or stderr as a
 * raw control or format character; it must show escaped (`\x1b`, `\r`, `\u202e`).
 * test/unit/ui/visible.test.ts covers the helper, and the prompts that need a TTY.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { json, startScriptedServer, type RecordedRequest, type ScriptedServer } from '../helpers/scripted-server.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { HOSTILE as H, HOSTILE_SHOWN as SHOWN, RAW_CONTROL as RAW } from '../helpers/hostile-text.js';


/** Per-test knobs: the profile's `tfa` (2FA state) decides which enable-2fa path runs. */
const state: { tfa: unknown } = { tfa: null };

function route(req: RecordedRequest, res: ServerResponse, base: string): void {
  const { pathname, searchParams } = new URL(req.url, base);
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  const key = `${req.method} ${pathname}`;
  const member = { user: H, role: H, twoFactor: true, teams: [H] };
  const invitation = { org: H, user: H, role: H, teams: [H], expires: H, expired: false, reinstate: true };
  switch (key) {
    case 'GET /-/whoami':
      return json(res, 200, { username: H });
    case 'GET /-/orgctl/v1/':
      // It has orgctl's extensions, so its 404s mean "no such org" or "no such invitation".
      return json(res, 200, { orgctl: H, features: ['orgTfa', 'invitations', 'audit', 'removals'] });
    case 'POST /-/v1/login':
      return json(res, 200, { loginUrl: `http://127.0.0.1:9/login/${H}`, doneUrl: `${base}-/v1/done` });
    case 'GET /-/v1/done':
      return json(res, 200, { token: 'npm_hostileWebToken' });
    case 'PUT /-/user/org.couchdb.user:bob':
      return json(res, 401, { error: H });
    case 'GET /-/orgctl/v1/orgs/acme/members':
      // `?user=` is how enforce and disable check the caller: an owner with 2FA.
      if (searchParams.has('user')) return json(res, 200, [{ user: H, role: 'owner', twoFactor: true, teams: [] }]);
      return json(res, 200, [member, { ...member, user: 'bob', twoFactor: null, teams: [] }]);
    case 'GET /-/orgctl/v1/orgs/plain/members':
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end(H);
    case 'PUT /-/org/acme/user':
      return json(res, 201, { org: { name: H, size: H }, user: H, role: H, pending: body.user === 'carol' });
    case 'DELETE /-/org/acme/user':
      return void res.writeHead(204).end();
    case 'GET /-/org/acme/user':
      return json(res, 200, { [H]: 'owner' });
    case 'GET /-/orgctl/v1/orgs/acme/tfa':
      return json(res, 200, { org: H, required: true, since: H, members: H, withoutTwoFactor: [H] });
    case 'GET /-/orgctl/v1/orgs/acme/tfa/preview':
      return json(res, 200, { required: false, wouldRemove: [{ user: H, role: H, teams: [H] }] });
    case 'PUT /-/orgctl/v1/orgs/acme/tfa':
      return body.required
        ? json(res, 200, { required: true, removed: [{ user: H, role: H, teams: [H] }] })
        : json(res, 200, { org: H, required: false, wasRequired: true });
    case 'POST /-/orgctl/v1/orgs/acme/tfa/remind':
      return json(res, 200, { org: H, notified: [H, H] });
    case 'POST /-/orgctl/v1/orgs/acme/invitations':
      return json(res, 200, { org: H, invited: [{ ...invitation, reinstate: false }], failed: [{ user: H, error: H, code: 'ENOUSER' }] });
    case 'GET /-/orgctl/v1/orgs/acme/invitations':
      return json(res, 200, [invitation]);
    case 'DELETE /-/orgctl/v1/orgs/acme/invitations/bob':
      return json(res, 404, { error: H });
    case 'GET /-/orgctl/v1/orgs/acme/audit':
      return json(res, 200, [{ id: H, time: H, org: H, actor: H, action: H, target: H, detail: { [H]: H, list: [H], nested: { [H]: H } } }]);
    case 'PUT /-/org/acme/team':
      return json(res, 403, { error: H, code: H });
    case 'GET /-/org/acme/team':
      return json(res, 200, [H, `acme:${H}`]);
    case 'GET /-/team/acme/devs/user':
      return json(res, 200, [H]);
    case 'PUT /-/team/acme/devs/user':
      return json(res, 401, { error: H }, { 'www-authenticate': 'OTP' });
    case 'GET /-/orgctl/v1/invitations':
      return json(res, 200, [invitation]);
    case 'POST /-/orgctl/v1/invitations/acme/accept':
      return json(res, 200, { org: H, role: H, teams: [H] });
    case 'POST /-/orgctl/v1/invitations/acme/decline':
      return json(res, 404, { error: H });
    case 'DELETE /-/user/token/npm_hostileTestToken':
      return json(res, 403, { error: H });
    case 'GET /-/npm/v1/user':
      return json(res, 200, { name: H, email: H, email_verified: true, created: H, updated: H, tfa: state.tfa });
    case 'POST /-/npm/v1/user': {
      const tfa = body.tfa as { mode?: string } | string[];
      if (Array.isArray(tfa)) return json(res, 200, { tfa: [H, H] });
      if (tfa.mode === 'disable') return json(res, 403, { error: H, code: 'ETFAREQUIRED' });
      if (state.tfa) return json(res, 200, { tfa: { mode: H } });
      return json(res, 200, { tfa: `otpauth://totp/orgctl:${H}?secret=${H}&issuer=${H}` });
    }
    default:
      return json(res, 404, { error: `no route ${key}` });
  }
}

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer((req, res) => route(req, res, server.url));
});
afterAll(() => server.close());
beforeEach(() => {
  state.tfa = null;
});

function orgctl(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, { input, env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_hostileTestToken' } });
}

/** No raw control or format character anywhere; the hostile string shown escaped (when `shows`). */
function expectSafe(r: CliResult, shows = true): void {
  const both = `${r.stdout}${r.stderr}`;
  const raw = RAW.exec(both);
  expect(raw ? `raw U+${raw[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${JSON.stringify(both.slice(Math.max(0, raw.index - 20), raw.index + 20))}` : null).toBeNull();
  if (shows) expect(both).toContain(SHOWN);
}

/** [command line, exit code, whether registry strings are printed, stdin]. */
const CASES: [string, number, boolean, string][] = [
  ['whoami', 0, true, ''],
  ['login --auth-type web', 0, true, ''],
  ['login --username bob --password-stdin', 4, true, 'pw'],
  ['logout', 1, true, ''],
  ['org ls acme', 0, true, ''],
  ['org ls plain', 1, true, ''],
  ['org set acme bob admin', 0, true, ''],
  ['org set acme carol', 0, true, ''],
  ['org rm acme bob --yes', 0, false, ''],
  ['org 2fa status acme', 0, true, ''],
  ['org 2fa enforce acme --dry-run', 0, true, ''],
  ['org 2fa enforce acme --yes', 0, true, ''],
  ['org 2fa disable acme --yes', 0, false, ''],
  ['org 2fa remind acme', 0, true, ''],
  ['org invite acme bob', 1, true, ''],
  ['org invites ls acme', 0, true, ''],
  ['org invites revoke acme bob', 1, true, ''],
  ['org audit acme', 0, true, ''],
  ['team create @acme:devs', 1, true, ''],
  ['team ls @acme', 0, true, ''],
  ['team ls @acme:devs', 0, true, ''],
  ['team add @acme:devs bob', 4, true, ''],
  ['invites ls', 0, true, ''],
  ['invites accept acme', 0, true, ''],
  ['invites decline acme', 1, true, ''],
  ['profile get', 0, true, ''],
  ['profile enable-2fa --password-stdin', 0, true, 'pw'],
  ['profile disable-2fa --password-stdin --otp 123456', 1, true, 'pw'],
];

describe('registry strings printed for people show control characters escaped', () => {
  it.each(CASES)('orgctl %s (exit %i)', async (line, code, shows, input) => {
    if (line.startsWith('profile disable-2fa')) state.tfa = { mode: 'auth-only' };
    const r = await orgctl(line.split(' '), input || undefined);
    expect(r.code).toBe(code);
    expectSafe(r, shows);
  });

  it('orgctl profile enable-2fa --verify: the recovery codes', async () => {
    state.tfa = { mode: 'auth-and-writes', pending: true };
    const r = await orgctl(['profile', 'enable-2fa', '--verify', '123456']);
    expect(r.code).toBe(0);
    expectSafe(r);
    expect(r.stdout).toBe(`${SHOWN}\n${SHOWN}\n`);
  });

  it('orgctl profile enable-2fa (mode change): an unexpected answer is quoted escaped', async () => {
    state.tfa = { mode: H };
    const r = await orgctl(['profile', 'enable-2fa', 'auth-only', '--password-stdin', '--otp', '123456'], 'pw');
    expect(r.code).toBe(1);
    expectSafe(r, false);
    expect(r.stderr).toContain(String.raw`\u202e\x9b`);
  });

  it('--json output carries no raw control or format character either (they are \\u escapes)', async () => {
    for (const line of ['org ls acme --json', 'org 2fa status acme --json', 'profile get --json', 'org audit acme --json']) {
      const r = await orgctl(line.split(' '));
      expect(r.code).toBe(0);
      expectSafe(r, false);
      expect(r.stdout).toContain(String.raw`x\u001b]52;c;ZXZpbA==\u0007\u001b[2J\r✓ all members have 2FA\u202e\u009b`);
    }
  });
});
