/**
 * Issue 17 ("any registry"): what each command does on each kind of registry (the table in
 * docs/cli.md; plain Verdaccio has its own file, plain-verdaccio.test.ts). The built CLI against
 * - the reference registry and Verdaccio with the orgctl plugin: discovery (`GET /-/orgctl/v1/`)
 *   names the features, an unknown org still says "no such org", and a command that succeeds
 *   never asks;
 * - an npm-only registry (a scripted fake with npm's roster, team, login and profile endpoints and
 *   none of orgctl's): `org ls` falls back to npm's roster with the 2FA column unknown, npm's
 *   endpoints keep working, the extension commands say the registry does not support them;
 * - a registry that answers 404 to everything: the same messages, and npm's endpoints' own 404.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { json, startScriptedServer, type RecordedRequest, type ScriptedServer } from '../helpers/scripted-server.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { USERS } from '../helpers/fixtures.js';
import { VERSION } from '../../src/version.js';

const FEATURES = ['orgTfa', 'invitations', 'audit', 'removals', 'orgLifecycle', 'tfaSchedule'];
const DISCOVERY = '/-/orgctl/v1/';

function unsupported(url: string, what: string): string {
  return `orgctl: this registry (${url}) does not support ${what}; orgctl's registry or Verdaccio with the orgctl plugin do (see README)\n`;
}

/** Exit 1, nothing on stdout, exactly the one line. */
function expectUnsupported(r: CliResult, url: string, what: string): void {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: '', stderr: unsupported(url, what) });
}

describe.each([['reference'], ['verdaccio']] as const)('a registry with orgctl (%s)', (server) => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ server });
  }, 60_000);
  afterAll(() => reg?.close());
  const orgctl = (args: string[]) => runCli(args, { env: { ORGCTL_REGISTRY: reg.url, ORGCTL_TOKEN: USERS.alice.token } });

  it('discovery: GET /-/orgctl/v1/ answers the extension version and its features, without credentials', async () => {
    for (const path of [DISCOVERY, '/-/orgctl/v1']) {
      const r = await call(reg.url, 'GET', path);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ orgctl: VERSION, features: FEATURES });
    }
  });

  it('an unknown org still says "no such org" (org ls, org 2fa status, org audit, org invite)', async () => {
    for (const args of [['org', 'ls', 'nope'], ['org', '2fa', 'status', 'nope'], ['org', 'audit', 'nope'], ['org', 'invite', 'nope', 'bob', '--otp', '000000']]) {
      const r = await orgctl(args);
      expect(r.stderr).toMatch(/^orgctl: Org nope not found\. \(\S+ \S+: 404\)\n$/);
      expect(r.code).toBe(1);
    }
  });
});

describe('the reference registry: discovery is asked only to explain a 404, once per command run', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(() => reg.close());
  const discoveries = () => reg.logs.filter((l) => l.startsWith('GET /-/orgctl/v1 ')).length;

  it('whoami, org ls and org 2fa status that succeed send no discovery request; a 404 sends exactly one', async () => {
    const env = { ORGCTL_REGISTRY: reg.url, ORGCTL_TOKEN: USERS.alice.token };
    for (const args of [['whoami'], ['org', 'ls', 'acme'], ['org', '2fa', 'status', 'acme'], ['team', 'ls', '@acme']]) {
      expect((await runCli(args, { env })).code).toBe(0);
    }
    expect(discoveries()).toBe(0);
    expect((await runCli(['org', '2fa', 'enforce', 'nope', '--dry-run'], { env })).code).toBe(1);
    expect(discoveries()).toBe(1);
  });
});

/** The npm-only fake's state: npm's roster and teams of acme. */
const npmState = {
  roster: {} as Record<string, string>,
  teams: {} as Record<string, string[]>,
};

