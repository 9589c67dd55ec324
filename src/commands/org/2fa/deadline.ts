import { UsageError } from '../../../errors.js';
import { timeLeft } from '../../../ui/time.js';
import { DURATION_HELP, parseDuration } from '../../../shared/duration.js';

/**
 * What the scheduled-2FA commands share (`org 2fa enforce --grace|--at`, `cancel`, `status`): the
 * flags, the wire type of a schedule, and how a deadline is shown.
 */

/** A scheduled requirement as the registry shows it (`GET …/tfa` → `scheduled`). */
export interface ScheduleWire {
  at: string;
  by: string;
  created?: string;
  maxRemovals: number | null;
  state: 'pending' | 'held';
  heldReason?: string | null;
  heldAt?: string | null;
  wouldRemove?: number | null;
}

/** The `scheduled` object of `--json` outputs (docs/commands.md). */
export interface ScheduledJson {
  at: string;
  by: string;
  maxRemovals: number | null;
  state: 'pending' | 'held';
  heldReason?: string;
}

export function scheduledJson(s: ScheduleWire): ScheduledJson {
  return { at: s.at, by: s.by, maxRemovals: s.maxRemovals, state: s.state, ...(s.state === 'held' && s.heldReason ? { heldReason: s.heldReason } : {}) };
}

/** The deadline the command line asks for: a grace (the registry adds it to its own time) or a time. */
export type DeadlineFlag = { grace: string } | { at: string };

/** `--grace` / `--at` checked (exit 2 when bad or both); null when neither is given. */
export function deadlineFlag(flags: { grace?: string; at?: string }): DeadlineFlag | null {
  if (flags.grace !== undefined && flags.at !== undefined) throw new UsageError('give --grace or --at, not both.');
  if (flags.grace !== undefined) {
    if (parseDuration(flags.grace) === null) throw new UsageError(`--grace must be ${DURATION_HELP}; got "${flags.grace}".`);
    return { grace: flags.grace.trim() };
  }
  if (flags.at !== undefined) {
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(flags.at) ? Date.parse(flags.at) : NaN;
    if (Number.isNaN(ms)) throw new UsageError(`--at must be an ISO time with a time zone, e.g. 2026-12-24T12:00:00Z; got "${flags.at}".`);
    return { at: new Date(ms).toISOString() };
  }
  return null;
}


/** The deadline for people: the ISO time, and on a terminal how far it is. */
export function deadlineText(at: string, now: number, tty: boolean): string {
  return tty ? `${at} (${timeLeft(Date.parse(at), now)})` : at;
}
