// `npm org ls/set/rm` (real npm CLI) against the reference registry.
import { describe, expect, it, jest } from '@jest/globals';
import { npmErrors } from '../helpers/npm.js';
import { answerOtp, ACME_ROSTER, EOTP_LINES, NPM_TEST_TIMEOUT, expectNpmError, expectOk, withRegistry } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

describe('npm org ls', () => {
  it.concurrent('prints the roster sorted by name, one "user - role" line each', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'ls', 'acme']);
    expectOk(r);
    expect(r.stdout).toBe('alice - owner\nbob - developer\ndave - admin\nerin - developer\n');
  }));

  it.concurrent('--json prints the roster object', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'ls', 'acme', '--json']);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(ACME_ROSTER);
  }));

  it.concurrent('--parseable prints a user/role header and one tab-separated row per member, in server order', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const r = await npm.run(['org', 'ls', 'acme', '--parseable']);
    expectOk(r);
    const roster = await ctx.roster('acme');
    expect(roster).toEqual(ACME_ROSTER);
    expect(r.stdout).toBe(['user\trole', ...Object.entries(roster).map(([u, role]) => `${u}\t${role}`), ''].join('\n'));
  }));

  it.concurrent('filters by user', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const dave = await npm.run(['org', 'ls', 'acme', 'dave']);
    expectOk(dave);
    expect(dave.stdout).toBe('dave - admin\n');
    const carol = await npm.run(['org', 'ls', 'acme', 'carol', '--json']);
    expectOk(carol);
    expect(JSON.parse(carol.stdout)).toEqual({});
  }));

  it.concurrent('lists the 2FA-enforcing org to a member; a 2FA user needs no OTP to read', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('dave')).run(['org', 'ls', 'secure']);
    expectOk(r);
    expect(r.stdout).toBe('alice - owner\ndave - developer\n');
  }));

  it.concurrent("npm's HTTP cache never replays a stale roster (Cache-Control: no-store)", withRegistry(async (ctx) => {
    const head = await ctx.api('/-/org/acme/user', { as: 'bob' });
    expect(head.headers.get('cache-control')).toMatch(/no-store/);
    const npm = await ctx.npmAs('alice'); // one npm home, so one cache, for all three runs
    const before = await npm.run(['org', 'ls', 'acme', 'bob']);
    expectOk(before);
    expect(before.stdout).toBe('bob - developer\n');
    expectOk(await npm.run(['org', 'set', 'acme', 'bob', 'owner', `--otp=${ctx.otp('alice')}`]));
    const after = await npm.run(['org', 'ls', 'acme', 'bob']);
    expectOk(after);
    expect(after.stdout).toBe('bob - owner\n');
  }));

  it.concurrent('fails with E404 for an unknown org', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'ls', 'no-such-org']);
    expectNpmError(r, 'E404');
    // npm shows the `error` field of the JSON error body as the reason
    expect(npmErrors(r.stderr)[1]).toBe(`404 Not Found - GET ${ctx.url}-/org/no-such-org/user - Org no-such-org not found.`);
    expect(r.stdout).toBe('');
  }));

  it.concurrent('fails without credentials', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs(null)).run(['org', 'ls', 'acme']);
    expectNpmError(r, 'E401');
    expect(r.stdout).toBe('');
  }));
});

describe('npm org set', () => {
  it.concurrent('changes a member role (owner with 2FA passes --otp) and reports the org size', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'set', 'acme', 'bob', 'admin', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(r.stdout).toBe('Added bob as admin to acme. You now have 4 members in this org.\n');
    expect(await ctx.roster('acme')).toEqual({ ...ACME_ROSTER, bob: 'admin' });
  }));

  it.concurrent('--json prints the membership detail; role defaults to developer', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'set', 'acme', 'dave', '--json', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    // npm needs org.name, org.size, user and role; the server adds `pending` (false: a member).
    expect(JSON.parse(r.stdout)).toEqual({ org: { name: 'acme', size: 4 }, user: 'dave', role: 'developer', pending: false });
    expect(await ctx.roster('acme')).toEqual({ ...ACME_ROSTER, dave: 'developer' });
  }));

  it.concurrent('--parseable prints org/orgsize/user/role', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'set', 'acme', 'erin', 'owner', '--parseable', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(r.stdout).toBe('org\torgsize\tuser\trole\nacme\t4\terin\towner\n');
    expect(await ctx.roster('acme')).toEqual({ ...ACME_ROSTER, erin: 'owner' });
  }));

  it.concurrent('adding a non-member creates a pending invitation: size and roster count current members only', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'set', 'acme', 'carol', 'developer', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(r.stdout).toBe('Added carol as developer to acme. You now have 4 members in this org.\n');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
    const ls = await npm.run(['org', 'ls', 'acme', 'carol', '--json']);
    expectOk(ls);
    expect(JSON.parse(ls.stdout)).toEqual({});

    // carol sees the invitation (orgctl extension route) and, once she accepts, npm lists her
    const mine = await ctx.api('/-/orgctl/v1/invitations', { as: 'carol' });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([expect.objectContaining({ org: 'acme', user: 'carol', role: 'developer' })]);
    expect((await ctx.api('/-/orgctl/v1/invitations/acme/accept', { as: 'carol', method: 'POST', body: {} })).status).toBe(200);
    const after = await npm.run(['org', 'ls', 'acme']);
    expectOk(after);
    expect(after.stdout).toBe('alice - owner\nbob - developer\ncarol - developer\ndave - admin\nerin - developer\n');
    const devs = await npm.run(['team', 'ls', '@acme:developers', '--parseable']);
    expectOk(devs);
    expect(devs.stdout).toBe('alice\nbob\ncarol\ndave\nerin\n');
  }));

  it.concurrent('an invitation --json carries pending: true; carol cannot read the roster yet', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'set', 'acme', 'carol', 'admin', '--json', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ org: { name: 'acme', size: 4 }, user: 'carol', role: 'admin', pending: true });
    const carol = await (await ctx.npmAs('carol')).run(['org', 'ls', 'acme']);
    expectNpmError(carol, 'E403');
    expect(carol.stdout).toBe('');
  }));

  it.concurrent('without --otp, a 2FA owner gets EOTP (no TTY, so no prompt) and nothing changes', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'set', 'acme', 'bob', 'admin']);
    expectNpmError(r, 'EOTP');
    expect(npmErrors(r.stderr)).toEqual(EOTP_LINES);
    // the challenge's npm-notice header is shown too
    expect(r.stderr).toContain('npm notice You must provide a one-time pass. You can provide one using the "--otp" flag.\n');
    expect(r.stdout).toBe('');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('rejects a wrong OTP (code of another time step) with EOTP', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const stale = ctx.otp('alice', ctx.clock.now() - 10 * 60_000);
    const r = await npm.run(['org', 'set', 'acme', 'bob', 'admin', `--otp=${stale}`]);
    expectNpmError(r, 'EOTP');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('on a TTY, npm prompts for the OTP after the challenge and retries', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const s = npm.pty(['org', 'set', 'acme', 'bob', 'admin']);
    await answerOtp(s, ctx.otp('alice'));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toContain('\nAdded bob as admin to acme. You now have 4 members in this org.\n');
    expect(await ctx.roster('acme')).toEqual({ ...ACME_ROSTER, bob: 'admin' });
  }));

  it.concurrent('refuses a developer (no 2FA, so no OTP involved) with E403', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'set', 'acme', 'erin', 'admin']);
    expectNpmError(r, 'E403');
    expect(npmErrors(r.stderr)[1]).toMatch(new RegExp(`^403 403 Forbidden - PUT ${ctx.url.replace(/[.]/g, '\\.')}-/org/acme/user - \\S.*$`));
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('refuses an admin (only owners change membership) with E403', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('dave')).run(['org', 'set', 'acme', 'erin', 'admin', `--otp=${ctx.otp('dave')}`]);
    expectNpmError(r, 'E403');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('refuses to demote the last owner with E409', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'set', 'acme', 'alice', 'developer', `--otp=${ctx.otp('alice')}`]);
    expectNpmError(r, 'E409');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));
});

