import { Chalk, type ChalkInstance } from 'chalk';
import type { IO } from './io.js';

export interface ColorScheme {
  c: ChalkInstance;
  success: string;
  failure: string;
  warning: string;
}

/**
 * A chalk instance for text written to `stream`, following the IO's colour decision for that
 * stream (TTY, NO_COLOR, FORCE_COLOR, --no-color) instead of chalk's own detection on
 * process.stdout: `2>err.log` gets no escape codes while stdout is a terminal, and the other way
 * round. Icons fall back to plain text without colour.
 */
export function colorScheme(io: Pick<IO, 'colorEnabled' | 'stderrColor'>, stream: 'stdout' | 'stderr'): ColorScheme {
  const on = stream === 'stdout' ? io.colorEnabled : io.stderrColor;
  const c = new Chalk({ level: on ? 1 : 0 });
  return {
    c,
    success: on ? c.green('✓') : '✓',
    failure: on ? c.red('✗') : '✗',
    warning: on ? c.yellow('!') : '!',
  };
}
