/**
 * Left-aligned columns separated by two spaces, trailing spaces trimmed. Plain text, so it reads
 * the same in a terminal, a log and a test.
 */
export function formatTable(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd() + '\n').join('');
}
