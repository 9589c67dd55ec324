/**
 * Run functions of the scheduled-2FA commands with injected dependencies (buffer IO on a terminal,
 * fake prompter, the registry's test clock as the CLI's clock) against the reference registry
 * in-process: typed confirmation, the time left on a terminal, flag checks. No module mocks.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { testIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { startOrgCli, USERS, type OrgCliContext } from '../../helpers/org-cli.js';
import { createDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { scheduleRun } from '../../../src/commands/org/2fa/schedule.js';
import { statusRun } from '../../../src/commands/org/2fa/status.js';
import { cancelRun } from '../../../src/commands/org/2fa/cancel.js';
import { deadlineFlag } from '../../../src/commands/org/2fa/deadline.js';
import { timeLeft } from '../../../src/ui/time.js';
import { CancelError, UsageError } from '../../../src/errors.js';

const H = 3_600_000;

describe('deadline helpers', () => {
  it('timeLeft: days and hours, hours, minutes, past', () => {
    expect(timeLeft(7 * 24 * H, 0)).toBe('in 7 days');
    expect(timeLeft(6 * 24 * H + 23 * H + 59 * 60_000, 0)).toBe('in 6 days 23 hours');
    expect(timeLeft(H, 0)).toBe('in 1 hour');
    expect(timeLeft(90_000, 0)).toBe('in 1 minute');
    expect(timeLeft(10_000, 0)).toBe('in 1 minute');
    expect(timeLeft(0, 2 * H)).toBe('2 hours ago');
  });

  it('deadlineFlag: one of --grace and --at, checked', () => {
    expect(deadlineFlag({ grace: '36h' })).toEqual({ grace: '36h' });
    expect(deadlineFlag({ at: '2026-12-24T13:00:00+01:00' })).toEqual({ at: '2026-12-24T12:00:00.000Z' });
    expect(deadlineFlag({})).toBeNull();
    expect(() => deadlineFlag({ grace: '0d' })).toThrow(UsageError);
    expect(() => deadlineFlag({ grace: '7 days' })).toThrow(UsageError);
    expect(() => deadlineFlag({ at: '2026-12-24' })).toThrow(/--at must be an ISO time with a time zone/);
    expect(() => deadlineFlag({ at: '2026-12-24T12:00:00' })).toThrow(UsageError); // no zone
  });
});

describe('on a terminal', () => {
  let ctx: OrgCliContext;
  beforeEach(async () => {
    ctx = await startOrgCli();
  });
  afterEach(() => ctx.close());

  function depsFor(user: 'alice' | 'dave', prompter: ReturnType<typeof fakePrompter>) {
    const io = testIO({ stdinTTY: true, stdoutTTY: true, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: USERS[user].token } });
    const deps = { ...createDeps(io, { tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }), prompter }), clock: { now: ctx.clock.now, sleep: ctx.clock.sleep } };
    return { io, deps };
  }

  it('schedule: preview, typed confirmation; status shows the time left; cancel asks y/N', async () => {
    const prompter = fakePrompter().expect('input', 'acme');
    const { io, deps } = depsFor('alice', prompter);
    await scheduleRun({ org: 'acme', deadline: { grace: '7d' }, dryRun: false, yes: false, json: false, maxRemovals: 1, otp: ctx.otp() }, deps);
    prompter.assertDone();
    expect(prompter.asked[0]!.message).toBe('This requires 2FA for acme 7d from now; 2 members without 2FA are told now.\nType acme to confirm:');
    expect(io.stdoutText()).toContain('Today that is more than --max-removals 1: unless enough of them turn on 2FA, the schedule is held at the deadline');
    expect(io.stdoutText()).toMatch(/2FA will be required for acme from \S+ \(in 7 days\)\.\n$/);
    ctx.clock.advance(24 * H + 30 * 60_000);
    const s = depsFor('dave', fakePrompter());
    await statusRun({ org: 'acme', json: false }, s.deps);
    expect(s.io.stdoutText()).toMatch(/^Scheduled: from \S+ \(in 5 days 23 hours\), by alice, at most 1 removal$/m);
    const no = fakePrompter().expect('confirm', false);
    await expect(cancelRun({ org: 'acme', yes: false, json: false, otp: ctx.otp() }, depsFor('alice', no).deps)).rejects.toThrow(CancelError);
    expect((await ctx.sent()).filter((m) => m.kind === 'tfa-schedule-cancelled')).toEqual([]);
  });

  it('a wrong org name typed cancels: nothing scheduled, nobody told', async () => {
    const prompter = fakePrompter().expect('input', 'acm');
    const { deps } = depsFor('alice', prompter);
    await expect(scheduleRun({ org: 'acme', deadline: { grace: '7d' }, dryRun: false, yes: false, json: false, otp: ctx.otp() }, deps)).rejects.toThrow(CancelError);
    expect(await ctx.sent()).toEqual([]);
    expect(ctx.reg.registry.core.tfaStatus({ user: ctx.reg.registry.core.user('alice')!, token: null, via: 'token' }, 'acme').scheduled).toBeNull();
  });
});
