/**
 * Issue 7's story on a real Verdaccio (in-process, loopback, no uplinks) with orgctl's plugin, the
 * real npm CLI and the built orgctl: alice (owner, 2FA) publishes @acme/widget; bob (developer, no
 * 2FA) installs it; enforcing 2FA on acme removes bob and his old token gets 403 at once; bob turns
 * on 2FA, is reinstated, accepts and installs again; carol (not a member) never can.
 * The registry's clock is controlled so TOTP codes are deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALICE, BOB, CAROL } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { NpmClient, type NpmResult } from '../helpers/npm.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { totp } from '../helpers/clock.js';
import { registryPerFile } from '../helpers/registry.js';

const reg = registryPerFile({ server: 'verdaccio' });
const { clock } = reg;
let work: string;
const npm: Record<string, NpmClient> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'orgctl-story-'));
  for (const [name, token] of [
    ['alice', ALICE.token],
    ['bob', BOB.token],
    ['carol', CAROL.token],
  ] as const) {
    npm[name] = await NpmClient.create(reg.url, { token });
  }
}, 60_000);

afterAll(async () => {
  for (const c of Object.values(npm)) await c.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const orgctl = (token: string, args: string[], input?: string): Promise<CliResult> =>
  runCli(args, { env: { ORGCTL_REGISTRY: reg.url, ORGCTL_TOKEN: token }, input });
const aliceOtp = () => totp(ALICE.secret, clock.now());

let installs = 0;
/** `npm install @acme/widget` as `who` into a fresh project; returns npm's result and the project folder. */
async function install(who: string): Promise<NpmResult & { dir: string }> {
  const dir = join(work, `${who}-${++installs}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `app-${installs}`, version: '1.0.0', private: true }));
  const r = await npm[who]!.run(['install', '@acme/widget', `--prefix=${dir}`, '--no-audit', '--no-fund']);
  return { ...r, dir };
}

const installedVersion = async (dir: string) => JSON.parse(await readFile(join(dir, 'node_modules', '@acme', 'widget', 'package.json'), 'utf8')).version;

describe('the org story on Verdaccio', () => {
  it('alice publishes, bob installs, enforcement cuts bob off at once, 2FA + reinstatement bring him back, carol never gets in', async () => {
    // alice (owner, auth-and-writes 2FA) publishes: without an OTP npm is told to ask for one.
    const pkg = join(work, 'widget');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/widget', version: '1.0.0', main: 'index.js' }));
    await writeFile(join(pkg, 'index.js'), 'module.exports = 42;\n');
    const noOtp = await npm.alice!.run(['publish', pkg]);
    expect(noOtp.code).toBe(1);
    expect(noOtp.stderr).toMatch(/EOTP|one-time password/);
    const pub = await npm.alice!.run(['publish', pkg, '--otp', aliceOtp()]);
    expect(pub.stderr + pub.stdout).toContain('+ @acme/widget@1.0.0');
    expect(pub.code).toBe(0);

    // carol is not a member: publishing into the scope and installing are refused.
    const carolPub = await npm.carol!.run(['publish', pkg]);
    expect(carolPub.code).toBe(1);
    expect(carolPub.stderr).toMatch(/403/);
    const carol1 = await install('carol');
    expect(carol1.code).toBe(1);
    expect(carol1.stderr).toMatch(/E403|403 Forbidden/);
    expect(carol1.stderr).toContain('carol is not a member of org acme');

    // bob (developer, no 2FA) installs it.
    const bob1 = await install('bob');
    expect(bob1.stderr).not.toMatch(/ERR!/);
    expect(bob1.code).toBe(0);
    expect(await installedVersion(bob1.dir)).toBe('1.0.0');

    // alice enforces 2FA on acme: bob (and erin) are removed.
    const enforce = await orgctl(ALICE.token, ['org', '2fa', 'enforce', 'acme', '--yes', '--otp', aliceOtp(), '--json']);
    expect(enforce.stderr).toBe('');
    expect(enforce.code).toBe(0);
    expect(JSON.parse(enforce.stdout).removed.map((m: { user: string }) => m.user).sort()).toEqual(['bob', 'erin']);

    // bob's old token now gets 403, for the packument and the tarball alike.
    const bob2 = await install('bob');
    expect(bob2.code).toBe(1);
    expect(bob2.stderr).toMatch(/E403|403 Forbidden/);
    expect(bob2.stderr).toContain('bob is not a member of org acme');
    const tarball = await call(reg.url, 'GET', '/@acme/widget/-/widget-1.0.0.tgz', { token: BOB.token });
    expect(tarball.status).toBe(403);

    // bob turns on 2FA with orgctl (scripted: password on stdin, then a code from the secret).
    const start = await orgctl(BOB.token, ['profile', 'enable-2fa', '--password-stdin', '--json'], `${BOB.password}\n`);
    expect(start.code).toBe(0);
    const secret: string = JSON.parse(start.stdout).secret;
    const verify = await orgctl(BOB.token, ['profile', 'enable-2fa', '--verify', totp(secret, clock.now()), '--json']);
    expect(verify.code).toBe(0);
    clock.nextStep();

    // alice reinstates him; bob accepts with a code.
    const inv = await orgctl(ALICE.token, ['org', 'invite', 'acme', 'bob', '--reinstate', '--otp', aliceOtp(), '--json']);
    expect(inv.code).toBe(0);
    expect(JSON.parse(inv.stdout).invited).toEqual([expect.objectContaining({ user: 'bob', role: 'developer', reinstate: true })]);
    const accept = await orgctl(BOB.token, ['invites', 'accept', 'acme', '--otp', totp(secret, clock.now()), '--json']);
    expect(accept.code).toBe(0);
    expect(JSON.parse(accept.stdout)).toMatchObject({ org: 'acme', role: 'developer' });

    // bob installs it again with the same token; carol still cannot.
    const bob3 = await install('bob');
    expect(bob3.code).toBe(0);
    expect(await installedVersion(bob3.dir)).toBe('1.0.0');
    const carol2 = await install('carol');
    expect(carol2.code).toBe(1);
    expect(carol2.stderr).toContain('carol is not a member of org acme');
  }, 120_000);
});
