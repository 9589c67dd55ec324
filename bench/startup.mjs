#!/usr/bin/env node
// Startup benchmark: `orgctl --version` against a bare `node -e 0`.
// Usage: npm run build && node bench/startup.mjs [runs]   (writes bench/results.json, git-ignored)
// Use hyperfine instead when it is installed:
//   hyperfine -w 3 -r 30 'node -e 0' 'node bin/orgctl.js --version'
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const runs = Number(process.argv[2] ?? 30);
const cli = fileURLToPath(new URL('../bin/orgctl.js', import.meta.url));
const targets = {
  'node -e 0': ['-e', '0'],
  'orgctl --version': [cli, '--version'],
  'orgctl --help': [cli, '--help'],
};

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const results = {};
for (const [name, args] of Object.entries(targets)) {
  for (let i = 0; i < 3; i++) time(args); // warm-up
  const samples = Array.from({ length: runs }, () => time(args)).sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  results[name] = { median: +median.toFixed(1), mean: +mean.toFixed(1), min: +samples[0].toFixed(1), max: +samples.at(-1).toFixed(1) };
}
const base = results['node -e 0'].median;
console.log(`node ${process.version}, ${cpus().length} CPUs, ${runs} runs each (ms)`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(18)} median ${String(r.median).padStart(6)}  mean ${String(r.mean).padStart(6)}  min ${String(r.min).padStart(6)}  (+${(r.median - base).toFixed(1)} over node)`);
}
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ node: process.version, runs, results }, null, 2) + '\n');
