import { CoreError } from './errors.js';
import { DeliveryError, mailState, type Mailer, type MailState, type OutboxMessage } from './outbox.js';
import type { TypedOp } from './schema.js';
import type { CoreState } from './state.js';

/**
 * Delivery of the outbox, at least once: each pass sends the queued messages that are due, one at
 * a time, and records each outcome in the store only after the mailer answered (a crash between
 * the two sends the message again at the next start; it is never lost). A temporary failure (4xx,
 * no connection, failed login) is retried with growing delays up to `maxAttempts`; a permanent one
 * (5xx) fails at once. Delays run on the core's clock through `timers`, so tests move the clock
 * instead of waiting. docs/registry-api.md §8.3.
 */

/** Calls `fn` once the clock reaches `time` (ms since the epoch); returns a cancel function. */
export interface Timers {
  at(time: number, fn: () => void): () => void;
}

/** Real timers on a clock that may jump (tests' file clock, a suspended machine): re-checked every minute at most. */
export function realTimers(now: () => number): Timers {
  return {
    at(time, fn) {
      let handle: NodeJS.Timeout;
      const arm = () => {
        const wait = time - now();
        if (wait <= 0) return fn();
        handle = setTimeout(arm, Math.min(wait, 60_000));
        handle.unref();
      };
      handle = setTimeout(arm, 0);
      handle.unref();
      return () => clearTimeout(handle);
    },
  };
}

export interface RetryOptions {
  /** attempts before a message fails for good (default 8) */
  maxAttempts?: number;
  /** the delay after the first failure, doubled after each (default 1 minute) */
  baseMs?: number;
  /** the longest delay (default 1 hour) */
  maxMs?: number;
  /** how long sent messages stay listed (default 7 days) */
  keepSentMs?: number;
}

/** A message as `registry mail ls` shows it (no text). */
export interface MailView {
  id: string;
  kind: string | null;
  user: string;
  to: string | null;
  subject: string;
  state: MailState;
  attempts: number;
  lastError: string | null;
  nextAttempt: string | null;
  created: string;
  sentAt: string | null;
}

