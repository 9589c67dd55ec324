/**
 * Run functions of the org, team and org 2FA commands with injected dependencies (fake prompter,
 * buffer IO) against the real reference registry in-process: typed confirmation right and wrong,
 * y/N confirmation, the non-TTY rule, the OTP prompt, and what is sent to the registry. No module
 * mocks.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { testIO, type TestIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { startOrgCli, USERS, type OrgCliContext, type UserName } from '../../helpers/org-cli.js';
import { ACME_ROSTER as ACME } from '../../helpers/fixtures.js';
import { createDeps, type AppDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { enforceRun, previewText, type EnforceOptions } from '../../../src/commands/org/2fa/enforce.js';
import { disableRun } from '../../../src/commands/org/2fa/disable.js';
import { orgRmRun } from '../../../src/commands/org/rm.js';
import { teamDestroyRun } from '../../../src/commands/team/destroy.js';
import { checkOrgName, parseCount, parseTeamSpec } from '../../../src/commands/org/api.js';
import { auditLine, parseSince } from '../../../src/commands/org/audit.js';
import { CancelError, CliError, ExitCode, UsageError } from '../../../src/errors.js';

let ctx: OrgCliContext;
beforeEach(async () => {
  ctx = await startOrgCli();
});
afterEach(() => ctx.close());


/** Deps acting as `user`, on a terminal unless `tty: false`; records every request the client sends. */
function depsFor(user: UserName, prompter: ReturnType<typeof fakePrompter>, tty = true) {
  const io: TestIO = testIO({ stdinTTY: tty, stdoutTTY: tty, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: USERS[user].token } });
  const sent: { method: string; path: string; body?: unknown }[] = [];
  const base = createDeps(io, { tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }), prompter });
  const deps: AppDeps = {
    ...base,
    connect: async (o) => {
      const conn = await base.connect(o);
      const request = conn.client.request.bind(conn.client);
      conn.client.request = (method, path, opts) => {
        sent.push({ method, path, body: opts?.body });
        return request(method, path, opts);
      };
      return conn;
    },
  };
  return { io, deps, sent };
}

const enforce = (o: Partial<EnforceOptions> = {}): EnforceOptions => ({ org: 'acme', dryRun: false, yes: false, json: false, ...o });

