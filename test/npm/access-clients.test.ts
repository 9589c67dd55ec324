// npm's package access surface from clients nobody here wrote: libnpmaccess (npm's own library,
// every function) and pnpm 12 (`team ls`, `access list|get|grant|revoke|set`). Both hosts
// (ORGCTL_TEST_REGISTRY=verdaccio runs them against Verdaccio with the plugin).
import { describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { nerfDart, npmCommand } from '../helpers/npm.js';
import { ROOT } from '../helpers/fixtures.js';
import { publishBody, pkgPath } from '../helpers/packages.js';
import { NPM_TEST_TIMEOUT, USERS, withRegistry, type RegistryContext, type SeedUser } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

const PKG = '@acme/widget';

interface Libnpmaccess {
  getPackages(entity: string, opts: object): Promise<Record<string, string>>;
  getCollaborators(pkg: string, opts: object): Promise<Record<string, string>>;
  getVisibility(pkg: string, opts: object): Promise<{ public: boolean }>;
  setAccess(pkg: string, access: string, opts: object): Promise<boolean>;
  setMfa(pkg: string, level: string, opts: object): Promise<boolean>;
  setPermissions(team: string, pkg: string, permissions: string, opts: object): Promise<boolean>;
  removePermissions(team: string, pkg: string, opts: object): Promise<boolean>;
}

/** libnpmaccess as the npm CLI the tests run ships it. */
function libnpmaccess(): Libnpmaccess {
  const cmd = npmCommand();
  const cli = cmd.length > 1 ? cmd[1]! : cmd[0];
  return createRequire(cli)(join(dirname(dirname(cli)), 'node_modules', 'libnpmaccess')) as Libnpmaccess;
}

async function publish(ctx: RegistryContext, as: SeedUser, name: string): Promise<void> {
  const r = await ctx.api(pkgPath(name), { as, method: 'PUT', body: publishBody(name, '1.0.0') });
  expect(r.status).toBe(201);
}

describe('libnpmaccess', () => {
  it.concurrent('every function works: packages, collaborators, visibility, access, mfa, grant, revoke', withRegistry(async (ctx) => {
    const lib = libnpmaccess();
    const opts = (user: SeedUser, otp?: boolean) => ({ registry: ctx.url, [`${nerfDart(ctx.url)}:_authToken`]: USERS[user].token, ...(otp ? { otp: (ctx.clock.nextStep(), ctx.otp(user)) } : {}) });
    await publish(ctx, 'bob', PKG);
    expect(await lib.getPackages('@acme', opts('bob'))).toEqual({ [PKG]: 'write' });
    expect(await lib.getPackages('bob', opts('bob'))).toEqual({ [PKG]: 'write' }); // not an org: falls back to /-/user/bob/package
    expect(await lib.getPackages('@acme:developers', opts('bob'))).toEqual({ [PKG]: 'write' });
    expect(await lib.setPermissions('@acme:core', PKG, 'read-only', opts('alice', true))).toBe(true);
    expect(await lib.removePermissions('@acme:developers', PKG, opts('alice', true))).toBe(true);
    expect(await lib.getPackages('@acme:core', opts('bob'))).toEqual({ [PKG]: 'read' });
    expect(await lib.getCollaborators(PKG, opts('bob'))).toEqual({ alice: 'write', bob: 'read' });
    await expect(lib.getCollaborators(PKG, opts('erin'))).rejects.toMatchObject({ statusCode: 403 });
    expect(await lib.getVisibility(PKG, opts('bob'))).toMatchObject({ public: false });
    expect(await lib.setAccess(PKG, 'public', opts('alice', true))).toBe(true);
    expect(await lib.getVisibility(PKG, opts('erin'))).toMatchObject({ public: true });
    for (const level of ['publish', 'automation', 'none']) {
      expect(await lib.setMfa(PKG, level, opts('alice', true))).toBe(true);
      expect((await ctx.api(`/-/package/${encodeURIComponent(PKG)}/visibility`, { as: 'bob' })).body.mfa).toBe(level);
    }
    await expect(lib.setPermissions('@acme:core', PKG, 'read-write', opts('bob'))).rejects.toMatchObject({ statusCode: 403 });
  }));
});

/** pnpm 12 (installed by scripts/test-clients.mjs before the tests) in its own home, with `user`'s token. */
async function pnpmAs(ctx: RegistryContext, user: SeedUser): Promise<{ run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>; close(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'orgctl-pnpm-'));
  const npmrc = join(home, '.npmrc');
  await writeFile(npmrc, `${nerfDart(ctx.url)}:_authToken=${USERS[user].token}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, npm_config_userconfig: npmrc, NO_COLOR: '1', CI: '1' };
  return {
    run: (args) =>
      new Promise((resolve) => {
        execFile(join(ROOT, 'node_modules', '.test-clients', 'node_modules', '.bin', 'pnpm'), [...args, `--registry=${ctx.url}`], { cwd: home, env, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      }),
    close: () => rm(home, { recursive: true, force: true }),
  };
}

describe('pnpm 12', () => {
  it.concurrent('team ls (teams and members) and access list/get/grant/revoke/set', withRegistry(async (ctx) => {
    await publish(ctx, 'bob', PKG);
    const [bob, dave] = [await pnpmAs(ctx, 'bob'), await pnpmAs(ctx, 'dave')];
    try {
      const teams = await bob.run(['team', 'ls', '@acme']);
      expect(teams).toMatchObject({ code: 0, stdout: expect.stringContaining('@acme:core') });
      expect(teams.stdout).toContain('@acme:developers');
      const members = await bob.run(['team', 'ls', '@acme:core', '--json']);
      expect(members.code).toBe(0);
      expect(JSON.stringify(JSON.parse(members.stdout))).toMatch(/alice.*bob/);
      expect(await bob.run(['access', 'list', 'packages', '@acme'])).toMatchObject({ code: 0, stdout: `${PKG}: write\n` });
      // dave is an admin with 2FA auth-only: a grant asks him for an OTP
      ctx.clock.nextStep();
      expect((await dave.run(['access', 'grant', 'read-only', '@acme:core', PKG, `--otp=${ctx.otp('dave')}`])).code).toBe(0);
      expect(await bob.run(['access', 'list', 'packages', '@acme:core'])).toMatchObject({ code: 0, stdout: `${PKG}: read\n` });
      ctx.clock.nextStep();
      expect((await dave.run(['access', 'revoke', '@acme:developers', PKG, `--otp=${ctx.otp('dave')}`])).code).toBe(0);
      const collab = await bob.run(['access', 'list', 'collaborators', PKG]);
      expect(collab).toMatchObject({ code: 0 });
      expect(collab.stdout.trim().split('\n')).toEqual(['alice: read-write', 'bob: read-only']);
      expect(await bob.run(['access', 'get', 'status', PKG])).toMatchObject({ code: 0, stdout: expect.stringContaining('access: restricted') });
      ctx.clock.nextStep();
      expect((await dave.run(['access', 'set', 'status=public', PKG, `--otp=${ctx.otp('dave')}`])).code).toBe(0);
      expect(await bob.run(['access', 'get', 'status', PKG])).toMatchObject({ code: 0, stdout: expect.stringContaining('access: public') });
      ctx.clock.nextStep();
      expect((await dave.run(['access', 'set', 'mfa=publish', PKG, `--otp=${ctx.otp('dave')}`])).code).toBe(0);
      expect((await ctx.api(`/-/package/${encodeURIComponent(PKG)}/visibility`, { as: 'bob' })).body.mfa).toBe('publish');
    } finally {
      await Promise.all([bob.close(), dave.close()]);
    }
  }));
});
