#!/usr/bin/env node
// orgctl against the real npm CLI, and its server against Verdaccio and the limit, side by side
// in one run (issues 8 and 22).
//
//   npm run bench                      # builds, then runs every case
//   node bench/run.mjs --runs 5        # fewer runs per command (default 9; startup gets 3x, enforce half)
//   node bench/run.mjs --only startup,ls,server
//   node bench/run.mjs --only throughput --throughput-seconds 5    # shorter load (default 10 s per server)
//   node bench/run.mjs --only scale --scale 10000,100000           # member counts (default 10000,50000,100000)
//
// Cases (bench/cases/*.mjs): startup, whoami, ls (org ls, 100 and 10,000 members), status (org 2fa
// status, 10,000), enforce (org 2fa enforce --yes, 10,000 members of which 5,000 lack 2FA, a fresh
// registry each run), invite (org invite --from-file, 1,000 users), server (GET /-/org/:org/user
// under load at 100, 1,000 and 10,000 members), flood (a token write's latency, quiet and under a
// flood of Basic-auth guesses), throughput (autocannon, 32 keep-alive connections: a packument
// from the reference registry, plain Verdaccio, Verdaccio with the plugin and a bare node:http
// server; the 10,000-member roster), scale (10k / 50k / 100k members: seed, restart, org ls,
// enforce, memory, data folder, growth ratios). Commands are spawned alternately (orgctl, npm, …)
// after a warm-up; every budget is checked (PASS/FAIL) and the exit code is 1 when one fails.
// Writes bench/results.json (git-ignored). Loopback only; everything lives in a temp folder that
// is removed at the end. No timing is asserted by the test suite: this script is the place.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { RUNS, STARTUP_RUNS, TMP, WARMUP, log, only, r2, results, rows } from './lib/common.mjs';
import { npmVersion } from './lib/proc.mjs';
import { report } from './lib/report.mjs';

const started = Date.now();

async function main() {
  log(`orgctl bench: node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map(r2).join(' ')}, ${RUNS} runs per command (startup ${STARTUP_RUNS}), warm-up ${WARMUP}`);
  const client = await import('./cases/client.mjs');
  if (only.has('startup')) client.startup();
  await client.onReadRegistry();
  if (only.has('enforce')) await client.enforce();
  if (only.has('flood')) await (await import('./cases/flood.mjs')).flood();
  if (only.has('throughput')) await (await import('./cases/throughput.mjs')).throughput();
  if (only.has('scale')) await (await import('./cases/scale.mjs')).scale();
}

let failed = null;
try {
  await main();
} catch (e) {
  failed = e;
}
process.stdout.write(report());
const elapsed = Math.round((Date.now() - started) / 1000);
process.stdout.write(`\nnode ${process.version}, ${cpus().length} CPUs, load average at the end ${loadavg().map(r2).join(' ')}; ${RUNS} runs per command after ${WARMUP} warm-up; ${elapsed} s in all\n`);
Object.assign(results, { date: new Date().toISOString(), node: process.version, npm: npmVersion(), cpus: cpus().length, loadavg: loadavg().map(r2), runs: RUNS, warmup: WARMUP, seconds: elapsed, table: rows.map(([name, a, b]) => ({ name, orgctl: a, npm: b })) });
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
rmSync(TMP, { recursive: true, force: true });
const missed = results.budgets.filter((b) => !b.pass);
if (failed) console.error(`bench failed: ${failed.stack ?? failed}`);
else if (missed.length) console.error(`bench: ${missed.length} budget(s) missed`);
process.exit(failed || missed.length ? 1 : 0);