describe('enforceRun: typed confirmation', () => {
  it('typing the org name confirms: preview on stdout, then the removal', async () => {
    const prompter = fakePrompter().expect('input', 'acme');
    const { io, deps } = depsFor('alice', prompter);
    await enforceRun(enforce({ otp: ctx.otp() }), deps);
    prompter.assertDone();
    expect(prompter.asked[0]!.message).toBe('This requires 2FA for acme and removes 2 members now.\nType acme to confirm:');
    expect(io.stdoutText()).toContain('Requiring it removes 2 members without 2FA:');
    expect(io.stdoutText()).toContain('2FA is required for acme. Removed 2 members:');
    expect(await ctx.roster()).toEqual({ alice: 'owner', dave: 'admin' });
  });

  it.each(['acm', 'ACME', 'yes', ''])('anything else (%j) cancels with exit 3 and changes nothing', async (answer) => {
    const prompter = fakePrompter().expect('input', answer);
    const { deps, sent } = depsFor('alice', prompter);
    const err = await enforceRun(enforce({ otp: ctx.otp() }), deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelError);
    expect((err as CliError).exitCode).toBe(ExitCode.Cancelled);
    expect((err as CliError).message).toContain('nothing was changed');
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await ctx.roster()).toEqual(ACME);
    expect(await ctx.required()).toBe(false);
  });

  it('asks for the OTP after the confirmation when none was given, and sends maxRemovals to the registry', async () => {
    const prompter = fakePrompter().expect('input', 'acme').expect('otp', ctx.otp());
    const { deps, sent } = depsFor('alice', prompter);
    await enforceRun(enforce({ maxRemovals: 5, json: true }), deps);
    prompter.assertDone();
    const puts = sent.filter((r) => r.method === 'PUT');
    expect(puts).toEqual([
      { method: 'PUT', path: '-/orgctl/v1/orgs/acme/tfa', body: { required: true, maxRemovals: 5 } },
      { method: 'PUT', path: '-/orgctl/v1/orgs/acme/tfa', body: { required: true, maxRemovals: 5 } },
    ]);
  });

  it('with --json on a terminal the preview goes to stderr and stdout holds only the JSON', async () => {
    const prompter = fakePrompter().expect('input', 'acme');
    const { io, deps } = depsFor('alice', prompter);
    await enforceRun(enforce({ otp: ctx.otp(), json: true }), deps);
    expect(io.stderrText()).toContain('Requiring it removes 2 members');
    expect(JSON.parse(io.stdoutText())).toMatchObject({ org: 'acme', dryRun: false, required: true });
  });

  it('does not ask, write or need an OTP when nothing would change (already required, everyone has 2FA)', async () => {
    await enforceRun(enforce({ otp: ctx.otp(), yes: true }), depsFor('alice', fakePrompter()).deps);
    const prompter = fakePrompter();
    const { io, deps, sent } = depsFor('alice', prompter);
    await enforceRun(enforce(), deps);
    expect(prompter.asked).toEqual([]);
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(io.stdoutText()).toBe('2FA is already required for acme; nobody to remove.\n');
  });

  it('without a terminal and without --yes: a usage error before any request; --dry-run needs neither', async () => {
    const { deps, sent } = depsFor('alice', fakePrompter(), false);
    await expect(enforceRun(enforce(), deps)).rejects.toBeInstanceOf(UsageError);
    expect(sent).toEqual([]);
    await enforceRun(enforce({ dryRun: true }), deps);
    expect(sent.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('refuses a non-owner before previewing or asking', async () => {
    const dave = depsFor('dave', fakePrompter());
    await expect(enforceRun(enforce({ yes: true }), dave.deps)).rejects.toThrow('only owners of acme can require 2FA');
    expect(dave.sent.map((r) => r.path)).toEqual(['-/whoami', '-/orgctl/v1/orgs/acme/members']);
  });
});

describe('disableRun', () => {
  beforeEach(async () => {
    await enforceRun(enforce({ otp: ctx.otp(), yes: true }), depsFor('alice', fakePrompter()).deps);
  });

  it('typing the org name lifts the requirement', async () => {
    const prompter = fakePrompter().expect('input', ' acme ');
    const { io, deps } = depsFor('alice', prompter);
    await disableRun({ org: 'acme', yes: false, json: false, otp: ctx.otp() }, deps);
    expect(prompter.asked[0]!.message).toContain('Type acme to confirm:');
    expect(io.stdoutText()).toBe('✓ 2FA is no longer required for acme.\n');
    expect(await ctx.required()).toBe(false);
  });

  it('a wrong name cancels (exit 3) and the requirement stays', async () => {
    const { deps } = depsFor('alice', fakePrompter().expect('input', 'other'));
    await expect(disableRun({ org: 'acme', yes: false, json: false, otp: ctx.otp() }, deps)).rejects.toBeInstanceOf(CancelError);
    expect(await ctx.required()).toBe(true);
  });
});

describe('y/N confirmations (org rm, team destroy)', () => {
  it('org rm: declining (the default) cancels; accepting removes', async () => {
    const no = depsFor('alice', fakePrompter().expect('confirm', false));
    await expect(orgRmRun({ org: 'acme', user: 'bob', yes: false, json: false, otp: ctx.otp() }, no.deps)).rejects.toBeInstanceOf(CancelError);
    expect(no.sent).toEqual([]);
    const yes = depsFor('alice', fakePrompter().expect('confirm', true));
    await orgRmRun({ org: 'acme', user: 'bob', yes: false, json: false, otp: ctx.otp() }, yes.deps);
    expect(yes.io.stdoutText()).toBe('Successfully removed bob from acme. You now have 3 members in this org.\n');
  });

  it('team destroy: declining cancels; without a terminal --yes is required', async () => {
    const no = depsFor('alice', fakePrompter().expect('confirm', false));
    await expect(teamDestroyRun({ org: 'acme', team: 'core', yes: false, json: false }, no.deps)).rejects.toBeInstanceOf(CancelError);
    const noTty = depsFor('alice', fakePrompter(), false);
    await expect(teamDestroyRun({ org: 'acme', team: 'core', yes: false, json: false }, noTty.deps)).rejects.toBeInstanceOf(UsageError);
    expect(await ctx.team('acme', 'core')).toEqual(['alice', 'bob']);
  });
});

describe('argument parsing', () => {
  it("parses npm's [@]org:team", () => {
    expect(parseTeamSpec('@acme:devs')).toEqual({ org: 'acme', team: 'devs' });
    expect(parseTeamSpec('acme:devs')).toEqual({ org: 'acme', team: 'devs' });
    expect(parseTeamSpec('@acme', true)).toEqual({ org: 'acme' });
    expect(() => parseTeamSpec('@acme')).toThrow(UsageError);
    expect(() => parseTeamSpec('@acme:')).toThrow(UsageError);
    expect(() => parseTeamSpec('@ac/me:devs')).toThrow(UsageError);
  });

  it('org names lose one @; counts and dates are checked', () => {
    expect(checkOrgName('@acme')).toBe('acme');
    expect(() => checkOrgName('@@acme')).toThrow(UsageError);
    expect(parseCount('0', '--max-removals')).toBe(0);
    expect(() => parseCount('1.5', '--max-removals')).toThrow('--max-removals must be a whole number');
    expect(parseSince('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseSince('soon')).toThrow(UsageError);
  });

  it('formats previews and audit lines', () => {
    expect(previewText('acme', true, [])).toBe('2FA is already required for acme. Every member has 2FA on: nobody would be removed.\n');
    expect(auditLine({ id: '1', time: 't', org: 'acme', actor: 'alice', action: 'org.tfa.disable' })).toBe('t  alice  org.tfa.disable  -');
    expect(auditLine({ id: '2', time: 't', org: 'acme', actor: 'alice', action: 'org.member.set', target: 'bob', detail: { from: 'developer', to: 'admin' } })).toBe(
      't  alice  org.member.set  bob  from=developer  to=admin',
    );
  });
});
