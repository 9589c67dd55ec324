import { parseDuration, DURATION_HELP } from '../../shared/duration.js';
import { CoreError, invalid, notFound } from './errors.js';
import type { Timers } from './mail-queue.js';
import { tfaDeadlineReminderMessage, tfaScheduleCancelledMessage, tfaScheduledMessage, tfaScheduleHeldMessage } from './messages.js';
import { OrgDomain, scheduleView, type ScheduleView } from './org-common.js';
import type { TypedOp } from './schema.js';
import { DAY, tfaOn } from './state.js';
import type { Actor, Credentials, TfaScheduleRec } from './types.js';

const HOUR = 3_600_000;
/** Reminders before the deadline; one is skipped when the grace is not longer than it. */
const REMINDERS = [
  { key: '72h', before: 72 * HOUR },
  { key: '24h', before: 24 * HOUR },
] as const;
/** The latest deadline a schedule may have. */
const MAX_AHEAD = 366 * DAY;
/** After a failed pass (a store write), the next try. */
const RETRY_MS = 60_000;

/**
 * A 2FA requirement scheduled for a deadline (extensions, docs/registry-api.md "Scheduled 2FA
 * enforcement"). Scheduling warns every member without 2FA and gates joining at once; the
 * registry reminds them 72 h and 24 h before and, at the deadline, enforces through the same
 * all-or-nothing transaction as `org 2fa enforce` (`enforceOps`), with the scheduling owner as
 * actor. The schedule record (`tfaSchedules`) is deleted in that same commit, so a schedule is
 * enforced once: a pass decides on the state as it is in the tick of its commit, passes run one
 * at a time, and a server that starts after the deadline enforces before it serves (`start`).
 * More removals than the stored `maxRemovals`, or no owner with 2FA left, hold the schedule
 * instead (nothing removed, owners told) until an owner enforces now or cancels.
 */
export class TfaSchedules extends OrgDomain {
  private timers: Timers | null = null;
  private cancelTimer: (() => void) | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private log: (line: string) => void = () => {};

  /**
   * `PUT …/orgs/:org/tfa/schedule {at | grace, maxRemovals?}`: an owner with 2FA, with an OTP.
   * Notifies every member without 2FA of the deadline, in the same commit.
   */
  async schedule(actor: Actor, cred: Credentials, org: string, body: { at?: unknown; grace?: unknown; maxRemovals?: unknown }): Promise<{ org: string; scheduled: ScheduleView; notified: string[]; notices: 'email' | 'outbox' }> {
    if ((body.at === undefined) === (body.grace === undefined)) throw invalid('Give either at (an ISO time) or grace (e.g. 7d), not both.');
    let graceMs: number | null = null;
    let atMs: number | null = null;
    if (body.grace !== undefined) {
      graceMs = parseDuration(body.grace);
      if (graceMs === null) throw invalid(`grace must be ${DURATION_HELP}.`);
    } else {
      atMs = typeof body.at === 'string' && /^\d{4}-\d\d-\d\dT/.test(body.at) ? Date.parse(body.at) : NaN;
      if (Number.isNaN(atMs)) throw invalid('at must be an ISO time with a date and a time, e.g. 2026-12-24T12:00:00Z.');
    }
    const max = body.maxRemovals ?? null;
    if (max !== null && (!Number.isInteger(max) || (max as number) < 0)) throw invalid('maxRemovals must be a whole number of 0 or more.');
    const check = (a: Actor): void => {
      this.tfaOwnerCheck(a, org);
      if (this.state.org(org)!.requireTfa) throw new CoreError('conflict', `${org} already requires two-factor authentication.`, { code: 'EALREADYREQUIRED' });
      const cur = this.state.get('tfaSchedules', org);
      if (cur) {
        throw new CoreError('conflict', `${org} is already scheduled to require two-factor authentication from ${cur.at} (${cur.state}). Cancel it first: orgctl org 2fa cancel ${org}.`, { code: 'ESCHEDULED' });
      }
    };
    check(this.auth.reread(actor));
    const a = await this.auth.otpGate(actor, cred, 'auth');
    check(a);
    // The deadline on the clock of this tick (after the OTP check).
    const now = this.state.now();
    const at = graceMs !== null ? now + graceMs : atMs!;
    if (at <= now) throw invalid(`at must be in the future (the registry's time is ${this.state.iso(now)}).`);
    if (at - now > MAX_AHEAD) throw invalid('The deadline must be within 366 days.');
    const rec: TfaScheduleRec = { org, at: this.state.iso(at), by: a.user.name, created: this.state.iso(now), maxRemovals: max as number | null, state: 'pending', reminders: [] };
    const users = this.withoutTfa(org).map((m) => m.user);
    const ops: TypedOp[] = [{ c: 'tfaSchedules', k: org, v: rec }];
    for (const u of users) ops.push(this.state.outboxOp(u, tfaScheduledMessage({ org, user: u, by: rec.by, at: rec.at })));
    ops.push(this.state.auditOp(org, rec.by, 'org.tfa.schedule', undefined, { at: rec.at, maxRemovals: rec.maxRemovals, notified: users }));
    await this.state.commit(ops);
    this.arm();
    return { org, scheduled: scheduleView(rec), notified: users, notices: this.state.notices };
  }

