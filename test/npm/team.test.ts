// `npm team create/add/ls/rm/destroy` (real npm CLI) against the reference registry.
import { describe, expect, it, jest } from '@jest/globals';
import { npmErrors } from '../helpers/npm.js';
import { EOTP_LINES, expectNpmError, expectOk, NPM_TEST_TIMEOUT, withRegistry, type RegistryContext } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

async function teams(ctx: RegistryContext, org: string): Promise<string[]> {
  const r = await ctx.api(`/-/org/${org}/team?format=cli`, { as: 'bob' });
  expect(r.status).toBe(200);
  return [...(r.body as string[])].sort();
}

async function members(ctx: RegistryContext, org: string, team: string): Promise<string[]> {
  const r = await ctx.api(`/-/team/${org}/${team}/user?format=cli`, { as: 'bob' });
  expect(r.status).toBe(200);
  return [...(r.body as string[])].sort();
}

describe('npm team ls', () => {
  it.concurrent('lists the teams of an org, sorted, with a count header', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['team', 'ls', '@acme']);
    expectOk(r);
    expect(r.stdout).toBe('@acme has 2 teams:\n@acme:core\n@acme:developers\n');
  }));

  it.concurrent('--parseable and --json list the teams without @', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const p = await npm.run(['team', 'ls', 'acme', '--parseable']);
    expectOk(p);
    expect(p.stdout).toBe('acme:core\nacme:developers\n');
    const j = await npm.run(['team', 'ls', '@acme', '--json']);
    expectOk(j);
    expect(JSON.parse(j.stdout)).toEqual(['acme:core', 'acme:developers']);
  }));

  it.concurrent('lists the members of a team', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const r = await npm.run(['team', 'ls', '@acme:core']);
    expectOk(r);
    expect(r.stdout).toBe('@acme:core has 2 users:\nalice\nbob\n');
    const j = await npm.run(['team', 'ls', '@acme:developers', '--json']);
    expectOk(j);
    expect(JSON.parse(j.stdout)).toEqual(['alice', 'bob', 'dave', 'erin']);
    const p = await npm.run(['team', 'ls', 'acme:core', '--parseable']);
    expectOk(p);
    expect(p.stdout).toBe('alice\nbob\n');
  }));

  it.concurrent('a non-member of the org cannot list its teams or team members (E403)', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob'); // bob is not in org secure
    const teams = await npm.run(['team', 'ls', '@secure']);
    expectNpmError(teams, 'E403');
    expect(teams.stdout).toBe('');
    const users = await npm.run(['team', 'ls', '@secure:developers']);
    expectNpmError(users, 'E403');
    expect(users.stdout).toBe('');
  }));

  it.concurrent('fails with E404 for an unknown team', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['team', 'ls', '@acme:nope']);
    expectNpmError(r, 'E404');
    expect(r.stdout).toBe('');
  }));
});

