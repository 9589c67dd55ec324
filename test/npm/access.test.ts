// npm's package access model with the real npm CLI: `npm access list packages|collaborators`,
// `npm access grant|revoke`, `npm access get status` / `set status=…|mfa=…`, and `npm owner
// ls|add|rm`. Team grants decide who installs and publishes an org's packages; the developers
// team's read-write grant is the default. Runs on both hosts (ORGCTL_TEST_REGISTRY=verdaccio).
import { describe, expect, it, jest } from '@jest/globals';
import type { NpmClient } from '../helpers/npm.js';
import { packageDir } from '../helpers/packages.js';
import { NPM_TEST_TIMEOUT, expectNpmError, expectOk, withRegistry, type RegistryContext } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT * 2);

const PKG = '@acme/widget';

async function publish(npm: NpmClient, name: string, version: string, otp?: string): Promise<void> {
  const r = await npm.run(['publish', await packageDir(npm.home, name, version), ...(otp ? [`--otp=${otp}`] : [])]);
  expectOk(r);
}

/** `npm install <pkg>`: 0, or npm's error code. */
async function install(npm: NpmClient, pkg: string): Promise<string> {
  const r = await npm.run(['install', pkg, '--no-save']);
  if (r.code === 0) return 'ok';
  return /npm error code (\S+)/.exec(r.stderr)?.[1] ?? `exit ${r.code}`;
}

async function accessJson(npm: NpmClient, args: string[]): Promise<unknown> {
  const r = await npm.run(['access', ...args, '--json']);
  expectOk(r);
  return JSON.parse(r.stdout);
}

/** alice (owner, 2FA auth-and-writes) runs an `npm access` change with her OTP. */
async function aliceAccess(ctx: RegistryContext, alice: NpmClient, args: string[]): Promise<void> {
  ctx.clock.nextStep();
  expectOk(await alice.run(['access', ...args, `--otp=${ctx.otp('alice')}`]));
}

describe('npm access: team grants decide who installs and publishes', () => {
  it.concurrent('default grant, revoke, read-only, read-write, revoke again, and a removed member keeps nothing', withRegistry(async (ctx) => {
    const [alice, bob, erin] = await Promise.all([ctx.npmAs('alice'), ctx.npmAs('bob'), ctx.npmAs('erin')]);
    await publish(bob, PKG, '1.0.0');
    // npm's default: the developers team (every member) has read-write
    expect(await accessJson(bob, ['list', 'packages', '@acme:developers'])).toEqual({ [PKG]: 'read-write' });
    expect(await install(erin, PKG)).toBe('ok');

    await aliceAccess(ctx, alice, ['revoke', '@acme:developers', PKG]);
    expect(await accessJson(bob, ['list', 'packages', '@acme:developers'])).toEqual({});
    expect(await install(erin, PKG)).toBe('E403');
    expect(await install(bob, PKG)).toBe('E403');
    expect(await accessJson(alice, ['list', 'collaborators', PKG])).toEqual({ alice: 'read-write' });

    // read-only for team core (alice, bob): bob installs but cannot publish; erin still cannot install
    await aliceAccess(ctx, alice, ['grant', 'read-only', '@acme:core', PKG]);
    expect(await accessJson(bob, ['list', 'packages', '@acme:core'])).toEqual({ [PKG]: 'read-only' });
    expect(await accessJson(bob, ['list', 'packages', '@acme'])).toEqual({ [PKG]: 'read-only' });
    expect(await accessJson(erin, ['list', 'packages', '@acme'])).toEqual({});
    expect(await install(bob, PKG)).toBe('ok');
    expect(await install(erin, PKG)).toBe('E403');
    const denied = await bob.run(['publish', await packageDir(bob.home, PKG, '1.0.1')]);
    expectNpmError(denied, 'E403');
    expect(denied.stderr).toContain('bob has read-only access to @acme/widget');

    await aliceAccess(ctx, alice, ['grant', 'read-write', '@acme:core', PKG]);
    await publish(bob, PKG, '1.0.1');
    expect(await accessJson(bob, ['list', 'collaborators', PKG])).toEqual({ alice: 'read-write', bob: 'read-write' });

    await aliceAccess(ctx, alice, ['revoke', '@acme:core', PKG]);
    expect(await install(bob, PKG)).toBe('E403');

    // granted again, then bob leaves the org: nothing is left to him
    await aliceAccess(ctx, alice, ['grant', 'read-write', '@acme:core', PKG]);
    expect(await install(bob, PKG)).toBe('ok');
    ctx.clock.nextStep();
    expectOk(await alice.run(['org', 'rm', 'acme', 'bob', `--otp=${ctx.otp('alice')}`]));
    expect(await install(bob, PKG)).toBe('E403');
    expect(await accessJson(alice, ['list', 'collaborators', PKG])).toEqual({ alice: 'read-write' });
  }));

  it.concurrent('only owners and admins grant; a developer is refused with 403', withRegistry(async (ctx) => {
    const [bob, dave] = await Promise.all([ctx.npmAs('bob'), ctx.npmAs('dave')]);
    await publish(bob, PKG, '1.0.0');
    const r = await bob.run(['access', 'grant', 'read-only', '@acme:core', PKG]);
    expectNpmError(r, 'E403');
    expect(r.stderr).toContain('Only owners and admins of acme can do this; you are a developer.');
    // dave is an admin with 2FA auth-only: governance asks him for an OTP
    ctx.clock.nextStep();
    expectOk(await dave.run(['access', 'grant', 'read-only', '@acme:core', PKG, `--otp=${ctx.otp('dave')}`]));
    expect(await accessJson(dave, ['list', 'packages', '@acme:core'])).toEqual({ [PKG]: 'read-only' });
  }));
});

