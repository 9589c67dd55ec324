/**
 * Issue 17 ("any registry"), the plain Verdaccio column of docs/cli.md's registry table: the built
 * CLI against a real Verdaccio 6.8.0 with htpasswd auth and NO orgctl plugin (verdaccio.ts's
 * startPlainVerdaccio), users created through Verdaccio's own adduser. Login works as npm 11's
 * does (409, then the user document and a PUT with Basic credentials); the commands orgctl's
 * extensions or npm's org endpoints serve each say, in one line, that this registry does not
 * support them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPlainVerdaccio, type PlainVerdaccio } from '../helpers/verdaccio.js';
import { isolatedDirs, ptyCli, runCli, type CliResult } from '../helpers/run-cli.js';
import { call } from '../helpers/http.js';

const PASSWORD = 'alice-password-1';
let v: PlainVerdaccio;
let token: string;

beforeAll(async () => {
  v = await startPlainVerdaccio();
  await v.adduser('alice', PASSWORD);
  const r = await call(v.url, 'PUT', '/-/user/org.couchdb.user:alice', { basic: ['alice', PASSWORD], body: { name: 'alice', password: PASSWORD } });
  expect(r.status).toBe(201);
  token = r.body.token;
}, 60_000);
afterAll(() => v?.close());

function orgctl(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ORGCTL_REGISTRY: v.url, ORGCTL_TOKEN: token } });
}

/** Exit 1 with exactly one line: the registry does not support `what`. */
function expectUnsupported(r: CliResult, what: string): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`orgctl: this registry (${v.url}) does not support ${what}; orgctl's registry or Verdaccio with the orgctl plugin do (see README)\n`);
  expect(r.code).toBe(1);
}

describe('login on plain Verdaccio', () => {
  it('legacy login of an existing user: 409, then the couch retry with the real password; whoami then names the user', async () => {
    const dirs = isolatedDirs();
    const login = await runCli(['login', '--username', 'alice', '--password-stdin', '--registry', v.url], { dirs, input: PASSWORD });
    expect(login.stderr).toBe(`✓ Logged in as alice on ${v.url}\n`);
    expect(login.code).toBe(0);
    const who = await runCli(['whoami', '--registry', v.url], { dirs });
    expect(who).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
  });

  it('legacy login with a wrong password: the couch retry is refused, exit 4', async () => {
    const r = await runCli(['login', '--username', 'alice', '--password-stdin', '--registry', v.url], { input: 'not-the-password' });
    expect(r.stderr.split('\n')[0]).toBe('orgctl: login failed: unauthorized access');
    expect(r.code).toBe(4);
  });

  it('web login: Verdaccio 6.8 has none (POST /-/v1/login is 404), so --auth-type web says so and the default falls back to legacy', async () => {
    const web = await runCli(['login', '--auth-type', 'web', '--registry', v.url]);
    expect(web.stderr).toBe(`orgctl: ${v.url} does not support web login.\nTry --auth-type legacy.\n`);
    expect(web.code).toBe(1);
    // The default needs a terminal (without one it fails at once, issue 18): there it falls back.
    const dflt = ptyCli(['login', '--registry', v.url]);
    await dflt.expect(/This registry does not support web login; using legacy login\.\n\? Username:/);
    dflt.send('\x03');
    expect((await dflt.wait()).code).toBe(3);
  });
});

describe('commands on plain Verdaccio', () => {
  it('whoami and profile get work on npm endpoints', async () => {
    expect(await orgctl(['whoami'])).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    const p = await orgctl(['profile', 'get']);
    expect(p.stdout).toMatch(/^name: alice\n.*two-factor auth: disabled\n/s);
    expect(p.code).toBe(0);
  });

  it('profile enable-2fa: Verdaccio answers 503, and orgctl says the registry does not support two-factor enrolment', async () => {
    const r = await runCli(['profile', 'enable-2fa', '--password-stdin'], { input: PASSWORD, env: { ORGCTL_REGISTRY: v.url, ORGCTL_TOKEN: token } });
    expect(r.stderr.split('\n')[0]).toBe(`orgctl: this registry (${v.url}) does not support two-factor enrolment`);
    expect(r.stderr.split('\n')[1]).toMatch(/^It answered POST \/-\/npm\/v1\/user with 503: the two-factor authentication is not yet supported\./);
    expect(r.code).toBe(1);
  });

  it('org ls: Verdaccio has no orgs, one message', async () => {
    expectUnsupported(await orgctl(['org', 'ls', 'acme']), 'orgs');
    expectUnsupported(await orgctl(['org', 'ls', 'acme', '--json']), 'orgs');
  });

  it('org set, org rm and team commands: no orgs (Verdaccio answers an HTML "Cannot PUT")', async () => {
    expectUnsupported(await orgctl(['org', 'set', 'acme', 'bob']), 'orgs');
    expectUnsupported(await orgctl(['org', 'rm', 'acme', 'bob', '--yes']), 'orgs');
    expectUnsupported(await orgctl(['team', 'ls', '@acme']), 'orgs');
    expectUnsupported(await orgctl(['team', 'create', '@acme:devs']), 'orgs');
  });

  it('org 2fa status, enforce, disable and remind: no org 2FA policy', async () => {
    expectUnsupported(await orgctl(['org', '2fa', 'status', 'acme']), 'org 2FA policy');
    expectUnsupported(await orgctl(['org', '2fa', 'enforce', 'acme', '--dry-run']), 'org 2FA policy');
    expectUnsupported(await orgctl(['org', '2fa', 'disable', 'acme', '--yes']), 'org 2FA policy');
    expectUnsupported(await orgctl(['org', '2fa', 'remind', 'acme']), 'org 2FA policy');
  });

  it('org invite, org invites and invites: no org invitations; org audit: no audit logs', async () => {
    expectUnsupported(await orgctl(['org', 'invite', 'acme', 'bob']), 'org invitations');
    expectUnsupported(await orgctl(['org', 'invites', 'ls', 'acme']), 'org invitations');
    expectUnsupported(await orgctl(['org', 'invites', 'revoke', 'acme', 'bob']), 'org invitations');
    expectUnsupported(await orgctl(['invites', 'ls']), 'org invitations');
    expectUnsupported(await orgctl(['invites', 'accept', 'acme']), 'org invitations');
    expectUnsupported(await orgctl(['invites', 'decline', 'acme']), 'org invitations');
    expectUnsupported(await orgctl(['org', 'audit', 'acme']), 'org audit logs');
  });
});
