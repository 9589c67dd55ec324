import { visible } from './visible.js';

/**
 * Left-aligned columns separated by two spaces, trailing spaces trimmed. Plain text, so it reads
 * the same in a terminal, a log and a test. Cells hold registry data, so every cell is shown with
 * its control characters made visible (src/ui/visible.ts).
 */
export function formatTable(rows: unknown[][], indent = ''): string {
  const cells = rows.map((row) => row.map(visible));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return cells.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd() + '\n').join('');
}
