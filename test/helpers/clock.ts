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
 *
 * A spawned `registry serve` reads its time from a file instead: see serve.ts.
 */
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
  constructor(private t: number = DEFAULT_START) {}
  now = (): number => this.t;
  /** Returns at once: records the wait and moves the time forward by it. */
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
  /** Move to one second into the next 30-s TOTP step, so a fresh code can be used with another credential. */
  nextStep(): void {
    this.t = (Math.floor(this.t / STEP_MS) + 1) * STEP_MS + 1_000;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** A fresh clock, by default one second into a 30-s TOTP step (codes are unambiguous). */
export function testClock(start?: number): TestClock {
  return new TestClock(start);
}
