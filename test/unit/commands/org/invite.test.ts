/**
 * `org invite` / `org invites` / `invites`: argv → options, and run functions with injected
 * dependencies (test IO, fake prompter) against the reference registry in-process. No module mocks.
 */
import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { totp } from '../../../helpers/clock.js';
import { registryPerFile } from '../../../helpers/registry.js';
import { ALICE, CAROL } from '../../../helpers/fixtures.js';
import { testIO, type TestIO } from '../../../helpers/test-io.js';
import { fakePrompter } from '../../../helpers/fake-prompter.js';
import { createDeps, type AppDeps, type DepsOverrides } from '../../../../src/factory.js';
import { registerOrgInvite, orgInviteRun, type OrgInviteOptions } from '../../../../src/commands/org/invite.js';
import { orgInvitesRevokeRun } from '../../../../src/commands/org/invites.js';
import { invitesAcceptRun } from '../../../../src/commands/invites/accept.js';
import { UsageError } from '../../../../src/errors.js';

const ctx = registryPerFile();

const deps = (io: TestIO, overrides: DepsOverrides = {}): AppDeps => createDeps(io, { npmConfig: () => ({ env: {}, files: [] }), ...overrides });
const ttyAs = (token: string) => testIO({ stdinTTY: true, stdoutTTY: true, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: token } });

/** Parses `org invite …` and returns the options the run function would get. */
async function parse(args: string[]): Promise<OrgInviteOptions> {
  let got: OrgInviteOptions | undefined;
  const program = new Command('orgctl').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerOrgInvite(program.command('org'), deps(testIO()), async (o) => void (got = o));
  await program.parseAsync(['org', 'invite', ...args], { from: 'user' });
  return got!;
}

describe('org invite: argv → options', () => {
  it('collects users, --role, repeated --team, --reinstate and --from-file', async () => {
    expect(await parse(['@acme', 'carol', '@frank', '--role', 'team-admin', '--team', 'web', '--team', 'core', '--otp', '123 456', '--json'])).toEqual({
      org: 'acme',
      users: ['carol', 'frank'],
      role: 'admin',
      teams: ['web', 'core'],
      reinstate: false,
      fromFile: undefined,
      otp: '123456',
      json: true,
      registry: undefined,
    });
    expect(await parse(['acme', '--reinstate'])).toMatchObject({ users: [], reinstate: true, teams: [] });
    expect(await parse(['acme', '--from-file', 'people.csv'])).toMatchObject({ users: [], fromFile: 'people.csv' });
  });

  it.each([
    [['acme'], /name at least one user/],
    [['acme', 'carol', '--role', 'king'], /invalid --role "king"/],
    [['acme', 'bob', '--reinstate', '--role', 'admin'], /--reinstate takes the role and teams/],
    [['acme', 'carol', '--team', 'Web'], /invalid team name/],
    [['acme', 'Carol'], /invalid user name/],
    [['Acme', 'carol'], /invalid org name/],
  ])('%j is a usage error', async (args, message) => {
    const p = parse(args);
    await expect(p).rejects.toThrow(UsageError);
    await expect(p).rejects.toThrow(message);
  });
});

describe('run functions on a TTY', () => {
  it('org invite asks once for the OTP the registry demands, then reports each invitation on stderr', async () => {
    const io = ttyAs(ALICE.token);
    const prompter = fakePrompter().expect('otp', totp(ALICE.secret, ctx.clock.now()));
    await orgInviteRun({ org: 'acme', users: ['carol'], teams: ['core'], reinstate: false, json: false }, deps(io, { prompter }));
    prompter.assertDone();
    expect(io.stdoutText()).toBe('');
    expect(io.stderrText()).toMatch(/^✓ Invited carol to acme as developer in core; expires \S+Z\n$/);
  });

  it('org invites revoke reuses the code it asked for on the next user and reports the one with no invitation', async () => {
    const io = ttyAs(ALICE.token);
    ctx.clock.nextStep();
    const prompter = fakePrompter().expect('otp', totp(ALICE.secret, ctx.clock.now()));
    const run = orgInvitesRevokeRun({ org: 'acme', users: ['carol', 'erin'], json: true }, deps(io, { prompter }));
    await expect(run).rejects.toThrow('1 of 2 invitations could not be revoked.');
    prompter.assertDone();
    expect(JSON.parse(io.stdoutText())).toEqual({ org: 'acme', revoked: ['carol'], failed: [{ user: 'erin', error: 'erin has no invitation to acme.' }] });
  });

  it('invites accept of a revoked invitation says so (exit 1)', async () => {
    const io = ttyAs(CAROL.token);
    const run = invitesAcceptRun({ org: 'acme', json: false }, deps(io, { prompter: fakePrompter() }));
    await expect(run).rejects.toMatchObject({ exitCode: 1, message: 'You have no invitation to acme (it may have been revoked or declined).' });
  });
});
