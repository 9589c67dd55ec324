/**
 * Issue 14, "done when": Verdaccio from a packed tarball of this project, in an empty folder, with
 * the README's config, exactly as the README says (npm init -y, the override, npm install, the
 * config.yaml block, `verdaccio -c config.yaml -l …`), then the story with the installed orgctl
 * and the real npm CLI. Slow (an npm install), so it runs in `npm run test:verdaccio` only (which
 * builds dist first; the pack skips the prepack build, so no other test sees dist rewritten).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { NpmClient, npmErrorCode, type NpmResult } from '../helpers/npm.js';
import { runCli, runTool as run, type CliResult } from '../helpers/run-cli.js';
import { totp } from '../helpers/clock.js';

const RUN = process.env.ORGCTL_TEST_REGISTRY === 'verdaccio';
const describeVerdaccio = RUN ? describe : describe.skip;

let work: string;
let app: string;
let url: string;
let verdaccio: ChildProcess | undefined;
const clients: NpmClient[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The README's config.yaml: the first yaml block of its "Use with Verdaccio" section. */
async function readmeConfig(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use with Verdaccio'));
  const m = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README: no yaml block in "Use with Verdaccio"');
  return m[1]!;
}

/** The installed orgctl (from the tarball), run in the app folder. */
const orgctl = (args: string[], opts: { token?: string; input?: string } = {}): Promise<CliResult> =>
  runCli(args, { script: join(app, 'node_modules', 'orgctl', 'bin', 'orgctl.js'), cwd: app, input: opts.input, env: { ORGCTL_REGISTRY: url, ...(opts.token ? { ORGCTL_TOKEN: opts.token } : {}) } });

function expectOk(r: NpmResult | CliResult): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/npm error|orgctl: /) });
}

beforeAll(async () => {
  if (!RUN) return;
  work = await mkdtemp(join(tmpdir(), 'orgctl-packed-'));
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], ROOT);
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'))!;
  app = join(work, 'app');
  await mkdir(app);
  // The README: `npm init -y`, the override, `npm install orgctl verdaccio@6.8.0` (orgctl: the tarball).
  await run('npm', ['init', '-y'], app);
  const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8'));
  await writeFile(join(app, 'package.json'), JSON.stringify({ ...pkg, overrides: { 'node-fetch': '2.7.0' } }, null, 2));
  await run('npm', ['install', join(work, tarball), 'verdaccio@6.8.0', '--prefer-offline', '--no-audit', '--no-fund'], app);
  await writeFile(join(app, 'config.yaml'), await readmeConfig());
  const port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  verdaccio = spawn(process.execPath, [join(app, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '-c', 'config.yaml', '-l', `127.0.0.1:${port}`], { cwd: app, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await call(url, 'GET', '/-/ping').then((r) => r.status === 200, () => false);
    if (up) break;
    if (i > 300 || verdaccio.exitCode !== null) throw new Error('Verdaccio (from the packed tarball) did not start');
    await new Promise((r) => setTimeout(r, 100)); // polling a starting process, not a timing assertion
  }
}, 240_000);

afterAll(async () => {
  for (const c of clients) await c.cleanup();
  verdaccio?.kill();
  if (work) await rm(work, { recursive: true, force: true });
});