describe('npm team create/add/rm/destroy', () => {
  it.concurrent('an owner with 2FA runs the whole lifecycle with --otp (one code, same token)', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const otp = `--otp=${ctx.otp('alice')}`;

    const create = await npm.run(['team', 'create', '@acme:devs', otp]);
    expectOk(create);
    expect(create.stdout).toBe('+@acme:devs\n');
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers', 'acme:devs']);

    const empty = await npm.run(['team', 'ls', '@acme:devs']);
    expectOk(empty);
    expect(empty.stdout).toBe('@acme:devs has 0 users\n');

    const add = await npm.run(['team', 'add', '@acme:devs', 'bob', otp]);
    expectOk(add);
    expect(add.stdout).toBe('bob added to @acme:devs\n');
    const add2 = await npm.run(['team', 'add', '@acme:devs', 'erin', otp]);
    expectOk(add2);
    expect(await members(ctx, 'acme', 'devs')).toEqual(['bob', 'erin']);

    const ls = await npm.run(['team', 'ls', '@acme:devs']);
    expectOk(ls);
    expect(ls.stdout).toBe('@acme:devs has 2 users:\nbob\nerin\n');

    const rm = await npm.run(['team', 'rm', '@acme:devs', 'bob', otp]);
    expectOk(rm);
    expect(rm.stdout).toBe('bob removed from @acme:devs\n');
    expect(await members(ctx, 'acme', 'devs')).toEqual(['erin']);
    // Leaving a team does not leave the org.
    expect((await ctx.roster('acme', 'erin')).bob).toBe('developer');

    const destroy = await npm.run(['team', 'destroy', '@acme:devs', otp]);
    expectOk(destroy);
    expect(destroy.stdout).toBe('-@acme:devs\n');
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers']);
  }));

  it.concurrent('--json and --parseable output of create/add/rm/destroy', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const otp = `--otp=${ctx.otp('alice')}`;
    const run = async (args: string[]) => {
      const r = await npm.run([...args, otp]);
      expectOk(r);
      return r.stdout;
    };
    expect(JSON.parse(await run(['team', 'create', '@acme:ops', '--json']))).toEqual({ created: true, team: 'acme:ops' });
    expect(await run(['team', 'create', 'acme:qa', '--parseable'])).toBe('acme:qa\tcreated\n');
    expect(JSON.parse(await run(['team', 'add', '@acme:ops', 'dave', '--json']))).toEqual({
      added: true,
      team: 'acme:ops',
      user: 'dave',
    });
    expect(await run(['team', 'add', '@acme:qa', 'erin', '--parseable'])).toBe('erin\tacme:qa\tadded\n');
    expect(await members(ctx, 'acme', 'ops')).toEqual(['dave']);
    expect(await members(ctx, 'acme', 'qa')).toEqual(['erin']);
    expect(JSON.parse(await run(['team', 'rm', '@acme:ops', 'dave', '--json']))).toEqual({
      removed: true,
      team: 'acme:ops',
      user: 'dave',
    });
    expect(await run(['team', 'rm', '@acme:qa', 'erin', '--parseable'])).toBe('erin\tacme:qa\tremoved\n');
    expect(await members(ctx, 'acme', 'ops')).toEqual([]);
    expect(JSON.parse(await run(['team', 'destroy', '@acme:ops', '--json']))).toEqual({ deleted: true, team: 'acme:ops' });
    expect(await run(['team', 'destroy', '@acme:qa', '--parseable'])).toBe('acme:qa\tdeleted\n');
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers']);
  }));

  it.concurrent('an admin (2FA auth-only) manages teams, with an OTP', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('dave');
    const r = await npm.run(['team', 'create', '@acme:ops', `--otp=${ctx.otp('dave')}`]);
    expectOk(r);
    expect(r.stdout).toBe('+@acme:ops\n');
    expect(await teams(ctx, 'acme')).toContain('acme:ops');
  }));

  it.concurrent('an admin with 2FA but no OTP gets EOTP and no team is created', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('dave')).run(['team', 'create', '@acme:ops']);
    expectNpmError(r, 'EOTP');
    expect(npmErrors(r.stderr)).toEqual(EOTP_LINES);
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers']);
  }));

  it.concurrent('a developer cannot create teams or change membership (E403)', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    expectNpmError(await npm.run(['team', 'create', '@acme:bobs']), 'E403');
    expectNpmError(await npm.run(['team', 'add', '@acme:core', 'erin']), 'E403');
    expectNpmError(await npm.run(['team', 'rm', '@acme:core', 'alice']), 'E403');
    expectNpmError(await npm.run(['team', 'destroy', '@acme:core']), 'E403');
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers']);
    expect(await members(ctx, 'acme', 'core')).toEqual(['alice', 'bob']);
  }));

  it.concurrent('refuses to put a non-member of the org in a team', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['team', 'add', '@acme:core', 'carol', `--otp=${ctx.otp('alice')}`]);
    expectNpmError(r, 'E404');
    expect(npmErrors(r.stderr)[1]).toMatch(/ - carol is not a member of acme; add them to the org first\.$/);
    expect(await members(ctx, 'acme', 'core')).toEqual(['alice', 'bob']);
  }));

  it.concurrent('refuses to destroy the developers team', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['team', 'destroy', '@acme:developers', `--otp=${ctx.otp('alice')}`]);
    expectNpmError(r, 'E409');
    expect(await teams(ctx, 'acme')).toEqual(['acme:core', 'acme:developers']);
  }));

  it.concurrent('refuses to create a team that already exists (E409)', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['team', 'create', '@acme:core', `--otp=${ctx.otp('alice')}`]);
    expectNpmError(r, 'E409');
    expect(await members(ctx, 'acme', 'core')).toEqual(['alice', 'bob']);
  }));
});
