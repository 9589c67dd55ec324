/**
 * Job: time. One controllable clock for everything a test times, so no test waits for a TOTP step,
 * an expiry or a backoff:
 *   - the server's `now` (startRegistry({ clock }) hands `clock.now` to the core);
 *   - TOTP codes: totp(secret, clock.now());
 *   - the client's Clock (src/client/client.ts: now + sleep): a sleep returns at once, moves the
 *     time forward and is recorded in `clock.sleeps`.
 *
 *   const clock = testClock();   // 2026-11-28T12:00:01Z: one second into a 30-s TOTP step
 *   clock.nextStep();            // one second into the next step (a fresh code)
 *   clock.advance(ms); clock.set(ms); clock.sleeps
 *   clock.at(time, fn)           // a timer on this clock (the core's Timers: mail retries): fn runs when
 *                                // the clock is moved to or past `time`; then await core.outboxIdle()
 *
 * A clock for a spawned `registry serve` (serve.ts) is backed by a file: fileClock(path) writes its
 * time there on every change, and the server, started with ORGCTL_TEST_CLOCK_FILE=path, reads it on
 * each call (docs/registry-api.md, "Test clock").
 */
import { renameSync, writeFileSync } from 'node:fs';
import { totpAt } from '../../src/server/core/totp.js';

/** The 6-digit TOTP code for `secret` at `timeMs`. */
export function totp(secret: string, timeMs: number): string {
  return totpAt(secret, timeMs);
}

const STEP_MS = 30_000;
const DEFAULT_START = Date.UTC(2026, 10, 28, 12, 0, 1);

export class TestClock {
  /** the waits asked for through `sleep`, in order */
  readonly sleeps: number[] = [];
  private t = DEFAULT_START;
  private timers: { time: number; fn: () => void }[] = [];
  /** `file`: where the time is written on every change (fileClock) */
  constructor(start: number = DEFAULT_START, readonly file?: string) {
    this.set(start);
  }
  now = (): number => this.t;
  /** Returns at once: records the wait and moves the time forward by it. */
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.set(this.t + ms);
  };
  /** Move to one second into the next 30-s TOTP step, so a fresh code can be used with another credential. */
  nextStep(): void {
    this.set((Math.floor(this.t / STEP_MS) + 1) * STEP_MS + 1_000);
  }
  advance(ms: number): void {
    this.set(this.t + ms);
  }
  /** Runs `fn` when the clock is moved to or past `time` (at once, on a microtask, if it is already); returns a cancel function. */
  at = (time: number, fn: () => void): (() => void) => {
    const timer = { time, fn };
    if (time <= this.t) queueMicrotask(fn);
    else this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  };
  set(ms: number): void {
    this.t = ms;
    const due = this.timers.filter((t) => t.time <= ms);
    this.timers = this.timers.filter((t) => t.time > ms);
    for (const t of due) t.fn();
    if (this.file) {
      // atomically: the server never reads a half-written time
      writeFileSync(`${this.file}.tmp`, String(ms));
      renameSync(`${this.file}.tmp`, this.file);
    }
  }
}

/** A fresh clock, by default one second into a 30-s TOTP step (codes are unambiguous). */
export function testClock(start?: number): TestClock {
  return new TestClock(start);
}

/** A clock whose time is also in `file` (written now and on every change), for a spawned server. */
export function fileClock(file: string, start?: number): TestClock {
  return new TestClock(start, file);
}
