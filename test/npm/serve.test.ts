// The real npm CLI against `orgctl registry serve` started as a separate process
// (the built CLI, as a user would run it; `npm test` builds dist first), not the
// in-process helper.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpmClient } from '../helpers/npm.js';
import { call } from '../helpers/http.js';
import { spawnServe } from '../helpers/serve.js';
import { ACME_ROSTER, NPM_TEST_TIMEOUT, SEED, USERS, expectOk } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

describe('npm against `orgctl registry serve --port 0 --seed …` (separate process)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const npmAs = async (url: string, token?: string) => {
    const c = await NpmClient.create(url, { token });
    cleanups.push(() => c.cleanup());
    return c;
  };

  it('prints its base URL first and serves whoami, org ls and team ls from the seed', async () => {
    const server = await spawnServe(['--port', '0', '--seed', SEED]);
    cleanups.push(async () => void (await server.stop()));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/$/);

    const npm = await npmAs(server.url, USERS.bob.token);
    const who = await npm.run(['whoami']);
    expectOk(who);
    expect(who.stdout).toBe('bob\n');
    const org = await npm.run(['org', 'ls', 'acme', '--json']);
    expectOk(org);
    expect(JSON.parse(org.stdout)).toEqual(ACME_ROSTER);
    const team = await npm.run(['team', 'ls', '@acme:core']);
    expectOk(team);
    expect(team.stdout).toBe('@acme:core has 2 users:\nalice\nbob\n');
  });

  it('with --data, an account created by `npm login` survives a restart', async () => {
    const data = await mkdtemp(join(tmpdir(), 'orgctl-serve-'));
    cleanups.push(() => rm(data, { recursive: true, force: true }));

    const first = await spawnServe(['--port', '0', '--data', data, '--seed', SEED]);
    cleanups.push(async () => void (await first.stop()));
    const npm = await npmAs(first.url);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await s.expect(/Username: ?/);
    s.sendLine('grace');
    await s.expect(/Password: ?/);
    s.sendLine('grace-password');
    expect((await s.wait()).code).toBe(0);
    const token = await npm.token();
    expect(token).toBeDefined();
    expect((await call(first.url, 'GET', '/-/whoami', { token })).body).toEqual({ username: 'grace' });
    await first.stop();

    const second = await spawnServe(['--port', '0', '--data', data, '--seed', SEED]);
    cleanups.push(async () => void (await second.stop()));
    const again = await npmAs(second.url, token);
    const who = await again.run(['whoami']);
    expectOk(who);
    expect(who.stdout).toBe('grace\n');
    // the seed was applied once, not again over the stored state
    const bob = await npmAs(second.url, USERS.bob.token);
    const org = await bob.run(['org', 'ls', 'acme', '--json']);
    expectOk(org);
    expect(JSON.parse(org.stdout)).toEqual(ACME_ROSTER);
  });
});
