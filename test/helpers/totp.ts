import { totpAt } from '../../src/server/core/totp.js';

/** The 6-digit TOTP code for `secret` at `timeMs` (default: now). */
export function totp(secret: string, timeMs: number = Date.now()): string {
  return totpAt(secret, timeMs);
}

/** A controllable clock for the server: starts at `start`, moved by `advance`. */
export function fakeClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)): { now: () => number; advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
