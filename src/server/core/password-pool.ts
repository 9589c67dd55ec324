import { CoreError } from './errors.js';

/**
 * Bounded concurrency for password hashing. scrypt runs on libuv's thread pool (4 threads), which
 * the store's fsync shares; unbounded hashing (a flood of Basic-auth guesses with random names)
 * would queue every durable write behind it. So at most `concurrency` hashes run at once (default
 * 2, leaving the other threads to the disk), each client address may have at most `perAddress`
 * checks running or waiting, and at most `queue` wait in all. Past either limit the check is
 * refused at once with 429, before any work is queued: unknown names still cost a full hash
 * (timing does not reveal which accounts exist), but never unbounded work.
 */
export interface PasswordPoolOptions {
  /** hashes running at once; default 2 */
  concurrency?: number;
  /** checks running or waiting per client address; default 4 */
  perAddress?: number;
  /** checks waiting for a slot, all addresses together; default 64 */
  queue?: number;
  /**
   * Awaited when a check has its slot, before hashing (tests use it to hold checks and force an
   * interleaving). Gets the account name.
   */
  gate?: (name: string) => Promise<void>;
}

export class PasswordPool {
  readonly concurrency: number;
  readonly perAddress: number;
  readonly queueLimit: number;
  private readonly gate?: (name: string) => Promise<void>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly byAddress = new Map<string, number>();
  /** the most hashes that ever ran at once (for tests and the benchmark) */
  peak = 0;

  constructor(opts: PasswordPoolOptions = {}) {
    this.concurrency = opts.concurrency ?? 2;
    this.perAddress = opts.perAddress ?? 4;
    this.queueLimit = opts.queue ?? 64;
    this.gate = opts.gate;
  }

  /**
   * Throws 429 when `ip` may not start another check now. Call it synchronously right before
   * `run`, so nothing (not even a failure count) happens for a refused check.
   */
  admit(ip: string): void {
    if ((this.byAddress.get(ip) ?? 0) >= this.perAddress) {
      throw new CoreError('rate_limited', 'Too many password checks from your address at once. Wait for them to finish, then try again.', { retryAfter: 1 });
    }
    if (this.running >= this.concurrency && this.waiting.length >= this.queueLimit) {
      throw new CoreError('rate_limited', 'The registry is busy checking passwords. Try again in a few seconds.', { retryAfter: 1 });
    }
  }

  /** Runs `fn` (a hash or a verification) in a slot, counted against `ip`. */
  async run<T>(ip: string, name: string, fn: () => Promise<T>): Promise<T> {
    this.admit(ip);
    this.byAddress.set(ip, (this.byAddress.get(ip) ?? 0) + 1);
    try {
      // A finished check hands its slot straight to the next waiter, so `running` never overshoots.
      if (this.running < this.concurrency) this.running++;
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.peak = Math.max(this.peak, this.running);
      try {
        if (this.gate) await this.gate(name);
        return await fn();
      } finally {
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    } finally {
      const n = this.byAddress.get(ip)! - 1;
      if (n === 0) this.byAddress.delete(ip);
      else this.byAddress.set(ip, n);
    }
  }
}
