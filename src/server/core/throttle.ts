/**
 * Growing delays after failures (passwords, one-time passwords), kept in memory (a restart clears
 * them). A key's first `free` failures within `windowMs` cost nothing; each one after that makes
 * the key wait 1 s, 2 s, 4 s … up to `maxDelayMs` before its next attempt is checked. While a key
 * waits, every attempt is refused without being checked, even a correct one. A success clears the
 * key. Failures are forgotten once none came for `windowMs`.
 *
 * The core keys these by account *and* source (client address, or the token in use), so what one
 * client does never delays the account's owner on another address or credential; see
 * docs/registry-api.md §4.5.
 */
export interface BackoffOptions {
  /** failures without delay, within the window; default 5 */
  free?: number;
  /** failures are forgotten after this long without one; default 1 hour */
  windowMs?: number;
  /** the longest delay; default 15 minutes */
  maxDelayMs?: number;
}

interface Entry {
  fails: number;
  last: number;
  until: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  readonly free: number;
  readonly windowMs: number;
  readonly maxDelayMs: number;

  constructor(
    private readonly now: () => number,
    opts: BackoffOptions = {},
  ) {
    this.free = opts.free ?? 5;
    this.windowMs = opts.windowMs ?? 60 * 60_000;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  waitFor(key: string): number {
    const e = this.live(key);
    if (!e) return 0;
    const left = e.until - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Failures counted for `key` in the current window. */
  failures(key: string): number {
    return this.live(key)?.fails ?? 0;
  }

  fail(key: string): void {
    const now = this.now();
    const e = this.live(key) ?? { fails: 0, last: now, until: 0 };
    e.fails++;
    e.last = now;
    if (e.fails > this.free) e.until = now + Math.min(1000 * 2 ** Math.min(e.fails - this.free - 1, 30), this.maxDelayMs);
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.prune();
  }

  /** Takes back one failure counted ahead of a check that then succeeded. */
  forgive(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.fails = Math.max(0, e.fails - 1);
    if (e.fails <= this.free) e.until = 0;
    if (e.fails === 0) this.entries.delete(key);
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.last >= this.windowMs && e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private prune(): void {
    for (const k of [...this.entries.keys()]) this.live(k);
  }
}

/**
 * A lockout's wait for people: seconds under a minute (`in 8 seconds`), else minutes rounded up
 * (`in 15 minutes`). Retry-After keeps the exact seconds.
 */
export function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const m = Math.ceil(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}
