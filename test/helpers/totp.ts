import { totpAt } from '../../src/server/core/totp.js';

/** The 6-digit TOTP code for `secret` at `timeMs` (default: now). */
export function totp(secret: string, timeMs: number = Date.now()): string {
  return totpAt(secret, timeMs);
}

/** A controllable clock for startRegistry({ now }) and totp(secret, time). */
export class TestClock {
  constructor(private t: number) {}
  /** Starts one second into a 30-s TOTP step, so codes are unambiguous. */
  static atStepStart(base = Date.UTC(2031, 0, 15, 12, 0, 0)): TestClock {
    return new TestClock(Math.floor(base / 30_000) * 30_000 + 1_000);
  }
  now = (): number => this.t;
  /** Move to the next 30-s TOTP step, so a fresh code can be used with another credential. */
  nextStep(): void {
    this.t = (Math.floor(this.t / 30_000) + 1) * 30_000 + 1_000;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** A controllable clock for the server, starting at `start`. */
export function fakeClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)): TestClock {
  return new TestClock(start);
}
