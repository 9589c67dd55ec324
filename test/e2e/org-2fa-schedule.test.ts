/**
 * End to end: scheduled 2FA enforcement from the command line (`org 2fa enforce --grace|--at`,
 * `org 2fa cancel`, `org 2fa status`) and the member side (`profile get`, `invites ls`): the built
 * CLI against the reference registry (a fresh one per test), exit codes, output and state.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { ACME_ROSTER as ACME } from '../helpers/fixtures.js';
import { totp } from '../helpers/clock.js';
import { call } from '../helpers/http.js';
import { USERS, withOrgCli, writesLogged } from '../helpers/org-cli.js';

jest.setTimeout(60_000);

const DAY = 86_400_000;

describe('org 2fa enforce --grace | --at', () => {
  it.concurrent('--grace 7d: scheduled, members told, nobody removed; status and --json show it', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '7d', '--max-removals', '3', '--yes', '--otp', ctx.otp(), '--json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const at = new Date(ctx.clock.now() + 7 * DAY).toISOString();
    expect(JSON.parse(r.stdout)).toEqual({ org: 'acme', dryRun: false, scheduled: { at, by: 'alice', maxRemovals: 3, state: 'pending' }, notified: ['bob', 'erin'], notices: 'outbox' });
    expect(await ctx.roster()).toEqual(ACME);
    expect((await ctx.sent()).map((m) => [m.kind, m.user])).toEqual([
      ['tfa-scheduled', 'bob'],
      ['tfa-scheduled', 'erin'],
    ]);
    const status = await ctx.cli('dave', ['org', '2fa', 'status', 'acme', '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ org: 'acme', required: false, members: 4, withoutTwoFactor: ['bob', 'erin'], scheduled: { at, by: 'alice', maxRemovals: 3, state: 'pending' } });
    const human = await ctx.cli('dave', ['org', '2fa', 'status', 'acme']);
    expect(human.stdout).toBe(`2FA required: no\nScheduled: from ${at}, by alice, at most 3 removals\nMembers: 4\nWithout 2FA: 2 (bob, erin)\n`);
    expect(human.stderr).toBe('They are removed at the deadline unless they turn on 2FA. Cancel: `orgctl org 2fa cancel acme`.\n');
  }));

  it.concurrent('--at: the human output; a second schedule is refused with the way out', withOrgCli(async (ctx) => {
    const at = new Date(ctx.clock.now() + 2 * DAY).toISOString();
    const r = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--at', at, '--yes', '--otp', ctx.otp()]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`2FA will be required for acme from ${at}. 2 members without 2FA are told now`)).toBe(true);
    expect(r.stdout.endsWith(` 2FA will be required for acme from ${at}.\n`)).toBe(true); // no time left: stdout is not a terminal
    expect(r.stderr).toContain('Told 2 members without 2FA: bob, erin.');
    ctx.clock.nextStep();
    const again = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '1d', '--yes', '--otp', ctx.otp()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`orgctl: acme is already scheduled to require two-factor authentication from ${at} (pending).`);
    expect(again.stderr).toContain('cancel it: orgctl org 2fa cancel acme');
  }));

  it.concurrent('bad flags exit 2 before any request; without a terminal it needs --yes; --dry-run changes nothing', withOrgCli(async (ctx) => {
    const bad = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', 'soon', '--yes']);
    expect([bad.code, bad.stderr]).toEqual([2, 'orgctl: --grace must be a whole number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. 7d or 36h; got "soon".\n']);
    const both = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '7d', '--at', '2026-12-24T12:00:00Z', '--yes']);
    expect([both.code, both.stderr]).toEqual([2, 'orgctl: give --grace or --at, not both.\n']);
    const at = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--at', 'next week', '--yes']);
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/^orgctl: --at must be an ISO time with a time zone/);
    const noYes = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '7d']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/needs confirmation/);
    expect(writesLogged(ctx.reg)).toEqual([]);
    const dry = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '7d', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ org: 'acme', dryRun: true, scheduled: { at: null, grace: '7d', by: 'alice', maxRemovals: null, state: 'pending' }, notified: ['bob', 'erin'] });
    expect(writesLogged(ctx.reg)).toEqual([]);
    expect(await ctx.sent()).toEqual([]);
  }));
});

describe('org 2fa cancel, held, and the member side', () => {
  it.concurrent('cancel: --json shape; members told; again: exit 1 with the reason', withOrgCli(async (ctx) => {
    const at = new Date(ctx.clock.now() + 3 * DAY).toISOString();
    await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '3d', '--yes', '--otp', ctx.otp()]);
    ctx.clock.nextStep();
    const c = await ctx.cli('alice', ['org', '2fa', 'cancel', 'acme', '--yes', '--otp', ctx.otp(), '--json']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toEqual({ org: 'acme', cancelled: { at, by: 'alice', maxRemovals: null, state: 'pending' }, notified: ['bob', 'erin'] });
    expect((await ctx.sent()).map((m) => m.kind)).toEqual(['tfa-scheduled', 'tfa-scheduled', 'tfa-schedule-cancelled', 'tfa-schedule-cancelled']);
    ctx.clock.nextStep();
    const again = await ctx.cli('alice', ['org', '2fa', 'cancel', 'acme', '--yes', '--otp', ctx.otp()]);
    expect([again.code, again.stderr]).toEqual([1, 'orgctl: acme has no scheduled 2FA requirement to cancel.\n']);
    const dev = await ctx.cli('bob', ['org', '2fa', 'cancel', 'acme', '--yes']);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/only owners of acme can cancel a scheduled 2FA requirement/);
  }));

  it.concurrent('held at the deadline: status says held and why; enforce now resolves it', withOrgCli(async (ctx) => {
    await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '1d', '--max-removals', '1', '--yes', '--otp', ctx.otp()]);
    ctx.clock.advance(DAY);
    await ctx.reg.registry.core.tfaSchedule.idle();
    const s = await ctx.cli('alice', ['org', '2fa', 'status', 'acme']);
    expect(s.stdout).toContain('State: held (nothing removed): it would remove 2 members, more than the limit of 1\n');
    expect(s.stderr).toBe('Next: `orgctl org 2fa enforce acme` enforces now; `orgctl org 2fa cancel acme` cancels.\n');
    const j = JSON.parse((await ctx.cli('alice', ['org', '2fa', 'status', 'acme', '--json'])).stdout);
    expect(j.scheduled).toMatchObject({ state: 'held', heldReason: 'it would remove 2 members, more than the limit of 1' });
    expect(await ctx.roster()).toEqual(ACME);
    // enforcing now resolves it
    ctx.clock.nextStep();
    const now = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--yes', '--otp', ctx.otp(), '--json']);
    expect(now.code).toBe(0);
    expect(JSON.parse(now.stdout).removed.map((m: { user: string }) => m.user)).toEqual(['bob', 'erin']);
    expect(JSON.parse((await ctx.cli('alice', ['org', '2fa', 'status', 'acme', '--json'])).stdout)).toMatchObject({ required: true, scheduled: null });
  }));

  it.concurrent('profile get and invites ls mention the deadline; gone from profile get once 2FA is on', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--grace', '7d', '--yes', '--otp', ctx.otp(), '--json']);
    const at = JSON.parse(r.stdout).scheduled.at;
    const p = await ctx.cli('bob', ['profile', 'get']);
    expect(p.code).toBe(0);
    expect(p.stderr).toBe(`acme requires two-factor authentication from ${at}: turn it on (orgctl profile enable-2fa) or you will be removed.\n`);
    expect((await ctx.cli('alice', ['profile', 'get'])).stderr).toBe('');
    ctx.clock.nextStep();
    expect((await ctx.cli('alice', ['org', 'invite', 'acme', 'carol', '--otp', ctx.otp()])).code).toBe(0);
    const ls = await ctx.cli('carol', ['invites', 'ls']);
    expect(ls.stderr).toContain(`acme requires two-factor authentication to join (and of every member from ${at}): turn it on first (orgctl profile enable-2fa).\n`);
    expect(JSON.parse((await ctx.cli('carol', ['invites', 'ls', '--json'])).stdout)).toEqual([expect.objectContaining({ org: 'acme', tfaRequiredFrom: at })]);
    const accept = await ctx.cli('carol', ['invites', 'accept', 'acme']);
    expect(accept.code).toBe(1);
    // bob turns 2FA on: off the list at once
    const start = await call(ctx.url, 'POST', '/-/npm/v1/user', { token: USERS.bob.token, body: { tfa: { password: USERS.bob.password, mode: 'auth-and-writes' } } });
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;
    await call(ctx.url, 'POST', '/-/npm/v1/user', { token: USERS.bob.token, body: { tfa: [totp(secret, ctx.clock.now())] } });
    expect((await ctx.cli('bob', ['profile', 'get'])).stderr).toBe('');
  }));
});
