import type { IO } from './io.js';

/**
 * Writes `data` as the only thing on stdout: pretty-printed for people at a terminal, one compact
 * line when piped (easier for line-based tools, still valid JSON).
 */
export function writeJson(io: Pick<IO, 'out' | 'isStdoutTTY'>, data: unknown): void {
  io.out(`${io.isStdoutTTY ? JSON.stringify(data, null, 2) : JSON.stringify(data)}\n`);
}