  /** `DELETE …/orgs/:org/tfa/schedule`: owners, with an OTP. Members without 2FA are told. */
  async cancel(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; cancelled: ScheduleView; notified: string[]; notices: 'email' | 'outbox' }> {
    const a = this.auth.reread(actor);
    await this.governance(a, cred, org, ['owner']);
    // Decided on the state after the OTP check.
    const rec = this.state.get('tfaSchedules', org);
    if (!rec) throw notFound(`${org} has no scheduled 2FA requirement to cancel.`);
    const users = this.withoutTfa(org).map((m) => m.user);
    const ops: TypedOp[] = [{ c: 'tfaSchedules', k: org, v: null }];
    for (const u of users) ops.push(this.state.outboxOp(u, tfaScheduleCancelledMessage({ org, user: u, by: actor.user.name, at: rec.at })));
    ops.push(this.state.auditOp(org, actor.user.name, 'org.tfa.schedule.cancel', undefined, { at: rec.at, state: rec.state, notified: users }));
    await this.state.commit(ops);
    this.arm();
    return { org, cancelled: scheduleView(rec), notified: users, notices: this.state.notices };
  }

  /**
   * `GET /-/orgctl/v1/tfa-deadlines`: the caller's orgs that will require 2FA, with the deadline,
   * while the caller has no 2FA (empty once it is on). Any signed-in user; a token limited to some
   * orgs sees only those.
   */
  deadlinesFor(actor: Actor): { org: string; at: string; state: 'pending' | 'held' }[] {
    const a = this.auth.reread(actor);
    if (tfaOn(a.user)) return [];
    const out: { org: string; at: string; state: 'pending' | 'held' }[] = [];
    for (const org of this.state.orgsOf(a.user.name)) {
      const s = this.state.get('tfaSchedules', org);
      if (s && this.mayRead(a, org)) out.push({ org, at: s.at, state: s.state });
    }
    return out;
  }

