import type { IO } from './io.js';

export interface Spinner {
  /** Replace the text while it spins. */
  update(text: string): void;
  /** Stop and clear the spinner line (messages are printed by the caller). */
  stop(): void;
}

const NOOP: Spinner = { update() {}, stop() {} };

/** The streams a spinner is drawing on now: one spinner at a time per IO. */
const spinning = new WeakSet<object>();

/**
 * A spinner on stderr, only when stderr is a TTY and not under CI (`io.progressEnabled()`).
 * Otherwise nothing is drawn at all, so logs stay clean. ora is imported only when it will spin.
 */
export async function startSpinner(io: IO, text: string): Promise<Spinner> {
  if (!io.progressEnabled()) return NOOP;
  const { default: ora } = await import('ora');
  const s = ora({ text, stream: io.stderr, isEnabled: true, color: io.stderrColor ? 'cyan' : false, discardStdin: false }).start();
  spinning.add(io.stderr);
  return {
    update: (t) => void (s.text = t),
    stop: () => {
      spinning.delete(io.stderr);
      s.stop();
    },
  };
}

/** Runs `fn` under a spinner and always stops it, also on errors. */
export async function withSpinner<T>(io: IO, text: string, fn: (s: Spinner) => Promise<T>): Promise<T> {
  const s = await startSpinner(io, text);
  try {
    return await fn(s);
  } finally {
    s.stop();
  }
}

/** How long a wait lasts before it gets a spinner. */
export const SLOW_WAIT_MS = 250;

/** One-shot timers (the real ones by default; unref'd, so a pending one never delays the exit). */
export interface WaitTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: WaitTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Wraps a wait (a network request): resolves or rejects as it does. */
export type WaitWrapper = <T>(wait: Promise<T>) => Promise<T>;

export interface SlowWaitOptions {
  /** default SLOW_WAIT_MS */
  delayMs?: number;
  /** default: real timers */
  timers?: WaitTimers;
  /** default: startSpinner (ora) */
  start?: (io: IO, text: string) => Promise<Spinner>;
}

/**
 * Spinner on stderr for slow waits: once a wait has lasted `delayMs` a spinner with `text`
 * appears (only where `io.progressEnabled()`: stderr a TTY, not CI, not --json), and it is cleared
 * when no wait is left. Overlapping waits share it; none is started while another spinner (e.g.
 * the web login's) is on the same stream.
 */
export function spinnerForSlowWaits(io: IO, text: string, opts: SlowWaitOptions = {}): WaitWrapper {
  const { delayMs = SLOW_WAIT_MS, timers = REAL_TIMERS, start = startSpinner } = opts;
  let pending = 0;
  let timer: unknown;
  let spinner: Promise<Spinner> | undefined;
  const show = () => {
    timer = undefined;
    if (pending > 0 && !spinner && !spinning.has(io.stderr)) spinner = start(io, text);
  };
  return async <T>(wait: Promise<T>): Promise<T> => {
    if (!io.progressEnabled()) return wait;
    if (pending++ === 0 && !spinner) timer = timers.set(show, delayMs);
    try {
      return await wait;
    } finally {
      if (--pending === 0) {
        if (timer !== undefined) timers.clear(timer);
        timer = undefined;
        const s = spinner;
        spinner = undefined;
        if (s) (await s).stop();
      }
    }
  };
}
