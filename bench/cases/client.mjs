// The client cases: orgctl against the real npm CLI on the reference registry (issue 8), and the
// roster under load at 100 / 1,000 / 10,000 members.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONCURRENCY, ENFORCE_RUNS, LOAD_SECONDS, NODE, RUNS, STARTUP_RUNS, TMP, WARMUP, budget, jsonOf, log, must, only, r1, r2, results, rows, summary } from '../lib/common.mjs';
import { cpuMs, getJson, load, storeFingerprint } from '../lib/http.mjs';
import { ORGCTL_HOME, cleanEnv, compare, exec, npm, orgctl, startRegistry } from '../lib/proc.mjs';
import { ENFORCE_SEED, INVITES, OWNER, READ_SEED, SECRET, invitee } from '../lib/seed.mjs';

const { totpAt } = await import(new URL('../../dist/server/core/totp.js', import.meta.url).href);
export const otp = () => totpAt(SECRET, Date.now());

export function startup() {
  log('startup …');
  const r = compare(
    { 'node -e 0': { cmd: [NODE, '-e', '0'], env: cleanEnv(), cwd: ORGCTL_HOME }, 'orgctl --version': orgctl(['--version']), 'npm --version': npm(['--version']), 'orgctl --help': orgctl(['--help']) },
    { runs: STARTUP_RUNS, check: (n, x) => n === 'orgctl --version' && must(/^\d+\.\d+\.\d+/.test(x.stdout), '--version prints the version') },
  );
  results.cases.startup = r;
  rows.push(['node -e 0', r['node -e 0'], null]);
  rows.push(['--version', r['orgctl --version'], r['npm --version']]);
  rows.push(['--help (npm: --version)', r['orgctl --help'], r['npm --version']]);
  const ratio = r['orgctl --version'].median / r['node -e 0'].median;
  budget('orgctl --version <= 1.4x node -e 0', ratio <= 1.4, `${r['orgctl --version'].median} ms vs ${r['node -e 0'].median} ms = ${r2(ratio)}x`);
}

/** whoami, ls, status, server and invite share one registry seeded with READ_SEED. */
export async function onReadRegistry() {
  if (!['whoami', 'ls', 'status', 'invite', 'server'].some((c) => only.has(c))) return;
  const seedFile = join(TMP, 'read-seed.json');
  writeFileSync(seedFile, JSON.stringify(READ_SEED));
  const reg = await startRegistry({ dataDir: join(TMP, 'read-data'), seedFile });
  log(`registry up at ${reg.url} (${READ_SEED.users.length} users, seeded in ${Math.round(reg.ms)} ms)`);
  try {
    if (only.has('whoami')) whoami(reg);
    if (only.has('ls')) ls(reg);
    if (only.has('status')) status(reg);
    if (only.has('server')) await server(reg);
    if (only.has('invite')) invite(reg);
  } finally {
    await reg.stop();
  }
}

function whoami(reg) {
  log('whoami …');
  const r = compare({ orgctl: orgctl(['whoami'], reg.url), npm: npm(['whoami'], reg.url) }, { check: (n, x) => must(x.stdout.trim() === OWNER, `${n} whoami prints ${OWNER}`) });
  results.cases.whoami = r;
  rows.push(['whoami', r.orgctl, r.npm]);
  const ratio = r.orgctl.median / r.npm.median;
  budget('orgctl whoami <= 0.8x npm whoami', ratio <= 0.8, `${r.orgctl.median} ms vs ${r.npm.median} ms = ${r2(ratio)}x`);
}

/** `org ls <o> --json` lists `n` members (orgctl: an object; npm: an object too). */
export const listsMembers = (o, n) => (name, x) => {
  const j = jsonOf(x);
  must((Array.isArray(j) ? j.length : Object.keys(j).length) === n, `${name} org ls ${o} lists ${n} members`);
};

function ls(reg) {
  for (const [o, n] of [['small', 100], ['big', 10_000]]) {
    log(`org ls ${n} …`);
    const r = compare({ orgctl: orgctl(['org', 'ls', o, '--json'], reg.url), npm: npm(['org', 'ls', o, '--json'], reg.url) }, { rssRuns: 3, check: listsMembers(o, n) });
    results.cases[`ls${n}`] = r;
    rows.push([`org ls --json, ${n.toLocaleString('en')} members`, r.orgctl, r.npm]);
    if (n === 10_000) {
      const t = r.orgctl.median / r.npm.median;
      const m = r.orgctl.rssMiB / r.npm.rssMiB;
      budget('org ls 10,000: time <= 0.5x npm', t <= 0.5, `${r.orgctl.median} ms vs ${r.npm.median} ms = ${r2(t)}x`);
      budget('org ls 10,000: peak RSS <= 0.7x npm', m <= 0.7, `${r.orgctl.rssMiB} MiB vs ${r.npm.rssMiB} MiB = ${r2(m)}x`);
    }
  }
}

function status(reg) {
  log('org 2fa status 10,000 …');
  const r = compare(
    { orgctl: orgctl(['org', '2fa', 'status', 'big', '--json'], reg.url) },
    { check: (_, x) => must(jsonOf(x).members === 10_000 && jsonOf(x).withoutTwoFactor.length === 5000, 'status counts 10,000 members, 5,000 without 2FA') },
  );
  results.cases.status = r;
  rows.push(['org 2fa status --json, 10,000', r.orgctl, null]);
}

