import { systemClock, type Clock } from '../client/clock.js';
import type { IO } from './io.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The unit a distance is said in, and how long one is: the first whose limit it is under. */
const STEPS: { unit: Intl.RelativeTimeFormatUnit; ms: number; under: number }[] = [
  { unit: 'minute', ms: MINUTE, under: 45 * MINUTE },
  { unit: 'hour', ms: HOUR, under: 22 * HOUR },
  { unit: 'day', ms: DAY, under: 26 * DAY },
  { unit: 'month', ms: 30 * DAY, under: 320 * DAY },
  { unit: 'year', ms: 365 * DAY, under: Infinity },
];

let format: Intl.RelativeTimeFormat | undefined;

/**
 * `iso` relative to `now` in English: `just now` (under 45 s), `in 6 days`, `2 hours ago`,
 * `in 1 month`. Rounded to the nearest unit; undefined when `iso` is not a time.
 */
export function relativeTime(iso: string, now: number): string | undefined {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const d = t - now;
  if (Math.abs(d) < 45 * SECOND) return 'just now';
  const step = STEPS.find((s) => Math.abs(d) < s.under)!;
  format ??= new Intl.RelativeTimeFormat('en', { numeric: 'always' });
  const n = Math.max(1, Math.round(Math.abs(d) / step.ms));
  return format.format(d < 0 ? -n : n, step.unit);
}

/**
 * A time for people: relative (`in 6 days`) when stdout is a terminal, else the ISO time as
 * given, so piped output stays exact and parseable. `--json` keeps ISO: do not call this for it.
 */
export function shownTime(io: Pick<IO, 'isStdoutTTY'>, iso: string, now: number): string {
  return (io.isStdoutTTY && relativeTime(iso, now)) || iso;
}

/** shownTime against one `now` read from `clock` (the system clock when none is injected). */
export function timeShower(io: Pick<IO, 'isStdoutTTY'>, clock: Pick<Clock, 'now'> = systemClock): (iso: string) => string {
  const now = clock.now();
  return (iso) => shownTime(io, iso, now);
}

/** "in 6 days 23 hours", "in 3 hours", "in 12 minutes", "2 hours ago": the time from `now` to `at`, for people. */
export function timeLeft(at: number, now: number): string {
  const d = at - now;
  const abs = Math.abs(d);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const text = days > 0 ? unit(days, 'day') + (hours ? ` ${unit(hours, 'hour')}` : '') : hours > 0 ? unit(hours, 'hour') : unit(Math.max(minutes, d > 0 ? 1 : 0), 'minute');
  return d >= 0 ? `in ${text}` : `${text} ago`;
}
