// Shared by every bench module: paths, options, the temp folder, statistics and the results.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'orgctl.js');
export const NODE = process.execPath;

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
export const RUNS = Math.max(3, Number(flag('runs', 9)));
export const STARTUP_RUNS = RUNS * 3;
export const WARMUP = 2;
// Enforcement needs a freshly seeded registry per run (about 2 s each), so it gets fewer runs.
export const ENFORCE_RUNS = Math.max(3, Math.ceil(RUNS / 2));
/** seconds of load per roster size in the `server` case */
export const LOAD_SECONDS = Number(flag('load-seconds', 3));
/** seconds of load per server in the `throughput` case (autocannon, 32 connections) */
export const THROUGHPUT_SECONDS = Number(flag('throughput-seconds', 10));
/** member counts of the `scale` case */
export const SCALE_SIZES = (flag('scale', '10000,50000,100000') ?? '').split(',').filter(Boolean).map(Number);
export const CONCURRENCY = 8;
export const ALL = ['startup', 'whoami', 'ls', 'status', 'enforce', 'invite', 'server', 'flood', 'throughput', 'scale'];
export const only = new Set((flag('only', ALL.join(',')) ?? '').split(',').filter(Boolean));
for (const c of only) {
  if (!ALL.includes(c)) {
    console.error(`bench: unknown case "${c}" in --only (cases: ${ALL.join(', ')})`);
    process.exit(2);
  }
}

if (!existsSync(join(ROOT, 'dist', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
  process.exit(2);
}

export const TMP = mkdtempSync(join(tmpdir(), 'orgctl-bench-'));
export const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- statistics

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const r1 = (x) => Math.round(x * 10) / 10;
export const r2 = (x) => Math.round(x * 100) / 100;
/** median/min/max of timed samples (ms), as the table shows them */
export const summary = (samples, rssMiB = null) => ({ samples: samples.map(r1), median: r1(median(samples)), min: r1(Math.min(...samples)), max: r1(Math.max(...samples)), rssMiB });

// ---------------------------------------------------------------- results

/** cases: JSON per case; budgets: {name, pass, measured}; rows: [name, orgctl, npm] for the client table; tables: extra markdown tables */
export const results = { cases: {}, budgets: [] };
export const rows = [];
export const tables = [];
export const budget = (name, ok, measured) => results.budgets.push({ name, pass: !!ok, measured });
export const jsonOf = (r) => JSON.parse(r.stdout);

export function must(cond, msg) {
  if (!cond) throw new Error(`bench: output check failed: ${msg}`);
}
