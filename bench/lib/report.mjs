// The printed report: the client table, the extra tables the cases add, and the budgets.
import { r2, results, rows, tables } from './common.mjs';

const cell = (x) => (x === null || x === undefined ? '' : String(x));

/** A markdown table, columns after the first right-aligned. */
export function md(t) {
  const s = t.map((r) => r.map(cell));
  const w = s[0].map((_, i) => Math.max(3, ...s.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(s[0]), `| ${w.map((n, i) => (i === 0 ? '-'.repeat(n) : '-'.repeat(n - 1) + ':')).join(' | ')} |`, ...s.slice(1).map(line)].join('\n');
}

export function report() {
  let out = '';
  if (rows.length) {
    const table = [['case', 'orgctl ms', 'npm ms', 'ratio', 'orgctl RSS MiB', 'npm RSS MiB', 'RSS ratio']];
    for (const [name, a, b] of rows) {
      table.push([name, a.median, b?.median, b ? `${r2(a.median / b.median)}x` : '', a.rssMiB, b?.rssMiB, b && a.rssMiB && b.rssMiB ? `${r2(a.rssMiB / b.rssMiB)}x` : '']);
    }
    out += `\n${md(table)}\n`;
  }
  const server = results.cases.server;
  if (server) {
    const t = [['GET /-/org/:org/user', 'req/s', 'median latency ms', 'server CPU ms/req', 'response KiB']];
    for (const s of server.sizes) t.push([`${s.members.toLocaleString('en')} members`, s.rps, s.medianLatencyMs, s.serverCpuMsPerRequest, s.responseKiB]);
    out += `\n${md(t)}\n(${server.concurrency} keep-alive connections, ${server.seconds} s per size)\n`;
  }
  for (const { table, note } of tables) out += `\n${md(table)}\n${note ? `(${note})\n` : ''}`;
  out += '\nBudgets:\n';
  for (const b of results.budgets) out += `  ${b.pass ? 'PASS' : 'FAIL'}  ${b.name}: ${b.measured}\n`;
  return out;
}