describe('npm access get/set status and mfa', () => {
  it.concurrent('status private → public lets anyone install; mfa=publish asks everybody for an OTP', withRegistry(async (ctx) => {
    const [alice, bob, dave, anon] = await Promise.all([ctx.npmAs('alice'), ctx.npmAs('bob'), ctx.npmAs('dave'), ctx.npmAs(null)]);
    await publish(bob, PKG, '1.0.0');
    expect(await accessJson(bob, ['get', 'status', PKG])).toEqual({ [PKG]: 'private' });
    expect(await install(anon, PKG)).toBe('E401');
    ctx.clock.nextStep();
    const set = await alice.run(['access', 'set', 'status=public', PKG, `--otp=${ctx.otp('alice')}`]);
    expectOk(set);
    expect(set.stdout.trim()).toBe(`${PKG}: public`);
    expect(await install(anon, PKG)).toBe('ok');
    // still written only with a grant
    expectNpmError(await anon.run(['publish', await packageDir(anon.home, PKG, '1.0.1')]), 'ENEEDAUTH');

    await aliceAccess(ctx, alice, ['set', 'mfa=publish', PKG]);
    // bob has no 2FA: refused; dave (auth-only, which normally publishes without a code) needs one now
    const noTfa = await bob.run(['publish', await packageDir(bob.home, PKG, '1.0.1')]);
    expectNpmError(noTfa, 'E403');
    expect(noTfa.stderr).toContain('bob has no two-factor authentication, and this package requires it for every change.');
    expectNpmError(await dave.run(['publish', await packageDir(dave.home, PKG, '1.0.1')]), 'EOTP');
    ctx.clock.nextStep();
    await publish(dave, PKG, '1.0.1', ctx.otp('dave'));

    await aliceAccess(ctx, alice, ['set', 'mfa=none', PKG]);
    await publish(bob, PKG, '1.0.2');
  }));
});