describe('npm org rm', () => {
  it.concurrent('removes a member, prints the remaining count, and drops them from every team', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const r = await npm.run(['org', 'rm', 'acme', 'bob', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(r.stdout).toBe('Successfully removed bob from acme. You now have 3 members in this org.\n');
    const { bob: _removed, ...rest } = ACME_ROSTER;
    expect(await ctx.roster('acme', 'erin')).toEqual(rest);
    const core = await ctx.api('/-/team/acme/core/user?format=cli', { as: 'erin' });
    expect(core.status).toBe(200);
    expect([...core.body].sort()).toEqual(['alice']);
    const devs = await ctx.api('/-/team/acme/developers/user?format=cli', { as: 'erin' });
    expect([...devs.body].sort()).toEqual(['alice', 'dave', 'erin']);
  }));

  it.concurrent('--json prints user/org/userCount/deleted', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'rm', 'acme', 'erin', '--json', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ user: 'erin', org: 'acme', userCount: 3, deleted: true });
    const { erin: _removed, ...rest } = ACME_ROSTER;
    expect(await ctx.roster('acme')).toEqual(rest);
  }));

  it.concurrent('--parseable prints a header and one row', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'rm', 'acme', 'dave', '--parseable', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(r.stdout).toBe('user\torg\tuserCount\tdeleted\ndave\tacme\t3\ttrue\n');
    const { dave: _removed, ...rest } = ACME_ROSTER;
    expect(await ctx.roster('acme')).toEqual(rest);
  }));

  it.concurrent('refuses a developer with E403', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'rm', 'acme', 'erin']);
    expectNpmError(r, 'E403');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('refuses to remove the last owner with E409', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'rm', 'acme', 'alice', `--otp=${ctx.otp('alice')}`]);
    expectNpmError(r, 'E409');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));

  it.concurrent('revokes a pending invitation (npm org rm on an invitee); a second rm finds nothing', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const otp = `--otp=${ctx.otp('alice')}`;
    expectOk(await npm.run(['org', 'set', 'acme', 'carol', otp]));
    const r = await npm.run(['org', 'rm', 'acme', 'carol', otp]);
    expectOk(r);
    expect(r.stdout).toBe('Successfully removed carol from acme. You now have 4 members in this org.\n');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
    expect((await ctx.api('/-/orgctl/v1/invitations', { as: 'carol' })).body).toEqual([]);
    expectNpmError(await npm.run(['org', 'rm', 'acme', 'carol', otp]), 'E404');
  }));

  // `npm org rm` always follows the DELETE with GET /-/org/:org/user to count the remaining
  // members; the server lets a member who just left read the roster for a minute so this works.
  it.concurrent('a member leaves with `npm org rm <org> <self>`', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['org', 'rm', 'acme', 'bob']);
    const { bob: _left, ...rest } = ACME_ROSTER;
    expect(await ctx.roster('acme', 'erin')).toEqual(rest);
    expectOk(r);
    expect(r.stdout).toBe('Successfully removed bob from acme. You now have 3 members in this org.\n');
  }));

  it.concurrent('without --otp a 2FA owner gets EOTP and the member stays', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['org', 'rm', 'acme', 'erin']);
    expectNpmError(r, 'EOTP');
    expect(await ctx.roster('acme')).toEqual(ACME_ROSTER);
  }));
});