function npmOnly(req: RecordedRequest, res: ServerResponse): void {
  const { pathname } = new URL(req.url, 'http://x');
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  const key = `${req.method} ${pathname}`;
  const team = /^\/-\/team\/acme\/([^/]+)(\/user)?$/.exec(pathname);
  if (team && npmState.teams[team[1]!] === undefined && req.method !== 'PUT') return json(res, 404, { error: 'no such team' });
  switch (true) {
    case key === 'PUT /-/user/org.couchdb.user:alice':
      return json(res, 201, { ok: true, token: 'npm_npmOnlyToken' });
    // erin exists: CouchDB's 409, her document with its revision, then the PUT to that revision.
    case key === 'PUT /-/user/org.couchdb.user:erin':
      return json(res, 409, { error: 'conflict' });
    case key === 'GET /-/user/org.couchdb.user:erin':
      return json(res, 200, { _id: 'org.couchdb.user:erin', _rev: '3-abc', name: 'erin', email: 'erin@example.com', roles: ['dev'] });
    case key === 'PUT /-/user/org.couchdb.user:erin/-rev/3-abc':
      if (req.headers.authorization !== `Basic ${Buffer.from('erin:erin-pw').toString('base64')}`) return json(res, 401, { error: 'bad credentials' });
      return json(res, 201, { ok: true, token: 'npm_erinToken' });
    case key === 'GET /-/whoami':
      return json(res, 200, { username: 'alice' });
    case key === 'GET /-/npm/v1/user':
      return json(res, 200, { name: 'alice', email: 'alice@example.com', email_verified: true, tfa: null, created: '2026-01-01', updated: '2026-01-01' });
    case key === 'POST /-/npm/v1/user':
      return json(res, 200, { tfa: 'otpauth://totp/npm:alice?secret=JBSWY3DPEHPK3PXP&issuer=npm' });
    case key === 'GET /-/org/acme/user':
      return json(res, 200, npmState.roster);
    case key === 'PUT /-/org/acme/user':
      npmState.roster[body.user as string] = body.role as string;
      return json(res, 201, { org: { name: 'acme', size: Object.keys(npmState.roster).length }, user: body.user, role: body.role });
    case key === 'DELETE /-/org/acme/user':
      delete npmState.roster[body.user as string];
      return void res.writeHead(204).end();
    case key === 'GET /-/org/acme/team':
      return json(res, 200, Object.keys(npmState.teams).map((t) => `acme:${t}`));
    case key === 'PUT /-/org/acme/team':
      npmState.teams[body.name as string] = [];
      return json(res, 201, { name: body.name });
    case /^\/-\/org\/[^/]+\/(user|team)$/.test(pathname):
      return json(res, 404, { error: 'no such org' });
    case !!team && req.method === 'DELETE' && !team[2]:
      delete npmState.teams[team![1]!];
      return void res.writeHead(204).end();
    case !!team && req.method === 'GET':
      return json(res, 200, npmState.teams[team![1]!]);
    case !!team && req.method === 'PUT':
      npmState.teams[team![1]!]!.push(body.user as string);
      return json(res, 201, {});
    case !!team && req.method === 'DELETE':
      npmState.teams[team![1]!] = npmState.teams[team![1]!]!.filter((u) => u !== body.user);
      return void res.writeHead(204).end();
    default:
      return json(res, 404, { error: 'not found' });
  }
}

