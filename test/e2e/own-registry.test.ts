/**
 * The README's "Running your own registry" walkthrough, run exactly as written: the commands are
 * read from the README's code block and run in order with the built CLI (on a pseudo-terminal
 * where the README expects a terminal: `profile enable-2fa`) and the real npm CLI. Only what a
 * person supplies is filled in: the files (`./htpasswd`, `alice.pw`), the port (0: a free one),
 * the one-time codes (`<code>`, from the test clock), and npm's prompts. A change to the block
 * that this test does not know fails it, so the README and the test cannot drift apart.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { totp } from '../helpers/clock.js';
import { ROOT } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { NpmClient } from '../helpers/npm.js';
import { useTempDirs } from '../helpers/reliability.js';
import { isolatedDirs, ptyCli, runCli } from '../helpers/run-cli.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';

const temp = useTempDirs('orgctl-own-');

/** The command lines of the README block, in order (comments and blank lines left out). */
function walkthrough(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Running your own registry'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** Who runs each line: the operator, alice, hana, or the server itself. */
const EXPECTED: [who: 'operator' | 'server' | 'alice' | 'hana' | 'env', line: string][] = [
  ['operator', 'orgctl registry import-htpasswd ./htpasswd --data ./data'],
  ['server', 'orgctl registry serve --data ./data --host 127.0.0.1 --port 4873 --signup closed &'],
  ['operator', 'orgctl registry users add alice --email alice@example.com --password-stdin --data ./data < alice.pw'],
  ['env', 'export ORGCTL_REGISTRY=http://127.0.0.1:4873/'],
  ['alice', 'orgctl login --username alice --password-stdin < alice.pw'],
  ['alice', 'orgctl profile enable-2fa'],
  ['alice', 'orgctl org create acme --require-2fa --otp <code>'],
  ['hana', 'npm login --registry http://127.0.0.1:4873/ --auth-type=legacy'],
  ['hana', 'orgctl profile enable-2fa'],
  ['alice', 'orgctl org invite acme hana --otp <code>'],
  ['hana', 'orgctl invites accept acme --otp <code>'],
  ['operator', 'orgctl registry users reset-2fa hana --data ./data'],
  ['hana', 'npm login --registry http://127.0.0.1:4873/ --auth-type=legacy'],
  ['hana', 'orgctl profile enable-2fa'],
  ['alice', 'orgctl org invite acme hana --reinstate --otp <code>'],
  ['hana', 'orgctl invites accept acme --otp <code>'],
];

const ALICE_PASSWORD = 'alice-first-password';
const HANA_PASSWORD = 'hana-old-password'; // test/fixtures/htpasswd/verdaccio.htpasswd

describe('README: Running your own registry', () => {
  it('the block is the walkthrough this test runs', () => {
    expect(walkthrough()).toEqual(EXPECTED.map(([, line]) => line));
  });

  it('runs from an empty folder to a closed registry with a 2FA org, an imported user and a recovered account', async () => {
    const dir = temp();
    // The files a person brings: hana's and kim's lines of a Verdaccio htpasswd file, alice's password.
    const fixture = readFileSync(path.join(ROOT, 'test/fixtures/htpasswd/verdaccio.htpasswd'), 'utf8').split('\n');
    writeFileSync(path.join(dir, 'htpasswd'), `${fixture.filter((l) => /^(hana|kim):/.test(l)).join('\n')}\n`);
    writeFileSync(path.join(dir, 'alice.pw'), ALICE_PASSWORD);
    const aliceDirs = isolatedDirs('orgctl-own-alice-');
    const hanaDirs = isolatedDirs('orgctl-own-hana-');
    let server: ServeProcess | null = null;
    let npm: NpmClient | null = null;
    const secrets: Record<'alice' | 'hana', string> = { alice: '', hana: '' };
    let url = '';
    const code = (who: 'alice' | 'hana') => {
      server!.clock.nextStep(); // a fresh step: each code is used once, whoever sends it
      return totp(secrets[who], server!.clock.now());
    };

    try {
      for (const [who, line] of EXPECTED) {
        const words = line.replace(/ &$/, '').replace(/ < alice\.pw$/, '').split(' ');
        const input = line.endsWith('< alice.pw') ? ALICE_PASSWORD : undefined;
        if (who === 'env') {
          url = server!.url;
          continue;
        }
        if (who === 'server') {
          const args = words.slice(3).map((w) => (w === './data' ? path.join(dir, 'data') : w === '4873' ? '0' : w));
          server = await spawnServe(args);
          await server.waitForStderr(/; sign-up closed/);
          continue;
        }
        if (words[0] === 'npm') {
          // npm's legacy login prompts for the user name and password.
          npm ??= await NpmClient.create(server!.url);
          const login = npm.pty(words.slice(1).map((w) => (w === 'http://127.0.0.1:4873/' ? server!.url : w)));
          await login.expect(/Username: ?/);
          login.sendLine('hana');
          await login.expect(/Password: ?/);
          login.sendLine(HANA_PASSWORD);
          const done = await login.wait();
          expect({ line, code: done.code }).toEqual({ line, code: 0 });
          continue;
        }
        const args = words.slice(1).map((w) => (w === '<code>' ? code(who as 'alice' | 'hana') : w));
        // alice's orgctl keeps its login in its own config folder; hana's orgctl reads npm's .npmrc.
        const env =
          who === 'alice'
            ? { ORGCTL_REGISTRY: url }
            : who === 'hana'
              ? { ORGCTL_REGISTRY: url, npm_config_userconfig: npm!.userconfig }
              : { ORGCTL_TEST_CLOCK_FILE: server?.clock.file };
        const dirs = who === 'alice' ? aliceDirs : who === 'hana' ? hanaDirs : undefined;
        if (line === 'orgctl profile enable-2fa') {
          const s = ptyCli(args, { env, dirs, cwd: dir });
          await s.expect(/Password:/);
          s.sendLine(who === 'alice' ? ALICE_PASSWORD : HANA_PASSWORD);
          secrets[who as 'alice' | 'hana'] = (await s.expect(/Secret: ([A-Z2-7]+)/))[1]!;
          await s.expect(/6-digit code/);
          s.sendLine(totp(secrets[who as 'alice' | 'hana'], server!.clock.now()));
          const r = await s.wait();
          expect({ line, code: r.code }).toEqual({ line, code: 0 });
          continue;
        }
        const r = await runCli(args, { env, dirs, cwd: dir, input });
        expect({ line, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ line, code: 0, stderr: '' });
      }

      // Where it ended: acme requires 2FA, alice owns it, hana is back as a developer.
      const alice = await call(url, 'PUT', '/-/user/org.couchdb.user:alice', { body: { name: 'alice', password: ALICE_PASSWORD }, otp: code('alice') });
      expect(alice.status).toBe(201);
      const token = alice.body.token as string;
      expect((await call(url, 'GET', '/-/org/acme/user', { token })).body).toEqual({ alice: 'owner', hana: 'developer' });
      const status = await call(url, 'GET', '/-/orgctl/v1/orgs/acme/tfa', { token, otp: code('alice') });
      expect(status.body).toMatchObject({ required: true, withoutTwoFactor: [] });
      const audit = await call(url, 'GET', '/-/orgctl/v1/orgs/acme/audit', { token, otp: code('alice') });
      const actions = (audit.body as { action: string; target?: string; detail?: { reason?: string } }[]).reverse().map((e) => `${e.action} ${e.target ?? ''}${e.detail?.reason ? ` ${e.detail.reason}` : ''}`.trim());
      expect(actions).toEqual([
        'org.create',
        'org.invite.create hana',
        'org.invite.accept hana',
        'org.member.remove hana tfa_reset',
        'org.invite.create hana',
        'org.invite.accept hana',
      ]);
      // It is closed: nobody signs up; kim (imported, never logged in) still can log in.
      const signup = await call(url, 'PUT', '/-/user/org.couchdb.user:mallory', { body: { name: 'mallory', password: 'mallory-password' } });
      expect([signup.status, signup.body.code]).toEqual([403, 'ESIGNUPCLOSED']);
      expect((await call(url, 'PUT', '/-/user/org.couchdb.user:kim', { body: { name: 'kim', password: 'kim-old-password' } })).status).toBe(201);
    } finally {
      await npm?.cleanup();
      if (server) expect(await server.stop()).toBe(0);
      for (const d of [aliceDirs, hanaDirs]) rmSync(d.root, { recursive: true, force: true });
    }
  }, 120_000);
});