  /** Whether the actor's token may read `org` (a granular token limited to other orgs may not). */
  private mayRead(a: Actor, org: string): boolean {
    try {
      this.auth.tokenMayRead(a, org);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs what is due now (reminders, enforcements), then keeps a timer on `timers` for the next
   * one. Called by the server before it serves; a failure here is thrown (the server does not start).
   */
  async start(timers: Timers, log: (line: string) => void = () => {}): Promise<void> {
    this.timers = timers;
    this.log = log;
    this.stopped = false;
    await this.run();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.idle();
  }

  /** Resolves once the pass under way (if any) is over. */
  idle(): Promise<void> {
    return this.running;
  }

  /** One pass over the schedules, after the one under way; then the timer is armed again. */
  run(): Promise<void> {
    const p = this.running.then(() => this.pass());
    // `running` never rejects: the caller of run() gets the failure.
    this.running = p.then(
      () => this.arm(),
      () => this.arm(),
    );
    return p;
  }

  private async pass(): Promise<void> {
    for (const org of [...this.state.all('tfaSchedules').keys()].sort()) {
      if (this.stopped) return;
      await this.step(org);
    }
  }

  /** What is due for `org`'s schedule, decided and committed in one tick. */
  private async step(org: string): Promise<void> {
    const s = this.state.get('tfaSchedules', org);
    if (!s || s.state !== 'pending') return;
    if (!this.state.org(org)) {
      await this.state.commit([{ c: 'tfaSchedules', k: org, v: null }]);
      return;
    }
    const now = this.state.now();
    const at = Date.parse(s.at);
    if (now >= at) {
      const { ops, removed } = this.enforceOps(org, s.by, { reason: 'tfa_noncompliance', scheduled: true });
      const held = this.holdReason(org, s, removed.length);
      if (held) {
        const owners = [...this.state.members(org)!].filter(([, r]) => r === 'owner').map(([u]) => u);
        const next: TfaScheduleRec = { ...s, state: 'held', heldReason: held, heldAt: this.state.iso(now), wouldRemove: removed.length };
        const hold: TypedOp[] = [{ c: 'tfaSchedules', k: org, v: next }];
        for (const u of owners) hold.push(this.state.outboxOp(u, tfaScheduleHeldMessage({ org, user: u, at: s.at, reason: held })));
        hold.push(this.state.auditOp(org, s.by, 'org.tfa.schedule.hold', undefined, { at: s.at, reason: held, wouldRemove: removed.length, maxRemovals: s.maxRemovals }));
        await this.state.commit(hold);
        this.log(`2FA schedule for ${org}: held at the deadline: ${held}`);
        return;
      }
      await this.state.commit(ops);
      this.log(`2FA schedule for ${org}: enforced at the deadline ${s.at}: ${removed.length} removed`);
      return;
    }
    const due = REMINDERS.filter((r) => !s.reminders.includes(r.key) && at - Date.parse(s.created) > r.before && now >= at - r.before);
    if (due.length === 0) return;
    // A server that was down may find two due: only the latest is sent, both are marked.
    const users = this.withoutTfa(org).map((m) => m.user);
    const left = `${Math.max(1, Math.round((at - now) / HOUR))} hours`;
    const last = due[due.length - 1]!.key;
    const ops: TypedOp[] = [{ c: 'tfaSchedules', k: org, v: { ...s, reminders: [...s.reminders, ...due.map((r) => r.key)] } }];
    for (const u of users) ops.push(this.state.outboxOp(u, tfaDeadlineReminderMessage({ org, user: u, at: s.at, left })));
    if (users.length > 0) ops.push(this.state.auditOp(org, s.by, 'org.tfa.schedule.remind', undefined, { at: s.at, reminder: last, users }));
    await this.state.commit(ops);
  }

  /** Why enforcing `org` now must wait, or null: more removals than allowed, or no owner with 2FA would remain. */
  private holdReason(org: string, s: TfaScheduleRec, removals: number): string | null {
    if (s.maxRemovals !== null && removals > s.maxRemovals) return `it would remove ${removals} members, more than the limit of ${s.maxRemovals}`;
    for (const [u, r] of this.state.members(org)!) if (r === 'owner' && tfaOn(this.state.user(u)!)) return null;
    return 'no owner with two-factor authentication would remain';
  }

  /** Arms the timer for the next reminder or deadline of a pending schedule (only once started). */
  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (!this.timers || this.stopped) return;
    const now = this.state.now();
    let next = Infinity;
    for (const s of this.state.all('tfaSchedules').values()) {
      if (s.state !== 'pending') continue;
      const at = Date.parse(s.at);
      next = Math.min(next, at);
      for (const r of REMINDERS) if (!s.reminders.includes(r.key) && at - Date.parse(s.created) > r.before) next = Math.min(next, at - r.before);
    }
    if (next === Infinity) return;
    // A pass that failed leaves its schedule due: try again later, not in a loop.
    this.cancelTimer = this.timers.at(Math.max(next, now + (next <= now ? RETRY_MS : 0)), () => {
      this.run().catch((e) => this.log(`2FA schedules: ${(e as Error).message}; trying again`));
    });
  }
}
