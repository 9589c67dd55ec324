// `npm publish`, `view`, `install`, `dist-tag` and `unpublish` (real npm CLI) against the reference
// registry, and the org-scope rules: @acme/* only for acme's current members, checked live.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { NpmClient } from '../helpers/npm.js';
import { EOTP_LINES, NPM_TEST_TIMEOUT, USERS, expectNpmError, expectOk, withRegistry, type RegistryContext } from './setup.js';
import { npmErrors } from '../helpers/npm.js';
import { packageDir } from '../helpers/packages.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

/** Writes a package folder in the client's home and returns its relative path for `npm publish`. */
const pkgDir = (npm: NpmClient, name: string, version: string, extra: Record<string, string> = {}): Promise<string> => packageDir(npm.home, name, version, extra);

/** `require(name)` from the client's home (where `npm install` put node_modules). */
function requireFrom(npm: NpmClient, name: string): string {
  return execFileSync(process.execPath, ['-p', `require(${JSON.stringify(name)})`], { cwd: npm.home, encoding: 'utf8' }).trim();
}

async function publishAs(ctx: RegistryContext, npm: NpmClient, name: string, version: string, otp?: boolean): Promise<void> {
  const r = await npm.run(['publish', await pkgDir(npm, name, version), ...(otp ? [`--otp=${ctx.otp('alice')}`] : [])]);
  expectOk(r);
  expect(r.stdout).toContain(`+ ${name}@${version}`);
}

/**
 * Rules for packages outside org scopes (anonymous reads, first publisher as maintainer, the
 * reference registry's messages) are the reference registry's own; behind Verdaccio its `packages:`
 * rules govern them instead (`npm run test:verdaccio`), so those cases run on the reference only.
 * The org-scope rules below hold on both.
 */
const referenceOnly = process.env.ORGCTL_TEST_REGISTRY === 'verdaccio' ? it.skip : it.concurrent;

describe('npm publish, view, install', () => {
  referenceOnly('bob publishes a new package; anyone views and installs it, and require() loads it', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publishAs(ctx, bob, 'hello-orgctl', '1.0.0');
    const anon = await ctx.npmAs(null);
    const view = await anon.run(['view', 'hello-orgctl', '--json']);
    expectOk(view);
    const info = JSON.parse(view.stdout);
    expect(info).toMatchObject({ name: 'hello-orgctl', version: '1.0.0', description: 'hello-orgctl for tests', 'dist-tags': { latest: '1.0.0' }, maintainers: ['bob <bob@example.com>'] });
    expect(info.dist.tarball).toBe(`${ctx.url}hello-orgctl/-/hello-orgctl-1.0.0.tgz`);
    const install = await anon.run(['install', 'hello-orgctl']);
    expectOk(install);
    expect(install.stdout).toMatch(/added 1 package/);
    expect(requireFrom(anon, 'hello-orgctl')).toBe('hello-orgctl@1.0.0');
  }));

  it.concurrent('alice (2FA auth-and-writes) gets EOTP without --otp and publishes with it', withRegistry(async (ctx) => {
    const alice = await ctx.npmAs('alice');
    const dir = await pkgDir(alice, 'alice-lib', '1.0.0');
    const bare = await alice.run(['publish', dir]);
    expectNpmError(bare, 'EOTP');
    expect(npmErrors(bare.stderr).slice(0, 4)).toEqual(EOTP_LINES);
    const ok = await alice.run(['publish', dir, `--otp=${ctx.otp('alice')}`]);
    expectOk(ok);
    expect(ok.stdout).toContain('+ alice-lib@1.0.0');
  }));

  referenceOnly('a version cannot be published twice; another user cannot publish a later version', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publishAs(ctx, bob, 'dup-orgctl', '1.0.0');
    // npm itself refuses first (it reads the packument); the server refuses too (409)
    const again = await bob.run(['publish', await pkgDir(bob, 'dup-orgctl', '1.0.0', { 'extra.js': '1;' })]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot publish over the previously published versions: 1\.0\.0/);
    const carol = await ctx.npmAs('carol');
    const other = await carol.run(['publish', await pkgDir(carol, 'dup-orgctl', '1.1.0')]);
    expectNpmError(other, 'E403');
    expect(other.stderr).toMatch(/You are not a maintainer of dup-orgctl/);
  }));

  it.concurrent('publishes a package of more than 1 MiB', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    const r = await bob.run(['publish', await pkgDir(bob, 'big-orgctl', '1.0.0', { 'blob.bin': randomBytes(1536 * 1024).toString('base64') })]);
    expectOk(r);
    const anon = await ctx.npmAs(null);
    expectOk(await anon.run(['install', 'big-orgctl']));
    expect(requireFrom(anon, 'big-orgctl')).toBe('big-orgctl@1.0.0');
  }));
});

