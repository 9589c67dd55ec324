/**
 * End to end: `orgctl org ls|set|rm` and `orgctl team create|destroy|add|rm|ls`, the built CLI
 * against the reference registry (a fresh one per test): npm's syntax, output and JSON shapes,
 * the last-owner rule, pending invitations, and confirmations of the destructive ones.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { withOrgCli, writesLogged } from '../helpers/org-cli.js';
import { ACME_ROSTER } from '../helpers/fixtures.js';

jest.setTimeout(60_000);

describe('org ls', () => {
  it.concurrent('owners see role, 2FA and teams, sorted by name; --json is [{user, role, twoFactor, teams}]', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'ls', 'acme']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      ['USER   ROLE       2FA  TEAMS', 'alice  owner      yes  core', 'bob    developer  no   core', 'dave   admin      yes  -', 'erin   developer  no   -', ''].join('\n'),
    );
    const json = await ctx.cli('alice', ['org', 'ls', '@acme', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { user: 'alice', role: 'owner', twoFactor: true, tfaMethods: ['totp'], teams: ['core'] },
      { user: 'bob', role: 'developer', twoFactor: false, tfaMethods: [], teams: ['core'] },
      { user: 'dave', role: 'admin', twoFactor: true, tfaMethods: ['totp'], teams: [] },
      { user: 'erin', role: 'developer', twoFactor: false, tfaMethods: [], teams: [] },
    ]);
  }));

  it.concurrent('developers get twoFactor null; a user filter shows one member or nothing', withOrgCli(async (ctx) => {
    const one = await ctx.cli('bob', ['org', 'ls', 'acme', 'dave', '--json']);
    expect(JSON.parse(one.stdout)).toEqual([{ user: 'dave', role: 'admin', twoFactor: null, tfaMethods: null, teams: [] }]);
    const human = await ctx.cli('bob', ['org', 'ls', 'acme', 'dave']);
    expect(human.stdout).toBe('USER  ROLE   2FA  TEAMS\ndave  admin  -    -\n');
    expect(human.stderr).toContain('2FA state is shown to owners and admins only.');
    const none = await ctx.cli('bob', ['org', 'ls', 'acme', 'carol', '--json']);
    expect(none).toMatchObject({ code: 0, stdout: '[]\n' });
  }));

  it.concurrent('an invalid org name is a usage error before any request (exit 2); an unknown org fails (exit 1)', withOrgCli(async (ctx) => {
    const bad = await ctx.cli('alice', ['org', 'ls', 'Acme']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid org name');
    expect(ctx.reg.logs).toEqual([]);
    const unknown = await ctx.cli('alice', ['org', 'ls', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Org nope not found.');
  }));
});

describe('org set', () => {
  it.concurrent("changes a member's role with npm's message; --json is npm's Membership Detail", withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'set', 'acme', 'bob', 'admin', '--otp', ctx.otp()]);
    expect(r).toMatchObject({ code: 0, stdout: 'Added bob as admin to acme. You now have 4 members in this org.\n' });
    const json = await ctx.cli('alice', ['org', 'set', 'acme', 'erin', 'owner', '--otp', ctx.otp(), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ org: { name: 'acme', size: 4 }, user: 'erin', role: 'owner', pending: false });
    expect(await ctx.roster()).toEqual({ alice: 'owner', bob: 'admin', dave: 'admin', erin: 'owner' });
  }));

  it.concurrent('a non-member gets a pending invitation (developer by default)', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'set', 'acme', 'carol', '--otp', ctx.otp(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ org: { name: 'acme', size: 4 }, user: 'carol', role: 'developer', pending: true });
    expect(await ctx.roster()).not.toHaveProperty('carol');
    const human = await ctx.cli('alice', ['org', 'set', 'acme', 'carol', 'admin', '--otp', ctx.otp()]);
    expect(human).toMatchObject({ code: 0, stdout: 'Invited carol to acme as an admin; the membership starts when they accept. You have 4 members in this org.\n' });
  }));

  it.concurrent('the last owner cannot be demoted (exit 1); a bad role is a usage error (exit 2)', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'set', 'acme', 'alice', 'developer', '--otp', ctx.otp()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alice is the last owner of acme and cannot be demoted.');
    const bad = await ctx.cli('alice', ['org', 'set', 'acme', 'bob', 'boss']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Third argument `role` must be one of `owner`, `admin`, or `developer`');
    expect(await ctx.roster()).toEqual(ACME_ROSTER);
  }));
});

describe('org rm', () => {
  it.concurrent('needs --yes without a TTY (exit 2); with it removes from the org and its teams; npm message and JSON', withOrgCli(async (ctx) => {
    const refused = await ctx.cli('alice', ['org', 'rm', 'acme', 'bob', '--otp', ctx.otp()]);
    expect(refused.code).toBe(2);
    expect(writesLogged(ctx.reg)).toEqual([]);
    const r = await ctx.cli('alice', ['org', 'rm', 'acme', 'bob', '--yes', '--otp', ctx.otp()]);
    expect(r).toMatchObject({ code: 0, stdout: 'Successfully removed bob from acme. You now have 3 members in this org.\n' });
    expect(await ctx.team('acme', 'core')).toEqual(['alice']);
    const json = await ctx.cli('alice', ['org', 'rm', 'acme', 'erin', '--yes', '--otp', ctx.otp(), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ user: 'erin', org: 'acme', userCount: 2, deleted: true });
    expect(await ctx.roster()).toEqual({ alice: 'owner', dave: 'admin' });
  }));

  it.concurrent('the last owner cannot be removed (exit 1)', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'rm', 'acme', 'alice', '--yes', '--otp', ctx.otp()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alice is the last owner of acme and cannot be removed.');
    expect(await ctx.roster()).toHaveProperty('alice', 'owner');
  }));
});

describe('team', () => {
  it.concurrent("create, add, ls, rm, destroy with npm's @org:team syntax and output", withOrgCli(async (ctx) => {
    const run = (args: string[]) => ctx.cli('dave', [...args, '--otp', ctx.otp('dave')]);
    expect(await run(['team', 'create', '@acme:devs'])).toMatchObject({ code: 0, stdout: '+@acme:devs\n' });
    expect(await run(['team', 'add', '@acme:devs', 'erin'])).toMatchObject({ code: 0, stdout: 'erin added to @acme:devs\n' });
    expect(await run(['team', 'add', 'acme:devs', 'bob'])).toMatchObject({ code: 0, stdout: 'bob added to @acme:devs\n' });
    expect(await run(['team', 'ls', '@acme'])).toMatchObject({ code: 0, stdout: '@acme has 3 teams:\n@acme:core\n@acme:developers\n@acme:devs\n' });
    expect(await run(['team', 'ls', '@acme:devs'])).toMatchObject({ code: 0, stdout: '@acme:devs has 2 users:\nbob\nerin\n' });
    expect(await run(['team', 'rm', '@acme:devs', 'bob'])).toMatchObject({ code: 0, stdout: 'bob removed from @acme:devs\n' });
    expect(await ctx.team('acme', 'devs')).toEqual(['erin']);
    expect(await ctx.roster()).toHaveProperty('bob', 'developer'); // still in the org
    expect(await run(['team', 'destroy', '@acme:devs', '--yes'])).toMatchObject({ code: 0, stdout: '-@acme:devs\n' });
    expect(await run(['team', 'ls', '@acme'])).toMatchObject({ code: 0, stdout: '@acme has 2 teams:\n@acme:core\n@acme:developers\n' });
  }));

  it.concurrent("--json prints npm's shapes", withOrgCli(async (ctx) => {
    const run = async (args: string[]) => {
      const r = await ctx.cli('alice', [...args, '--json', '--otp', ctx.otp()]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(r.stdout);
    };
    expect(await run(['team', 'create', '@acme:devs'])).toEqual({ created: true, team: 'acme:devs' });
    expect(await run(['team', 'add', '@acme:devs', 'bob'])).toEqual({ added: true, team: 'acme:devs', user: 'bob' });
    expect(await run(['team', 'ls', '@acme'])).toEqual(['acme:core', 'acme:developers', 'acme:devs']);
    expect(await run(['team', 'ls', '@acme:developers'])).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect(await run(['team', 'rm', '@acme:devs', 'bob'])).toEqual({ removed: true, team: 'acme:devs', user: 'bob' });
    expect(await run(['team', 'destroy', '@acme:devs', '--yes'])).toEqual({ deleted: true, team: 'acme:devs' });
  }));

  it.concurrent('the developers team cannot be destroyed (exit 1); destroy needs --yes without a TTY (exit 2); bad specs exit 2', withOrgCli(async (ctx) => {
    const dev = await ctx.cli('alice', ['team', 'destroy', '@acme:developers', '--yes', '--otp', ctx.otp()]);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toContain('cannot be destroyed');
    const noYes = await ctx.cli('alice', ['team', 'destroy', '@acme:core', '--otp', ctx.otp()]);
    expect(noYes.code).toBe(2);
    expect(await ctx.team('acme', 'core')).toEqual(['alice', 'bob']);
    expect((await ctx.cli('alice', ['team', 'create', '@acme'])).code).toBe(2);
    expect((await ctx.cli('alice', ['team', 'add', '@acme:Core', 'bob'])).code).toBe(2);
    expect(writesLogged(ctx.reg).filter((l) => !l.startsWith('DELETE /-/team/acme/developers '))).toEqual([]);
  }));

  it.concurrent('developers may list but not change teams (exit 1)', withOrgCli(async (ctx) => {
    expect(await ctx.cli('bob', ['team', 'ls', '@acme:core'])).toMatchObject({ code: 0, stdout: '@acme:core has 2 users:\nalice\nbob\n' });
    const r = await ctx.cli('bob', ['team', 'create', '@acme:mine']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Only owners and admins of acme can do this');
  }));
});
