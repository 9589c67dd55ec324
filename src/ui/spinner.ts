import type { IO } from './io.js';

export interface Spinner {
  /** Replace the text while it spins. */
  update(text: string): void;
  /** Stop and clear the spinner line (messages are printed by the caller). */
  stop(): void;
}

const NOOP: Spinner = { update() {}, stop() {} };

/**
 * A spinner on stderr, only when stderr is a TTY and not under CI (`io.progressEnabled()`).
 * Otherwise nothing is drawn at all, so logs stay clean. ora is imported only when it will spin.
 */
export async function startSpinner(io: IO, text: string): Promise<Spinner> {
  if (!io.progressEnabled()) return NOOP;
  const { default: ora } = await import('ora');
  const s = ora({ text, stream: io.stderr, isEnabled: true, color: io.stderrColor ? 'cyan' : false, discardStdin: false }).start();
  return {
    update: (t) => void (s.text = t),
    stop: () => void s.stop(),
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