async function server(reg) {
  log(`server: GET /-/org/:org/user, ${CONCURRENCY} connections, ${LOAD_SECONDS} s per size …`);
  const before = storeFingerprint(reg.dataDir);
  const sizes = [];
  for (const [o, n] of [['small', 100], ['mid', 1000], ['big', 10_000]]) {
    await load(reg.url, `/-/org/${o}/user`, { seconds: 1, connections: CONCURRENCY }); // warm-up
    const c0 = cpuMs(reg.pid);
    const l = await load(reg.url, `/-/org/${o}/user`, { seconds: LOAD_SECONDS, connections: CONCURRENCY });
    const c1 = cpuMs(reg.pid);
    must(l.errors === 0, `no errors under load (${l.errors})`);
    const cpuPerReq = c0 === null ? null : (c1 - c0) / l.requests;
    sizes.push({
      org: o,
      members: n,
      requests: l.requests,
      rps: l.rps,
      medianLatencyMs: r2(l.p50),
      serverCpuMsPerRequest: cpuPerReq === null ? null : Math.round(cpuPerReq * 1000) / 1000,
      responseKiB: r1(l.bytesPerRequest / 1024),
    });
  }
  const storeUnchanged = storeFingerprint(reg.dataDir) === before;
  results.cases.server = { concurrency: CONCURRENCY, seconds: LOAD_SECONDS, sizes, storeUnchangedByReads: storeUnchanged };
  const [a, b, c] = sizes;
  const costOf = (s) => s.serverCpuMsPerRequest ?? 1000 / s.rps;
  const growth = costOf(c) / costOf(b);
  budget(
    'server: cost grows about linearly (10,000 vs 1,000 members <= 12x per request), no store writes on reads',
    growth <= 12 && storeUnchanged,
    `CPU per request ${costOf(a)} / ${costOf(b)} / ${costOf(c)} ms at 100 / 1,000 / 10,000 members (10,000 vs 1,000: ${r2(growth)}x); store files ${storeUnchanged ? 'unchanged' : 'CHANGED'} by ${sizes.reduce((s, x) => s + x.requests, 0)} reads`,
  );
}

function invite(reg) {
  log('org invite --from-file 1,000 …');
  const file = join(TMP, 'invite.csv');
  writeFileSync(file, `# ${INVITES} users\n${Array.from({ length: INVITES }, (_, i) => `${invitee(i)}${i % 10 === 0 ? ',admin' : ''}`).join('\n')}\n`);
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const x = exec(orgctl(['org', 'invite', `inv${i}`, '--from-file', file, '--otp', otp(), '--json'], reg.url));
    const j = jsonOf(x);
    must(j.invited.length === INVITES && j.failed.length === 0, `invite reports ${INVITES} invited, none failed (got ${j.invited.length}/${j.failed.length})`);
    if (i >= WARMUP) samples.push(x.ms);
  }
  const r = { orgctl: summary(samples) };
  results.cases.invite = r;
  rows.push(['org invite --from-file, 1,000 users', r.orgctl, null]);
  budget('org invite 1,000 users < 3 s', r.orgctl.median < 3000, `${r.orgctl.median} ms, every user reported (1,000 invited)`);
}

export async function enforce() {
  log('org 2fa enforce 10,000 (5,000 removed), a fresh registry each run …');
  const seedFile = join(TMP, 'enforce-seed.json');
  writeFileSync(seedFile, JSON.stringify(ENFORCE_SEED));
  const samples = [];
  let durable = null;
  const total = 1 + ENFORCE_RUNS;
  for (let i = 0; i < total; i++) {
    const dataDir = join(TMP, `enforce-${i}`);
    const reg = await startRegistry({ dataDir, seedFile });
    let x;
    try {
      x = exec(orgctl(['org', '2fa', 'enforce', 'ent', '--yes', '--otp', otp(), '--json'], reg.url));
    } finally {
      // Kill it hard: what was acknowledged must already be on disk.
      await reg.stop(i === total - 1 ? 'SIGKILL' : 'SIGTERM');
    }
    const j = jsonOf(x);
    must(j.removed.length === 5000 && j.required === true, `enforce removes 5,000 (got ${j.removed.length})`);
    if (i >= 1) samples.push(x.ms);
    if (i === total - 1) {
      const again = await startRegistry({ dataDir });
      try {
        const s = await getJson(again.url, '/-/orgctl/v1/orgs/ent/tfa');
        durable = s.required === true && s.members === 5000 && s.withoutTwoFactor.length === 0;
      } finally {
        await again.stop();
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  const r = { orgctl: summary(samples), durableAfterKill: durable };
  results.cases.enforce = r;
  rows.push(['org 2fa enforce --yes, 10,000 (5,000 removed)', r.orgctl, null]);
  budget('org 2fa enforce 10,000 (5,000 removed) < 2 s, durable', r.orgctl.median < 2000 && durable, `${r.orgctl.median} ms; after SIGKILL and restart: ${durable ? '5,000 members left, all with 2FA' : 'NOT as acknowledged'}`);
}