describe('npm dist-tag and unpublish', () => {
  referenceOnly('dist-tag ls, add, rm', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publishAs(ctx, bob, 'tagged-orgctl', '1.0.0');
    await publishAs(ctx, bob, 'tagged-orgctl', '2.0.0');
    const ls = await bob.run(['dist-tag', 'ls', 'tagged-orgctl']);
    expectOk(ls);
    expect(ls.stdout).toBe('latest: 2.0.0\n');
    const add = await bob.run(['dist-tag', 'add', 'tagged-orgctl@1.0.0', 'legacy']);
    expectOk(add);
    expect(add.stdout).toBe('+legacy: tagged-orgctl@1.0.0\n');
    expect((await bob.run(['dist-tag', 'ls', 'tagged-orgctl'])).stdout).toBe('latest: 2.0.0\nlegacy: 1.0.0\n');
    const carol = await ctx.npmAs('carol');
    expectNpmError(await carol.run(['dist-tag', 'add', 'tagged-orgctl@1.0.0', 'evil']), 'E403');
    const rm = await bob.run(['dist-tag', 'rm', 'tagged-orgctl', 'legacy']);
    expectOk(rm);
    expect(rm.stdout).toBe('-legacy: tagged-orgctl@1.0.0\n');
    expect((await bob.run(['dist-tag', 'ls', 'tagged-orgctl'])).stdout).toBe('latest: 2.0.0\n');
    // installing by tag
    const anon = await ctx.npmAs(null);
    expectOk(await anon.run(['install', 'tagged-orgctl@latest']));
    expect(requireFrom(anon, 'tagged-orgctl')).toBe('tagged-orgctl@2.0.0');
  }));

  it.concurrent('unpublish <pkg>@<version>, then --force the whole package', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publishAs(ctx, bob, 'gone-orgctl', '1.0.0');
    await publishAs(ctx, bob, 'gone-orgctl', '1.1.0');
    const one = await bob.run(['unpublish', 'gone-orgctl@1.1.0']);
    expectOk(one);
    expect(one.stdout).toBe('- gone-orgctl@1.1.0\n');
    const view = await bob.run(['view', 'gone-orgctl', 'versions', '--json']);
    expectOk(view);
    expect(JSON.parse(view.stdout)).toEqual(['1.0.0']);
    expect((await ctx.api('/gone-orgctl/-/gone-orgctl-1.1.0.tgz')).status).toBe(404);
    const all = await bob.run(['unpublish', 'gone-orgctl', '--force']);
    expectOk(all);
    expect(all.stdout).toBe('- gone-orgctl\n');
    expectNpmError(await bob.run(['view', 'gone-orgctl']), 'E404');
  }));
});

describe('org-scoped packages (@acme/*)', () => {
  it.concurrent('members read and publish; carol (not a member) gets E403; anonymous E401', withRegistry(async (ctx) => {
    const alice = await ctx.npmAs('alice');
    await publishAs(ctx, alice, '@acme/widget', '1.0.0', true);
    const bob = await ctx.npmAs('bob');
    const view = await bob.run(['view', '@acme/widget', 'version']);
    expectOk(view);
    expect(view.stdout).toBe('1.0.0\n');
    expectOk(await bob.run(['install', '@acme/widget']));
    expect(requireFrom(bob, '@acme/widget')).toBe('@acme/widget@1.0.0');
    await publishAs(ctx, bob, '@acme/widget', '1.1.0');

    const carol = await ctx.npmAs('carol');
    for (const args of [['install', '@acme/widget'], ['view', '@acme/widget']]) {
      const r = await carol.run(args);
      expectNpmError(r, 'E403');
      expect(r.stderr).toMatch(/carol is not a member of org acme/);
    }
    expectNpmError(await carol.run(['publish', await pkgDir(carol, '@acme/widget', '9.0.0')]), 'E403');
    expectNpmError(await carol.run(['publish', await pkgDir(carol, '@acme/carols', '1.0.0')]), 'E403');
    expectNpmError(await (await ctx.npmAs(null)).run(['install', '@acme/widget']), 'E401');
  }));

  it.concurrent("2FA enforcement removes bob: his old token gets E403 at once; reinstated and accepted, it works again", withRegistry(async (ctx) => {
    const alice = await ctx.npmAs('alice');
    await publishAs(ctx, alice, '@acme/widget', '1.0.0', true);
    expectOk(await (await ctx.npmAs('bob')).run(['install', '@acme/widget']));

    const enforce = await ctx.api('/-/orgctl/v1/orgs/acme/tfa', { as: 'alice', method: 'PUT', body: { required: true }, otp: ctx.otp('alice') });
    expect(enforce.status).toBe(200);
    expect(enforce.body.removed.map((m: { user: string }) => m.user)).toContain('bob');

    const removed = await ctx.npmAs('bob'); // a fresh npm home: nothing cached, the same old token
    const refused = await removed.run(['install', '@acme/widget']);
    expectNpmError(refused, 'E403');
    expect(refused.stderr).toMatch(/bob is not a member of org acme/);
    expectNpmError(await removed.run(['view', '@acme/widget']), 'E403');

    // reinstatement: alice invites bob back; bob turns 2FA on and accepts
    const inv = await ctx.api('/-/orgctl/v1/orgs/acme/invitations', { as: 'alice', method: 'POST', body: { invitations: [{ user: 'bob', reinstate: true }] }, otp: ctx.otp('alice') });
    expect(inv.status).toBe(200);
    const start = await ctx.api('/-/npm/v1/user', { as: 'bob', method: 'POST', body: { tfa: { password: USERS.bob.password, mode: 'auth-and-writes' } } });
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;
    expect((await ctx.api('/-/npm/v1/user', { as: 'bob', method: 'POST', body: { tfa: [ctx.otp(secret)] } })).status).toBe(200);
    ctx.clock.nextStep();
    const accept = await ctx.api('/-/orgctl/v1/invitations/acme/accept', { as: 'bob', method: 'POST', otp: ctx.otp(secret) });
    expect(accept.body).toEqual({ org: 'acme', role: 'developer', teams: ['core'] });

    const back = await ctx.npmAs('bob');
    expectOk(await back.run(['install', '@acme/widget']));
    expect(requireFrom(back, '@acme/widget')).toBe('@acme/widget@1.0.0');
  }));
});