describeVerdaccio('Verdaccio from a packed tarball with the README config', () => {
  it('sign-up is closed; the operator creates accounts; alice creates acme and publishes; carol (no member) is denied; bob, invited, installs; enforcement removes him (denied at once); with 2FA he is reinstated and installs again', async () => {
    const signup = await call(url, 'PUT', '/-/user/org.couchdb.user:mallory', { body: { _id: 'org.couchdb.user:mallory', name: 'mallory', password: 'mallory-password', email: 'm@example.com', type: 'user', roles: [] } });
    expect([signup.status, signup.body.code]).toEqual([403, 'ESIGNUPCLOSED']);
    const tokens: Record<string, string> = {};
    for (const name of ['alice', 'bob', 'carol']) {
      // signup: closed in the README's config: the operator creates accounts through the admin socket.
      expectOk(await orgctl(['registry', 'users', 'add', name, '--email', `${name}@example.com`, '--password-stdin', '--data', './orgctl-data'], { input: `${name}-password\n` }));
      const login = await call(url, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { _id: `org.couchdb.user:${name}`, name, password: `${name}-password`, type: 'user', roles: [] } });
      expect(login.status).toBe(201);
      tokens[name] = login.body.token;
    }
    const npm = async (name: string) => {
      const c = await NpmClient.create(url, { token: tokens[name] });
      clients.push(c);
      return c;
    };
    const [alice, bob, carol] = [await npm('alice'), await npm('bob'), await npm('carol')];

    expectOk(await orgctl(['org', 'create', 'acme'], { token: tokens.alice }));
    const dir = join(work, 'widget');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@acme/widget', version: '1.0.0' }));
    expectOk(await alice.run(['publish', dir]));

    const install = async (c: NpmClient, who: string) => {
      const into = join(work, `${who}-${Date.now()}`);
      await mkdir(into);
      await writeFile(join(into, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
      return c.run(['install', '@acme/widget', `--prefix=${into}`, '--no-audit', '--no-fund']);
    };
    const denied = await install(carol, 'carol');
    expect({ code: denied.code, errorCode: npmErrorCode(denied.stderr) }).toEqual({ code: 1, errorCode: 'E403' });

    expectOk(await orgctl(['org', 'invite', 'acme', 'bob'], { token: tokens.alice }));
    expectOk(await orgctl(['invites', 'accept', 'acme'], { token: tokens.bob }));
    expectOk(await install(bob, 'bob'));

    // alice turns on 2FA (scripted) and enforces it: bob, without 2FA, is removed and denied at once.
    const secrets: Record<string, string> = {};
    const enrol = async (name: string) => {
      const start = await orgctl(['profile', 'enable-2fa', '--password-stdin', '--json'], { token: tokens[name], input: `${name}-password` });
      expectOk(start);
      secrets[name] = JSON.parse(start.stdout).secret;
      expectOk(await orgctl(['profile', 'enable-2fa', '--verify', totp(secrets[name]!, Date.now()), '--json'], { token: tokens[name] }));
    };
    await enrol('alice');
    const enforce = await orgctl(['org', '2fa', 'enforce', 'acme', '--yes', '--otp', totp(secrets.alice!, Date.now()), '--json'], { token: tokens.alice });
    expectOk(enforce);
    expect(JSON.parse(enforce.stdout).removed.map((m: { user: string }) => m.user)).toEqual(['bob']);
    const cut = await install(bob, 'bob');
    expect({ code: cut.code, errorCode: npmErrorCode(cut.stderr) }).toEqual({ code: 1, errorCode: 'E403' });

    // bob turns on 2FA; alice reinstates him (former role and teams); he accepts and installs again.
    await enrol('bob');
    expectOk(await orgctl(['org', 'invite', 'acme', 'bob', '--reinstate', '--otp', totp(secrets.alice!, Date.now())], { token: tokens.alice }));
    expectOk(await orgctl(['invites', 'accept', 'acme', '--otp', totp(secrets.bob!, Date.now())], { token: tokens.bob }));
    expectOk(await install(bob, 'bob'));
  }, 180_000);

  it('a config that cannot work stops the installed Verdaccio at start with the reason (only the auth half listed)', async () => {
    const bad = (await readmeConfig()).replace(/^middlewares:\n(?:  .*\n)+/m, '');
    expect(bad).not.toContain('middlewares:');
    await writeFile(join(app, 'bad.yaml'), bad.replace('./orgctl-data', './orgctl-data-bad'));
    const port = await freePort();
    const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [join(app, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '-c', 'bad.yaml', '-l', `127.0.0.1:${port}`], { cwd: app });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(out.code).not.toBe(0);
    expect(out.output).toContain('verdaccio-orgctl: the plugin is listed under `auth:` but not under `middlewares:`');
  }, 60_000);
});