describe('an npm-only registry (npm org, team, login and profile endpoints; no orgctl extensions)', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(npmOnly);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    npmState.roster = { carol: 'developer', alice: 'owner', bob: 'developer' };
    npmState.teams = { devs: ['bob', 'alice'], core: ['alice'] };
    server.requests.length = 0;
  });
  const orgctl = (args: string[], input?: string) => runCli(args, { input, env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_npmOnlyToken' } });
  const discoveries = () => server.requests.filter((q) => q.url === DISCOVERY).length;
  const WHY = () => `2FA state is unknown (?): this registry (${server.url}) has npm's org endpoints but not orgctl's extensions.\n`;

  it("org ls falls back to npm's roster and teams: 2FA shown as ?, one line on stderr saying why, one discovery request", async () => {
    const r = await orgctl(['org', 'ls', 'acme']);
    expect(r.stdout).toBe('USER   ROLE       2FA  TEAMS\nalice  owner      ?    core,devs\nbob    developer  ?    devs\ncarol  developer  ?    -\n');
    expect(r.stderr).toBe(WHY());
    expect(r.code).toBe(0);
    expect(discoveries()).toBe(1);
  });

  it('org ls --json (piped, and with a user filter): twoFactor null, the same line on stderr', async () => {
    const r = await orgctl(['org', 'ls', 'acme', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([
      { user: 'alice', role: 'owner', twoFactor: null, teams: ['core', 'devs'] },
      { user: 'bob', role: 'developer', twoFactor: null, teams: ['devs'] },
      { user: 'carol', role: 'developer', twoFactor: null, teams: [] },
    ]);
    expect(r.stderr).toBe(WHY());
    const one = await orgctl(['org', 'ls', 'acme', 'bob', '--json']);
    expect(JSON.parse(one.stdout)).toEqual([{ user: 'bob', role: 'developer', twoFactor: null, teams: ['devs'] }]);
  });

  it('org ls of an unknown org: the registry\'s "no such org", not "does not support"', async () => {
    const r = await orgctl(['org', 'ls', 'nope']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'orgctl: no such org (GET /-/org/nope/user: 404)\n' });
  });

  it("org set, org rm and team create/add/ls/rm/destroy work on npm's endpoints, with no discovery request", async () => {
    expect((await orgctl(['org', 'set', 'acme', 'erin', 'admin'])).stdout).toBe('Added erin as admin to acme. You now have 4 members in this org.\n');
    expect((await orgctl(['org', 'rm', 'acme', 'carol', '--yes'])).stdout).toBe('Successfully removed carol from acme. You now have 3 members in this org.\n');
    expect((await orgctl(['team', 'create', '@acme:web'])).code).toBe(0);
    expect((await orgctl(['team', 'add', '@acme:web', 'erin'])).code).toBe(0);
    expect((await orgctl(['team', 'ls', '@acme:web'])).stdout).toBe('@acme:web has 1 user:\nerin\n');
    expect((await orgctl(['team', 'rm', '@acme:web', 'erin'])).code).toBe(0);
    expect((await orgctl(['team', 'destroy', '@acme:web', '--yes'])).code).toBe(0);
    expect((await orgctl(['team', 'ls', '@acme'])).stdout).toBe('@acme has 2 teams:\n@acme:core\n@acme:devs\n');
    expect(npmState.roster).toEqual({ alice: 'owner', bob: 'developer', erin: 'admin' });
    expect(discoveries()).toBe(0);
  });

  it('login (legacy), whoami, profile get and profile enable-2fa work on npm\'s endpoints, with no discovery request', async () => {
    expect((await runCli(['login', '--username', 'alice', '--password-stdin', '--registry', server.url, '--json'], { input: 'pw' })).stdout).toBe(
      `${JSON.stringify({ username: 'alice', registry: server.url })}\n`,
    );
    expect(await orgctl(['whoami'])).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    expect((await orgctl(['profile', 'get'])).stdout).toMatch(/^name: alice\n/);
    const enrol = await orgctl(['profile', 'enable-2fa', '--password-stdin', '--json'], 'pw');
    expect(JSON.parse(enrol.stdout)).toMatchObject({ secret: 'JBSWY3DPEHPK3PXP' });
    expect(enrol.code).toBe(0);
    expect(discoveries()).toBe(0);
  });

  it('login --auth-type web on a registry without web login (POST /-/v1/login is 404): "does not support web login", exit 1', async () => {
    const r = await runCli(['login', '--auth-type', 'web', '--registry', server.url]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `orgctl: ${server.url} does not support web login.\nTry --auth-type legacy.\n` });
  });

  it('couch login of an existing user: 409, GET ?write=true, then PUT to …/-rev/<_rev> with Basic credentials and the document merged', async () => {
    const r = await runCli(['login', '--username', 'erin', '--password-stdin', '--registry', server.url, '--json'], { input: 'erin-pw' });
    expect(r.stdout).toBe(`${JSON.stringify({ username: 'erin', registry: server.url })}\n`);
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      'PUT /-/user/org.couchdb.user:erin',
      'GET /-/user/org.couchdb.user:erin?write=true',
      'PUT /-/user/org.couchdb.user:erin/-rev/3-abc',
    ]);
    const sent = JSON.parse(server.requests[2]!.body);
    expect(sent).toMatchObject({ _id: 'org.couchdb.user:erin', _rev: '3-abc', name: 'erin', password: 'erin-pw', email: 'erin@example.com', roles: ['dev'] });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('org 2fa *, org invite, org invites, invites and org audit: "does not support", one discovery request each', async () => {
    const cases: [string[], string][] = [
      [['org', '2fa', 'status', 'acme'], 'org 2FA policy'],
      [['org', '2fa', 'enforce', 'acme', '--dry-run'], 'org 2FA policy'],
      [['org', '2fa', 'disable', 'acme', '--yes'], 'org 2FA policy'],
      [['org', '2fa', 'remind', 'acme'], 'org 2FA policy'],
      [['org', 'invite', 'acme', 'erin'], 'org invitations'],
      [['org', 'invites', 'ls', 'acme'], 'org invitations'],
      [['org', 'invites', 'revoke', 'acme', 'erin'], 'org invitations'],
      [['invites', 'ls'], 'org invitations'],
      [['invites', 'accept', 'acme'], 'org invitations'],
      [['invites', 'decline', 'acme'], 'org invitations'],
      [['org', 'audit', 'acme'], 'org audit logs'],
    ];
    for (const [args, what] of cases) {
      server.requests.length = 0;
      expectUnsupported(await orgctl(args), server.url, what);
      expect(discoveries()).toBe(1);
    }
  });
});

