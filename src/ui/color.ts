import { Chalk, type ChalkInstance } from 'chalk';
import type { IO } from './io.js';

export interface ColorScheme {
  c: ChalkInstance;
  success: string;
  failure: string;
  warning: string;
}

/**
 * A chalk instance that follows the IO's colour decision (TTY, NO_COLOR, FORCE_COLOR, --no-color)
 * instead of chalk's own detection on process.stdout. Icons fall back to plain text without colour.
 */
export function colorScheme(io: Pick<IO, 'colorEnabled'>): ColorScheme {
  const c = new Chalk({ level: io.colorEnabled ? 1 : 0 });
  return {
    c,
    success: io.colorEnabled ? c.green('✓') : '✓',
    failure: io.colorEnabled ? c.red('✗') : '✗',
    warning: io.colorEnabled ? c.yellow('!') : '!',
  };
}