export class MailQueue {
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly keepSentMs: number;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private stopped = false;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly state: CoreState,
    private readonly mailer: Mailer,
    private readonly timers: Timers,
    retry: RetryOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.maxAttempts = retry.maxAttempts ?? 8;
    this.baseMs = retry.baseMs ?? 60_000;
    this.maxMs = retry.maxMs ?? 3_600_000;
    this.keepSentMs = retry.keepSentMs ?? 7 * 86_400_000;
    state.onQueued = () => void this.flush();
    state.notices = mailer.channel;
  }

  /** Where notifications go, for the start-up log (the SMTP URL without its password). */
  get description(): string {
    return this.mailer.description;
  }

  /** Whether notifications go out by email or stay in the outbox (files, memory). */
  get channel(): 'email' | 'outbox' {
    return this.mailer.channel;
  }

  /** Delivers the queued messages that are due now (one pass at a time; a call during a pass runs another after it). */
  flush(): Promise<void> {
    if (this.stopped) return this.running;
    if (this.busy) {
      this.again = true;
      return this.running;
    }
    this.busy = true;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } finally {
        this.busy = false;
      }
      this.schedule();
    })();
    return this.running;
  }

  /** Resolves once the pass under way (and those asked for during it) is over. */
  async idle(): Promise<void> {
    while (this.busy) await this.running;
  }

  /** Stops delivering: no new message is sent; waits for the one being sent, and records its outcome. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.idle();
    await this.mailer.close?.();
  }

  /** Queued, failed and undeliverable messages, and those sent recently; oldest first. */
  list(): MailView[] {
    return [...this.state.all('outbox').values()].sort(byCreated).map(view);
  }

  /**
   * Queues failed and undeliverable messages again (`id`: that one only), with their attempts
   * reset; delivered by the running server's next pass, or at the next start.
   */
  async retry(id?: string): Promise<MailView[]> {
    let msgs: OutboxMessage[];
    if (id !== undefined) {
      const m = this.state.get('outbox', id);
      if (!m) throw new CoreError('not_found', `No message ${id} in the outbox.`);
      const st = mailState(m);
      if (st !== 'failed' && st !== 'undeliverable') throw new CoreError('conflict', `Message ${id} is ${st}, not failed or undeliverable: nothing to retry.`);
      msgs = [m];
    } else {
      msgs = [...this.state.all('outbox').values()].filter((m) => mailState(m) === 'failed' || mailState(m) === 'undeliverable').sort(byCreated);
    }
    if (msgs.length === 0) return [];
    // Due at once whatever the clock of the server that delivers it (no `nextAttempt`: due since it was created).
    const ops: TypedOp[] = msgs.map((m) => ({ c: 'outbox', k: m.id, v: { ...m, state: 'queued', attempts: 0, nextAttempt: null, lastError: m.lastError ?? null } }));
    await this.state.commit(ops);
    return ops.map((o) => view(o.v as OutboxMessage));
  }

  private async pass(): Promise<void> {
    const now = this.state.now();
    const due = [...this.state.all('outbox').values()].filter((m) => mailState(m) === 'queued' && dueAt(m) <= now).sort(byCreated);
    for (const { id } of due) {
      if (this.stopped) return;
      const m = this.state.get('outbox', id);
      if (!m || mailState(m) !== 'queued') continue;
      // A message written without an address takes the user's address as it is now.
      const to = m.to ?? this.state.user(m.user)?.email ?? null;
      if (!to && this.mailer.channel === 'email') {
        const reason = `${m.user} has no email address (orgctl profile set email <address>, then registry mail retry)`;
        this.log(`mail ${m.id} to ${m.user}: undeliverable: ${reason}`);
        await this.mark(m.id, (cur) => ({ ...cur, state: 'undeliverable', nextAttempt: null, lastError: reason }));
        continue;
      }
      let failure: unknown = null;
      try {
        await this.mailer.send({ ...m, to });
      } catch (e) {
        failure = e;
      }
      // Recorded even when stopping: stop() waits for this pass before the store closes.
      if (!failure) {
        // The outbox channel (files, memory) keeps no record of what it wrote: the file is the record.
        await this.mark(m.id, (cur) => (this.mailer.channel === 'outbox' ? null : { ...cur, to, state: 'sent', attempts: (cur.attempts ?? 0) + 1, nextAttempt: null, sentAt: this.state.iso() }));
        continue;
      }
      const reason = failure instanceof Error ? failure.message : String(failure);
      const attempts = (m.attempts ?? 0) + 1;
      if ((failure instanceof DeliveryError && failure.permanent) || attempts >= this.maxAttempts) {
        this.log(`mail ${m.id} to ${m.user}: failed after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${reason}`);
        await this.mark(m.id, (cur) => ({ ...cur, state: 'failed', attempts, nextAttempt: null, lastError: reason }));
      } else {
        const next = this.state.iso(this.state.now() + Math.min(this.baseMs * 2 ** (attempts - 1), this.maxMs));
        this.log(`mail ${m.id} to ${m.user}: attempt ${attempts} failed, next at ${next}: ${reason}`);
        await this.mark(m.id, (cur) => ({ ...cur, attempts, nextAttempt: next, lastError: reason }));
      }
    }
    await this.pruneSent();
  }

  /** Records an outcome on the message as it is now (null deletes it); a failed write leaves it queued. */
  private async mark(id: string, next: (cur: OutboxMessage) => OutboxMessage | null): Promise<void> {
    const cur = this.state.get('outbox', id);
    if (!cur) return;
    try {
      await this.state.commit([{ c: 'outbox', k: id, v: next(cur) }]);
    } catch (e) {
      this.log(`mail ${id}: cannot record the delivery state (${(e as Error).message}); it stays queued`);
    }
  }

  private async pruneSent(): Promise<void> {
    const cutoff = this.state.now() - this.keepSentMs;
    const ops: TypedOp[] = [];
    for (const m of this.state.all('outbox').values()) {
      if (mailState(m) === 'sent' && Date.parse(m.sentAt ?? m.created) < cutoff) ops.push({ c: 'outbox', k: m.id, v: null });
    }
    if (ops.length) await this.state.commit(ops).catch(() => {});
  }

  /** Arms the timer for the earliest queued message not yet due. */
  private schedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.stopped) return;
    let next = Infinity;
    for (const m of this.state.all('outbox').values()) if (mailState(m) === 'queued') next = Math.min(next, dueAt(m));
    if (next === Infinity) return;
    // Not sooner than a second from now: a message whose outcome could not be recorded is still due.
    this.cancelTimer = this.timers.at(Math.max(next, this.state.now() + 1000), () => void this.flush());
  }
}

function dueAt(m: OutboxMessage): number {
  return Date.parse(m.nextAttempt ?? m.created);
}

/** Oldest first; messages of one transaction keep the order they were written in (the store's order: sort is stable). */
function byCreated(a: OutboxMessage, b: OutboxMessage): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : 0;
}

function view(m: OutboxMessage): MailView {
  const state = mailState(m);
  return {
    id: m.id,
    kind: m.kind ?? null,
    user: m.user,
    to: m.to,
    subject: m.subject,
    state,
    attempts: m.attempts ?? 0,
    lastError: m.lastError ?? null,
    nextAttempt: state === 'queued' ? (m.nextAttempt ?? m.created) : null,
    created: m.created,
    sentAt: m.sentAt ?? null,
  };
}