describe('a registry that answers 404 to everything', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer((_req, res) => json(res, 404, { error: 'Not Found' }));
  });
  afterAll(() => server.close());
  const orgctl = (args: string[], input?: string) => runCli(args, { input, env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_404Token' } });

  it("whoami, profile get and legacy login fail with the registry's 404 (exit 1)", async () => {
    expect(await orgctl(['whoami'])).toEqual({ code: 1, stdout: '', stderr: 'orgctl: Not Found (GET /-/whoami: 404)\n' });
    expect(await orgctl(['profile', 'get'])).toEqual({ code: 1, stdout: '', stderr: 'orgctl: Not Found (GET /-/npm/v1/user: 404)\n' });
    const login = await runCli(['login', '--username', 'alice', '--password-stdin', '--registry', server.url], { input: 'pw' });
    expect(login).toEqual({ code: 1, stdout: '', stderr: 'orgctl: Not Found (PUT /-/user/org.couchdb.user:alice: 404)\n' });
  });

  it('login --auth-type web: "does not support web login", exit 1', async () => {
    const r = await runCli(['login', '--auth-type', 'web', '--registry', server.url]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `orgctl: ${server.url} does not support web login.\nTry --auth-type legacy.\n` });
  });

  it('profile enable-2fa: does not support two-factor enrolment', async () => {
    const r = await orgctl(['profile', 'enable-2fa', '--password-stdin'], 'pw');
    expect(r.stderr.split('\n')[0]).toBe(`orgctl: this registry (${server.url}) does not support two-factor enrolment`);
    expect(r.code).toBe(1);
  });

  it('org and team commands: no orgs; org 2fa, invitations and audit: each its message', async () => {
    const cases: [string[], string][] = [
      [['org', 'ls', 'acme'], 'orgs'],
      [['org', 'set', 'acme', 'bob'], 'orgs'],
      [['org', 'rm', 'acme', 'bob', '--yes'], 'orgs'],
      [['team', 'ls', '@acme'], 'orgs'],
      [['team', 'create', '@acme:web'], 'orgs'],
      [['org', '2fa', 'status', 'acme'], 'org 2FA policy'],
      [['org', '2fa', 'enforce', 'acme', '--dry-run'], 'org 2FA policy'],
      [['org', 'invite', 'acme', 'bob'], 'org invitations'],
      [['invites', 'ls'], 'org invitations'],
      [['org', 'audit', 'acme'], 'org audit logs'],
    ];
    for (const [args, what] of cases) expectUnsupported(await orgctl(args), server.url, what);
  });
});
