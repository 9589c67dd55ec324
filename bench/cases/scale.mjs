// Scale (issue 22): orgs of 10,000, 50,000 and 100,000 members (the owner, half the others with
// 2FA, half without). For each: seed + start, restart from the data folder, `org ls --json` for
// orgctl and npm, `org 2fa enforce --yes` (half removed), the server's RSS before and after the
// enforcement and its peak, the clients' peak RSS and the data folder's size; then the growth
// ratio largest/smallest of each (linear = 10 for 100k/10k).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCALE_SIZES, TMP, budget, jsonOf, log, must, r1, r2, results, tables } from '../lib/common.mjs';
import { dirBytes, memOf } from '../lib/http.mjs';
import { compare, exec, npm, orgctl, startRegistry } from '../lib/proc.mjs';
import { scaleSeed } from '../lib/seed.mjs';
import { listsMembers, otp } from './client.mjs';

/** metric key → [label, unit, budget at 100k (or null), how the budget reads] */
const METRICS = {
  seedStartMs: ['seed + start', 'ms'],
  restartMs: ['restart from the data folder', 'ms', (v) => v < 2000, '< 2 s'],
  lsOrgctlMs: ['orgctl org ls --json', 'ms'],
  lsNpmMs: ['npm org ls --json', 'ms'],
  enforceMs: ['orgctl org 2fa enforce --yes (half removed)', 'ms', (v) => v < 2500, '< 2.5 s'],
  serverRssBeforeMiB: ['server RSS before enforce', 'MiB'],
  serverRssAfterMiB: ['server RSS after enforce', 'MiB'],
  serverRssGrowth: ['server RSS after / before enforce', 'x', (v) => v < 1.3, '< 1.3x'],
  serverPeakMiB: ['server peak RSS', 'MiB'],
  lsOrgctlPeakMiB: ['orgctl org ls peak RSS', 'MiB'],
  lsNpmPeakMiB: ['npm org ls peak RSS', 'MiB'],
  enforcePeakMiB: ['orgctl enforce peak RSS', 'MiB'],
  dataMiB: ['data folder after enforce', 'MiB'],
};
const GROWTH_LIMIT = 12;

async function one(size) {
  const seedFile = join(TMP, `scale-${size}.json`);
  writeFileSync(seedFile, JSON.stringify(scaleSeed(size)));
  const dataDir = join(TMP, `scale-${size}`);
  const m = {};
  log(`scale ${size.toLocaleString('en')}: seed + start …`);
  const first = await startRegistry({ dataDir, seedFile });
  m.seedStartMs = r1(first.ms);
  await first.stop();
  const reg = await startRegistry({ dataDir });
  m.restartMs = r1(reg.ms);
  try {
    log(`scale ${size.toLocaleString('en')}: org ls …`);
    const ls = compare({ orgctl: orgctl(['org', 'ls', 'scale', '--json'], reg.url), npm: npm(['org', 'ls', 'scale', '--json'], reg.url) }, { runs: 3, warmup: 1, rssRuns: 1, check: listsMembers('scale', size) });
    Object.assign(m, { lsOrgctlMs: ls.orgctl.median, lsNpmMs: ls.npm.median, lsOrgctlPeakMiB: ls.orgctl.rssMiB, lsNpmPeakMiB: ls.npm.rssMiB });
    log(`scale ${size.toLocaleString('en')}: enforce …`);
    m.serverRssBeforeMiB = memOf(reg.pid).rssMiB;
    const x = exec(orgctl(['org', '2fa', 'enforce', 'scale', '--yes', '--otp', otp(), '--json'], reg.url), { rss: true });
    must(jsonOf(x).removed.length === size / 2, `enforce removes ${size / 2} (got ${jsonOf(x).removed.length})`);
    const after = memOf(reg.pid);
    Object.assign(m, { enforceMs: r1(x.ms), enforcePeakMiB: r1(x.rssKiB / 1024), serverRssAfterMiB: after.rssMiB, serverPeakMiB: after.peakMiB });
    m.serverRssGrowth = m.serverRssBeforeMiB ? r2(m.serverRssAfterMiB / m.serverRssBeforeMiB) : null;
  } finally {
    await reg.stop();
  }
  m.dataMiB = r1(dirBytes(dataDir) / 1048576);
  rmSync(dataDir, { recursive: true, force: true });
  return m;
}

export async function scale() {
  const sizes = [...SCALE_SIZES].sort((a, b) => a - b);
  must(sizes.every((s) => s >= 4 && s % 2 === 0), '--scale takes even member counts');
  const bySize = {};
  for (const size of sizes) bySize[size] = await one(size);
  const lo = bySize[sizes[0]];
  const hi = bySize[sizes.at(-1)];
  const k = (n) => `${n / 1000}k`;
  const growthName = `${k(sizes.at(-1))}/${k(sizes[0])}`;
  const growth = {};
  for (const key of Object.keys(METRICS)) if (key !== 'serverRssGrowth' && lo[key] && hi[key] !== null) growth[key] = r2(hi[key] / lo[key]);
  results.cases.scale = { sizes, bySize, growth, growthOf: growthName };

  const t = [['metric', ...sizes.map(k), growthName, `budget (${k(sizes.at(-1))})`]];
  for (const [key, [label, unit, , reads]] of Object.entries(METRICS)) {
    t.push([`${label}, ${unit}`, ...sizes.map((s) => bySize[s][key]), growth[key] ?? '', [reads, key in growth ? `growth <= ${GROWTH_LIMIT}` : ''].filter(Boolean).join(', ')]);
  }
  tables.push({ table: t, note: `one registry per size; org ls: median of 3 after 1 warm-up; enforce: one run; RSS from /proc (server) and the preload (clients)` });

  const largest = k(sizes.at(-1));
  for (const [key, [label, , check, reads]] of Object.entries(METRICS)) {
    if (check) budget(`${largest}: ${label} ${reads}`, hi[key] !== null && check(hi[key]), `${hi[key]}`);
  }
  const over = Object.entries(growth).filter(([, g]) => g > GROWTH_LIMIT);
  budget(
    `every ${growthName} growth ratio <= ${GROWTH_LIMIT}`,
    over.length === 0,
    over.length ? over.map(([key, g]) => `${METRICS[key][0]} ${g}`).join('; ') : `largest ${Math.max(...Object.values(growth))} (${Object.entries(growth).sort((a, b) => b[1] - a[1])[0][0]})`,
  );
}