describe('npm owner', () => {
  it.concurrent('ls, add, rm on an org package; the maintainers list follows', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publish(bob, PKG, '1.0.0');
    const ls = await bob.run(['owner', 'ls', PKG]);
    expectOk(ls);
    expect(ls.stdout.trim()).toBe('bob <bob@example.com>');
    const add = await bob.run(['owner', 'add', 'erin', PKG]);
    expectOk(add);
    expect(add.stdout.trim()).toBe(`+ erin (${PKG})`);
    expect((await bob.run(['owner', 'ls', PKG])).stdout.trim().split('\n')).toEqual(['bob <bob@example.com>', 'erin <erin@example.com>']);
    const rm = await bob.run(['owner', 'rm', 'bob', PKG]);
    expectOk(rm);
    expect(rm.stdout.trim()).toBe(`- bob (${PKG})`);
    expect((await bob.run(['owner', 'ls', PKG])).stdout.trim()).toBe('erin <erin@example.com>');
    const nobody = await bob.run(['owner', 'add', 'nobody-here', PKG]);
    expectNpmError(nobody, 'E404');
    const audit = await ctx.api('/-/orgctl/v1/orgs/acme/audit', { as: 'alice' });
    expect(audit.status).toBe(200);
    const owners = (audit.body as { action: string; actor: string; target?: string; detail?: { maintainers?: string[] } }[]).filter((e) => e.action === 'package.owners');
    expect(owners.map((e) => `${e.actor} ${e.target} ${e.detail?.maintainers?.join(',')}`).sort()).toEqual([`bob ${PKG} bob,erin`, `bob ${PKG} erin`]);
  }));
});

describe('npm owner outside an org', () => {
  it.concurrent('the maintainers list decides who publishes, only a maintainer changes it, and unpublishing the package forgets it', withRegistry(async (ctx) => {
    const [bob, erin] = await Promise.all([ctx.npmAs('bob'), ctx.npmAs('erin')]);
    const NAME = 'owned-widget';
    await publish(bob, NAME, '1.0.0');
    expectNpmError(await erin.run(['publish', await packageDir(erin.home, NAME, '1.0.1')]), 'E403');
    const intruder = await erin.run(['owner', 'add', 'erin', NAME]);
    expectNpmError(intruder, 'EOWNERMUTATE');
    expect(intruder.stderr).toContain('You are not a maintainer of owned-widget.');
    expectOk(await bob.run(['owner', 'add', 'erin', NAME]));
    await publish(erin, NAME, '1.0.1');
    expectOk(await erin.run(['owner', 'rm', 'bob', NAME]));
    expect((await erin.run(['owner', 'ls', NAME])).stdout.trim()).toBe('erin <erin@example.com>');
    expectNpmError(await bob.run(['publish', await packageDir(bob.home, NAME, '1.0.2')]), 'E403');
    // unpublishing the whole package forgets the list: the name is free again
    expectOk(await erin.run(['unpublish', NAME, '--force']));
    await publish(bob, NAME, '2.0.0');
    expect((await bob.run(['owner', 'ls', NAME])).stdout.trim()).toBe('bob <bob@example.com>');
  }));
});

describe('npm owner: the change request', () => {
  it.concurrent('bad lists, anonymous, an unknown package and a missing OTP get exact answers', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    await publish(bob, PKG, '1.0.0');
    const rev = ((await ctx.api(`/${PKG.replace('/', '%2f')}`, { as: 'bob' })).body as { _rev: string })._rev;
    const path = `/${PKG.replace('/', '%2f')}/-rev/${rev}`;
    const change = (maintainers: unknown, as?: 'alice' | 'bob' | 'erin', otp?: string, at = path) => ctx.api(at, { as, method: 'PUT', body: { _id: PKG, maintainers }, otp });
    expect((await change([{ name: 'erin' }])).status).toBe(401);
    expect((await change([], 'bob')).status).toBe(400);
    expect((await change([{ name: 'nobody-here' }], 'bob')).body).toMatchObject({ error: 'There is no user nobody-here.' });
    expect((await change([{ email: 'x@example.com' }], 'bob')).status).toBe(400);
    expect((await change([{ name: 'erin' }], 'bob', undefined, `/no-such-package/-rev/${rev}`)).status).toBe(404);
    // alice (auth-and-writes) needs her OTP for a package write
    const challenged = await change([{ name: 'alice' }], 'alice');
    expect(challenged.status).toBe(401);
    expect(challenged.body).toMatchObject({ code: 'EOTP' });
    ctx.clock.nextStep();
    expect((await change([{ name: 'alice' }, { name: 'bob' }], 'alice', ctx.otp('alice'))).status).toBe(200);
    expect((await bob.run(['owner', 'ls', PKG])).stdout.trim().split('\n')).toEqual(['alice <alice@example.com>', 'bob <bob@example.com>']);
  }));
});
