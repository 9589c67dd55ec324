/**
 * Failure counting for passwords and one-time passwords. After `maxFailures` failures within
 * `windowMs` (default 10 in 15 minutes), the key is locked for `lockMs`: every attempt is refused without being checked, so a
 * six-digit code cannot be guessed by brute force. Kept in memory: a restart clears it.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { fails: number[]; lockedUntil: number }>();
  constructor(
    private readonly now: () => number,
    readonly maxFailures = 10,
    readonly windowMs = 15 * 60_000,
    readonly lockMs = 15 * 60_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  lockedFor(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const e = this.entries.get(key) ?? { fails: [], lockedUntil: 0 };
    e.fails = e.fails.filter((t) => now - t < this.windowMs);
    e.fails.push(now);
    if (e.fails.length >= this.maxFailures) {
      e.lockedUntil = now + this.lockMs;
      e.fails = [];
    }
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.prune();
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.fails.every((t) => now - t >= this.windowMs)) this.entries.delete(k);
    }
  }
}
