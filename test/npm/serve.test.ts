// The real npm CLI against `orgctl registry serve` started as a separate process
// (the built CLI, as a user would run it; `npm test` builds dist first), not the
// in-process helper.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NpmClient } from '../helpers/npm.js';
import { call } from '../helpers/http.js';
import { ACME_ROSTER, NPM_TEST_TIMEOUT, SEED, USERS, expectOk } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Served {
  url: string;
  stop(): Promise<void>;
}

/** `node bin/orgctl.js registry serve --port 0 …`; resolves with the URL it prints first. */
async function serve(extra: string[]): Promise<Served> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['bin/orgctl.js', 'registry', 'serve', '--port', '0', ...extra],
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 15 s\nstdout: ${out}\nstderr: ${err}`)), 15_000);
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl).trim());
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited (${child.exitCode}) before printing its URL\nstdout: ${out}\nstderr: ${err}`));
      });
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

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
    const server = await serve(['--seed', SEED]);
    cleanups.push(server.stop);
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

    const first = await serve(['--data', data, '--seed', SEED]);
    cleanups.push(first.stop);
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

    const second = await serve(['--data', data, '--seed', SEED]);
    cleanups.push(second.stop);
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
