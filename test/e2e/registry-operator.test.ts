import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { call } from '../helpers/http.js';
import { BASIC, BOB } from '../helpers/fixtures.js';
import { useTempDirs } from '../helpers/reliability.js';
import { runCli, type RunCliOptions } from '../helpers/run-cli.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';

/**
 * `orgctl registry users|orgs …` (the built CLI) against a data folder: live through a running
 * `registry serve --data`'s admin socket, and on the store itself with the server stopped.
 */
const tempDir = useTempDirs('orgctl-op-');

/** Runs `orgctl registry <args> --data <data>`, on the server's clock when one is given. */
function op(args: string[], data: string, o: RunCliOptions & { server?: ServeProcess } = {}) {
  const env = { ...o.env, ...(o.server ? { ORGCTL_TEST_CLOCK_FILE: o.server.clock.file } : {}) };
  return runCli(['registry', ...args, '--data', data], { ...o, env });
}

const json = (stdout: string): unknown => JSON.parse(stdout);

async function seeded(): Promise<{ data: string; s: ServeProcess }> {
  const data = path.join(tempDir(), 'data');
  return { data, s: await spawnServe(['--data', data, '--seed', BASIC]) };
}

describe('operator commands, live through the running server', () => {
  it('serves the operator API on <data>/admin.sock (0600) while running, and removes it at stop', async () => {
    const { data, s } = await seeded();
    const sock = path.join(data, 'admin.sock');
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(await s.stop()).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });

  it('users ls and orgs ls list the seed, as a table and as JSON', async () => {
    const { data, s } = await seeded();
    const users = await op(['users', 'ls', '--json'], data);
    expect(users.code).toBe(0);
    const list = json(users.stdout) as { name: string; twoFactor: string; disabled: boolean; orgs: string[]; email: string }[];
    expect(list.map((u) => u.name)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(list[0]).toMatchObject({ name: 'alice', email: 'alice@example.com', twoFactor: 'on', disabled: false, orgs: ['acme', 'secure'] });
    expect(list[1]).toMatchObject({ name: 'bob', twoFactor: 'off', orgs: ['acme'] });
    const table = await op(['users', 'ls'], data);
    expect(table.stdout.split('\n')[0]).toMatch(/^USER\s+EMAIL\s+2FA\s+DISABLED\s+ORGS\s+CREATED$/);
    expect(table.stdout).toMatch(/^carol\s+carol@example\.com\s+off\s+no\s+-\s+\d{4}-/m);
    const orgs = await op(['orgs', 'ls', '--json'], data);
    expect(orgs.code).toBe(0);
    expect(json(orgs.stdout)).toEqual([
      { name: 'acme', members: 4, requireTfa: false, owners: ['alice'], created: expect.any(String) },
      { name: 'secure', members: 2, requireTfa: true, owners: ['alice'], created: expect.any(String) },
    ]);
    expect(s.child.exitCode).toBeNull();
  });

  it('users add creates an account the running server accepts at once; orgs create gives it an org it owns', async () => {
    const { data, s } = await seeded();
    const add = await op(['users', 'add', 'zed', '--email', 'zed@example.com', '--password-stdin', '--json'], data, { input: 'zed-password\n' });
    expect(add.code).toBe(0);
    expect(json(add.stdout)).toEqual({ name: 'zed', email: 'zed@example.com', twoFactor: 'off', disabled: false, orgs: [], created: expect.any(String) });
    const login = await call(s.url, 'PUT', '/-/user/org.couchdb.user:zed', { body: { name: 'zed', password: 'zed-password' } });
    expect(login.status).toBe(201);
    const token = (login.body as { token: string }).token;
    const create = await op(['orgs', 'create', 'widgets', '--owner', 'zed'], data);
    expect(create.code).toBe(0);
    expect(create.stdout).toBe('');
    expect(create.stderr).toBe('Created org widgets (live, through the running server), owned by zed.\n');
    expect((await call(s.url, 'GET', '/-/org/widgets/user', { token })).body).toEqual({ zed: 'owner' });
    expect((await call(s.url, 'GET', '/-/org/widgets/team?format=cli', { token })).body).toEqual(['widgets:developers']);
    const audit = await call(s.url, 'GET', '/-/orgctl/v1/orgs/widgets/audit', { token });
    expect(audit.body).toEqual([expect.objectContaining({ org: 'widgets', actor: '(operator)', action: 'org.create', detail: { owner: 'zed', requireTfa: false } })]);
  });

  it('users disable refuses the account at once (tokens and password, 401 EDISABLED); users enable lets it back in', async () => {
    const { data, s } = await seeded();
    const dis = await op(['users', 'disable', 'bob', '--json'], data);
    expect(dis.code).toBe(0);
    expect(json(dis.stdout)).toEqual({ user: 'bob', disabled: true, changed: true });
    const who = await call(s.url, 'GET', '/-/whoami', { token: BOB.token });
    expect(who.status).toBe(401);
    expect(who.body).toMatchObject({ code: 'EDISABLED', message: "The account bob is disabled by the registry's operator. Ask them to enable it." });
    const login = await call(s.url, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: BOB.password } });
    expect(login.status).toBe(401);
    expect(login.body).toMatchObject({ code: 'EDISABLED' });
    const again = await op(['users', 'disable', 'bob'], data);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('bob was already disabled.\n');
    expect((json((await op(['users', 'ls', '--json'], data)).stdout) as { name: string; disabled: boolean }[]).find((u) => u.name === 'bob')!.disabled).toBe(true);
    const en = await op(['users', 'enable', 'bob'], data);
    expect(en.code).toBe(0);
    expect(en.stderr).toBe('Enabled bob (live, through the running server).\n');
    expect((await call(s.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
  });

  it('bad input: unknown user or org owner exit 1, taken names exit 1, invalid names and short passwords exit 2, nothing changed', async () => {
    const { data } = await seeded();
    const cases: [string[], number, RegExp, string?][] = [
      [['users', 'disable', 'nobody'], 1, /^orgctl: User nobody not found\.\n$/],
      [['users', 'reset-2fa', 'bob'], 1, /^orgctl: bob has no two-factor authentication to reset\.\n$/],
      [['users', 'add', 'bob', '--email', 'b@example.com', '--password-stdin'], 1, /^orgctl: User bob already exists\.\n$/, 'long-enough'],
      [['users', 'add', 'acme', '--email', 'a@example.com', '--password-stdin'], 1, /acme is the name of an org; user and org names share one namespace/, 'long-enough'],
      [['users', 'add', 'zed', '--email', 'z@example.com', '--password-stdin'], 2, /^orgctl: Password must be at least 8 characters long\.\n$/, 'short\n'],
      [['users', 'add', 'zed', '--email', 'not-an-email', '--password-stdin'], 2, /email must be an email address/, 'long-enough'],
      [['users', 'add', 'zed', '--email', 'z@example.com'], 2, /users add needs a password for the new account\.\nWithout a terminal, pipe it in with --password-stdin\./],
      [['users', 'add', 'Zed', '--email', 'z@example.com', '--password-stdin'], 2, /invalid user name "Zed"/, 'long-enough'],
      [['orgs', 'create', 'acme', '--owner', 'bob'], 1, /^orgctl: The name acme is taken by an org: org names share one namespace with user names and package scopes\. Choose another name\.\n$/],
      [['orgs', 'create', 'carol', '--owner', 'bob'], 1, /^orgctl: The name carol is taken by a user: org names share one namespace with user names and package scopes/],
      [['orgs', 'create', 'widgets', '--owner', 'nobody'], 1, /^orgctl: User nobody not found\.\n$/],
      [['orgs', 'create', 'widgets', '--owner', 'bob', '--require-2fa'], 1, /^orgctl: bob must turn on two-factor authentication before creating an org that requires it/],
      [['orgs', 'create', 'Widgets!', '--owner', 'bob'], 2, /invalid org name "Widgets!"/],
    ];
    for (const [args, code, err, input] of cases) {
      const r = await op(args, data, { input });
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
      expect(r.stderr).toMatch(err);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const users = json((await op(['users', 'ls', '--json'], data)).stdout) as { name: string }[];
    expect(users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect((json((await op(['orgs', 'ls', '--json'], data)).stdout) as { name: string }[]).map((o) => o.name)).toEqual(['acme', 'secure']);
  });
});

describe('operator commands with the server stopped', () => {
  it('each command works on the store itself, and the next server start sees the changes', async () => {
    const { data, s } = await seeded();
    expect(await s.stop()).toBe(0);
    const add = await op(['users', 'add', 'zed', '--email', 'zed@example.com', '--password-stdin'], data, { input: 'zed-password', server: s });
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/^Created user zed <zed@example\.com>\. They can log in now/m);
    expect((await op(['orgs', 'create', 'widgets', '--owner', 'zed', '--json'], data, { server: s })).code).toBe(0);
    expect((await op(['users', 'disable', 'bob'], data, { server: s })).stderr).toMatch(/^Disabled bob: their tokens and password are refused/m);
    expect((await op(['users', 'disable', 'erin'], data, { server: s })).code).toBe(0);
    expect((await op(['users', 'enable', 'erin'], data, { server: s })).stderr).toMatch(/^Enabled erin\.$/m);
    const reset = await op(['users', 'reset-2fa', 'dave', '--json'], data, { server: s });
    expect(reset.code).toBe(0);
    expect(json(reset.stdout)).toEqual({ user: 'dave', twoFactor: 'off', tokensRevoked: 1, removedFrom: [{ org: 'secure', role: 'developer', teams: [] }] });
    const users = json((await op(['users', 'ls', '--json'], data, { server: s })).stdout) as { name: string; disabled: boolean; twoFactor: string; orgs: string[] }[];
    expect(users.map((u) => [u.name, u.twoFactor, u.disabled, u.orgs.join(',')])).toEqual([
      ['alice', 'on', false, 'acme,secure'],
      ['bob', 'off', true, 'acme'],
      ['carol', 'off', false, ''],
      ['dave', 'off', false, 'acme'],
      ['erin', 'off', false, 'acme'],
      ['zed', 'off', false, 'widgets'],
    ]);
    const orgs = await op(['orgs', 'ls'], data, { server: s });
    expect(orgs.stdout).toMatch(/^widgets\s+1\s+no\s+zed\s+\d{4}-/m);
    expect(existsSync(path.join(data, 'lock'))).toBe(false);
    const s2 = await spawnServe(['--data', data], { clock: s.clock });
    const login = await call(s2.url, 'PUT', '/-/user/org.couchdb.user:zed', { body: { name: 'zed', password: 'zed-password' } });
    expect(login.status).toBe(201);
    expect((await call(s2.url, 'GET', '/-/org/widgets/user', { token: (login.body as { token: string }).token })).body).toEqual({ zed: 'owner' });
    expect((await call(s2.url, 'GET', '/-/whoami', { token: BOB.token })).status).toBe(401);
    expect((await call(s2.url, 'GET', '/-/whoami', { token: 'npm_TestErinToken000000000000000000005' })).status).toBe(200);
  });

  it('after a crash the stale socket is ignored by the commands and replaced by the next start', async () => {
    const { data, s } = await seeded();
    expect(await s.stop('SIGKILL')).toBe('SIGKILL');
    expect(statSync(path.join(data, 'admin.sock')).isSocket()).toBe(true);
    const r = await op(['users', 'disable', 'carol'], data, { server: s });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Disabled carol: /m);
    const s2 = await spawnServe(['--data', data], { clock: s.clock });
    const live = await op(['users', 'enable', 'carol'], data);
    expect(live.stderr).toBe('Enabled carol (live, through the running server).\n');
    expect(s2.child.exitCode).toBeNull();
  });

  it('a running server that does not answer on the socket: refused with exit 1, naming its pid; nothing changed', async () => {
    const { data, s } = await seeded();
    unlinkSync(path.join(data, 'admin.sock')); // e.g. a server from before the operator socket
    const r = await op(['users', 'disable', 'bob'], data);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `orgctl: data folder ${data} is in use by a running server (pid ${s.child.pid}) that does not answer on admin.sock.\nStop that server and run the command again (or restart it with this orgctl, which serves the operator socket).\n`,
    );
    expect((await call(s.url, 'GET', '/-/whoami', { token: BOB.token })).status).toBe(200);
    expect(await s.stop()).toBe(0);
    // Any live process holding the lock counts, not only a server.
    writeFileSync(path.join(data, 'lock'), String(process.pid));
    const held = await op(['users', 'ls'], data);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(new RegExp(`in use by a running server \\(pid ${process.pid}\\)`));
    unlinkSync(path.join(data, 'lock'));
  });

  it('a data folder that does not exist, or is not a registry store, exits 2 and is not created', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope');
    const r = await op(['users', 'ls'], missing);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`orgctl: data folder ${missing} does not exist.\nPass the folder given to \`orgctl registry serve --data\`.\n`);
    expect(existsSync(missing)).toBe(false);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const e = await op(['orgs', 'ls'], empty);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/is not a registry data folder \(it has no state\.json or journal\.log\)/);
    expect(existsSync(path.join(empty, 'lock'))).toBe(false);
    const noData = await runCli(['registry', 'users', 'ls']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/required option '--data <dir>' not specified/);
  });
});
