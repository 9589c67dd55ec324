import type { IO } from './io.js';
import { escapeJsonText } from './visible.js';

/**
 * Writes `data` as the only thing on stdout: pretty-printed for people at a terminal, one compact
 * line when piped (easier for line-based tools, still valid JSON). Control and format characters
 * inside strings are `\uXXXX` escapes, so registry data cannot drive a terminal through `--json`.
 */
export function writeJson(io: Pick<IO, 'out' | 'isStdoutTTY'>, data: unknown): void {
  io.out(`${escapeJsonText(io.isStdoutTTY ? JSON.stringify(data, null, 2) : JSON.stringify(data))}\n`);
}
