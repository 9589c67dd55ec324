#!/usr/bin/env node
// orgctl against the real npm CLI, side by side, on the reference registry (issue 8).
//
//   npm run bench                      # builds, then runs every case (about 2 minutes on 2 cores)
//   node bench/run.mjs --runs 5        # fewer runs per command (default 9; startup gets 3x, enforce half)
//   node bench/run.mjs --only startup,ls,server
//
// Cases: startup, whoami, ls (org ls, 100 and 10,000 members), status (org 2fa status, 10,000),
// enforce (org 2fa enforce --yes, 10,000 members of which 5,000 lack 2FA, a fresh registry each
// run), invite (org invite --from-file, 1,000 users), server (GET /-/org/:org/user under load at
// 100, 1,000 and 10,000 members), flood (a token write's latency, quiet and under a flood of
// Basic-auth guesses with random names from 64 loopback addresses). Commands are spawned alternately (orgctl, npm, orgctl, …) after
// a warm-up; the table shows medians, orgctl/npm ratios and peak RSS, and every budget is checked.
// Writes bench/results.json (git-ignored). Loopback only; everything lives in a temp folder that
// is removed at the end. No timing is asserted by the test suite: this script is the place.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'orgctl.js');
const NODE = process.execPath;

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Math.max(3, Number(flag('runs', 9)));
const STARTUP_RUNS = RUNS * 3;
const WARMUP = 2;
// Enforcement needs a freshly seeded registry per run (about 2 s each), so it gets fewer runs.
const ENFORCE_RUNS = Math.max(3, Math.ceil(RUNS / 2));
const LOAD_SECONDS = Number(flag('load-seconds', 3));
const CONCURRENCY = 8;
const ALL = ['startup', 'whoami', 'ls', 'status', 'enforce', 'invite', 'server', 'flood'];
const only = new Set((flag('only', ALL.join(',')) ?? '').split(',').filter(Boolean));

if (!existsSync(join(ROOT, 'dist', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
  process.exit(2);
}
const { totpAt } = await import(new URL('../dist/server/core/totp.js', import.meta.url).href);

const started = Date.now();
const TMP = mkdtempSync(join(tmpdir(), 'orgctl-bench-'));
const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- seeds

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const OWNER = 'owner';
const OWNER_TOKEN = 'npm_BenchOwnerToken000000000000000001';
const pad = (n, w) => String(n).padStart(w, '0');
const member = (i) => `m${pad(i, 5)}`;
const invitee = (i) => `i${pad(i, 4)}`;
const INVITES = 1000;
const INVITE_ORGS = WARMUP + RUNS;

/** users: owner (2FA), m00000..m09998 (odd ones have 2FA), i0000..i0999 (for invitations); no passwords, so no scrypt. */
function users(withInvitees) {
  const list = [{ name: OWNER, email: 'owner@example.com', token: OWNER_TOKEN, tfa: { mode: 'auth-and-writes', secret: SECRET } }];
  for (let i = 0; i < 9999; i++) list.push({ name: member(i), email: `${member(i)}@example.com`, ...(i % 2 === 1 ? { tfa: { mode: 'auth-only', secret: SECRET } } : {}) });
  if (withInvitees) for (let i = 0; i < INVITES; i++) list.push({ name: invitee(i), email: `${invitee(i)}@example.com` });
  return list;
}

/** An org of `size` members (the owner and size-1 others), with two teams. */
function org(name, size) {
  const members = { [OWNER]: 'owner' };
  const web = [];
  const ops = [];
  for (let i = 0; i < size - 1; i++) {
    members[member(i)] = i % 50 === 0 ? 'admin' : 'developer';
    if (i % 10 === 0) web.push(member(i));
    if (i % 25 === 0) ops.push(member(i));
  }
  return { name, members, teams: { web, ops } };
}

const READ_SEED = {
  users: users(true),
  orgs: [org('small', 100), org('mid', 1000), org('big', 10_000), ...Array.from({ length: INVITE_ORGS }, (_, i) => ({ name: `inv${i}`, members: { [OWNER]: 'owner' } }))],
};
// 10,000 members: the owner and 4,999 others with 2FA, 5,000 without.
const ENFORCE_SEED = { users: users(false), orgs: [org('ent', 10_000)] };

// ---------------------------------------------------------------- processes

/** The real npm CLI: [node, npm-cli.js] when npm on PATH is a JS file (so it runs on this node), else the executable. */
function npmCommand() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = dir && join(dir, 'npm');
    if (!candidate || !existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    return real.endsWith('.js') ? [NODE, real] : [candidate];
  }
  throw new Error('npm not found on PATH');
}
const NPM = npmCommand();

/** The environment, without npm_config_* (npm run sets them) and NODE_OPTIONS, plus `extra`. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_config_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  return { ...env, ...extra };
}

const ORGCTL_HOME = join(TMP, 'orgctl-home');
const NPM_HOME = join(TMP, 'npm-home');
mkdirSync(ORGCTL_HOME);
mkdirSync(NPM_HOME);

/** orgctl as a user in CI runs it: registry and token from the environment, no stored credentials. */
function orgctl(args, url) {
  const env = cleanEnv({ HOME: ORGCTL_HOME, XDG_CONFIG_HOME: join(ORGCTL_HOME, '.config'), ORGCTL_CONFIG_DIR: join(ORGCTL_HOME, 'orgctl') });
  if (url) Object.assign(env, { ORGCTL_REGISTRY: url, ORGCTL_TOKEN: OWNER_TOKEN });
  return { cmd: [NODE, CLI, ...args], env, cwd: ORGCTL_HOME };
}

/** npm isolated from this machine's config: its own userconfig (holding the token), cache and HOME. */
function npm(args, url) {
  const npmrc = join(NPM_HOME, '.npmrc');
  const base = [
    `--userconfig=${npmrc}`,
    `--globalconfig=${join(NPM_HOME, 'global-npmrc')}`,
    `--cache=${join(NPM_HOME, 'cache')}`,
    '--fetch-retries=0',
    '--update-notifier=false',
    '--audit=false',
    '--fund=false',
    '--color=false',
    '--progress=false',
  ];
  if (url) {
    const u = new URL(url);
    writeFileSync(npmrc, `//${u.host}/:_authToken=${OWNER_TOKEN}\n`, { mode: 0o600 });
    base.push(`--registry=${url}`);
  }
  return { cmd: [...NPM, ...args, ...base], env: cleanEnv({ HOME: NPM_HOME, NO_UPDATE_NOTIFIER: '1' }), cwd: NPM_HOME };
}

const RSS_PRELOAD = join(TMP, 'rss-preload.cjs');
const RSS_FILE = join(TMP, 'rss.txt');
writeFileSync(
  RSS_PRELOAD,
  "const f = process.env.BENCH_RSS_FILE; if (f) process.on('exit', () => require('node:fs').writeFileSync(f, String(process.resourceUsage().maxRSS)));\n",
);

/**
 * Runs a command to completion and returns wall time (ms), from spawn to exit. With `rss`, the
 * node process gets a preload that records its peak RSS (KiB) on exit; those runs are not timed.
 */
function exec(c, { rss = false, expect = 0 } = {}) {
  const env = rss ? { ...c.env, NODE_OPTIONS: `--require=${RSS_PRELOAD}`, BENCH_RSS_FILE: RSS_FILE } : c.env;
  if (rss) rmSync(RSS_FILE, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.cmd[0], c.cmd.slice(1), { env, cwd: c.cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== expect) {
    throw new Error(`\`${c.cmd.slice(1).join(' ')}\` exited ${r.status} (expected ${expect})\n${r.stderr.slice(0, 2000)}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr, rssKiB: rss ? Number(readFileSync(RSS_FILE, 'utf8')) : undefined };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;
const r2 = (x) => Math.round(x * 100) / 100;

/**
 * Times named commands alternately: `warmup` untimed rounds, then `runs` timed rounds of
 * A, B, C, …; then `rssRuns` rounds with the RSS preload. `check(name, result)` validates output
 * once, on the first warm-up run.
 */
function compare(cmds, { runs = RUNS, rssRuns = 3, check } = {}) {
  const names = Object.keys(cmds);
  const out = Object.fromEntries(names.map((n) => [n, { samples: [], rss: [] }]));
  for (let w = 0; w < WARMUP; w++) {
    for (const n of names) {
      const r = exec(cmds[n]);
      if (w === 0) check?.(n, r);
    }
  }
  for (let i = 0; i < runs; i++) for (const n of names) out[n].samples.push(exec(cmds[n]).ms);
  for (let i = 0; i < rssRuns; i++) for (const n of names) out[n].rss.push(exec(cmds[n], { rss: true }).rssKiB);
  for (const n of names) {
    const o = out[n];
    o.median = r1(median(o.samples));
    o.min = r1(Math.min(...o.samples));
    o.max = r1(Math.max(...o.samples));
    o.rssMiB = o.rss.length ? r1(median(o.rss) / 1024) : null;
    o.samples = o.samples.map(r1);
  }
  return out;
}

// ---------------------------------------------------------------- the registry

let seq = 0;
/** Starts `orgctl registry serve` (durable, in its own data folder) and resolves once it prints its URL. */
function startRegistry({ dataDir, seedFile }) {
  const logFile = join(TMP, `server-${++seq}.log`);
  const errFd = openSync(logFile, 'w');
  const args = [CLI, 'registry', 'serve', '--port', '0', '--data', dataDir, ...(seedFile ? ['--seed', seedFile] : [])];
  const child = spawn(NODE, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', errFd] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onExit = (code) => reject(new Error(`registry exited ${code} before listening:\n${readFileSync(logFile, 'utf8').slice(-2000)}`));
    child.once('exit', onExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.off('exit', onExit);
      const url = buf.slice(0, nl).trim();
      resolve({
        url,
        pid: child.pid,
        dataDir,
        stop: (signal = 'SIGTERM') =>
          new Promise((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            child.once('exit', () => res());
            child.kill(signal);
          }),
      });
    });
  });
}

async function getJson(url, path) {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(path, url), { headers: { authorization: `Bearer ${OWNER_TOKEN}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
      })
      .on('error', reject);
  });
}

/** utime + stime of a process in ms (Linux /proc), or null elsewhere. */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Bounded loopback load: `concurrency` keep-alive connections, each sending requests back to back for `seconds`. */
async function load(url, path, seconds, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(path, url);
  if (target.hostname !== '127.0.0.1') throw new Error('load generator: loopback only');
  const latencies = [];
  let bytes = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get(target, { agent, headers: { authorization: `Bearer ${OWNER_TOKEN}` } }, (res) => {
        res.on('data', (d) => (bytes += d.length));
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, seconds: elapsed, bytes, latencies };
}

function storeFingerprint(dir) {
  return ['state.json', 'journal.log'].map((f) => {
    try {
      const s = statSync(join(dir, f));
      return `${f}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${f}:-`;
    }
  }).join(' ');
}

// ---------------------------------------------------------------- cases

const results = { cases: {}, budgets: [] };
const rows = [];
const budget = (name, ok, measured) => results.budgets.push({ name, pass: !!ok, measured });
const jsonOf = (r) => JSON.parse(r.stdout);

function must(cond, msg) {
  if (!cond) throw new Error(`bench: output check failed: ${msg}`);
}

async function main() {
  log(`orgctl bench: node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map(r2).join(' ')}, ${RUNS} runs per command (startup ${STARTUP_RUNS}), warm-up ${WARMUP}`);

  if (only.has('startup')) {
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

  const needsRead = ['whoami', 'ls', 'status', 'invite', 'server'].some((c) => only.has(c));
  if (needsRead) {
    const seedFile = join(TMP, 'read-seed.json');
    writeFileSync(seedFile, JSON.stringify(READ_SEED));
    const t0 = Date.now();
    const reg = await startRegistry({ dataDir: join(TMP, 'read-data'), seedFile });
    log(`registry up at ${reg.url} (${READ_SEED.users.length} users, seeded in ${Date.now() - t0} ms)`);
    try {
      if (only.has('whoami')) {
        log('whoami …');
        const r = compare(
          { orgctl: orgctl(['whoami'], reg.url), npm: npm(['whoami'], reg.url) },
          { check: (n, x) => must(x.stdout.trim() === OWNER, `${n} whoami prints ${OWNER}`) },
        );
        results.cases.whoami = r;
        rows.push(['whoami', r.orgctl, r.npm]);
        const ratio = r.orgctl.median / r.npm.median;
        budget('orgctl whoami <= 0.8x npm whoami', ratio <= 0.8, `${r.orgctl.median} ms vs ${r.npm.median} ms = ${r2(ratio)}x`);
      }
      if (only.has('ls')) {
        for (const [o, n] of [['small', 100], ['big', 10_000]]) {
          log(`org ls ${n} …`);
          const r = compare(
            { orgctl: orgctl(['org', 'ls', o, '--json'], reg.url), npm: npm(['org', 'ls', o, '--json'], reg.url) },
            {
              rssRuns: 3,
              check: (name, x) => {
                const j = jsonOf(x);
                must((Array.isArray(j) ? j.length : Object.keys(j).length) === n, `${name} org ls ${o} lists ${n} members`);
              },
            },
          );
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
      if (only.has('status')) {
        log('org 2fa status 10,000 …');
        const r = compare(
          { orgctl: orgctl(['org', '2fa', 'status', 'big', '--json'], reg.url) },
          { check: (_, x) => must(jsonOf(x).members === 10_000 && jsonOf(x).withoutTwoFactor.length === 5000, 'status counts 10,000 members, 5,000 without 2FA') },
        );
        results.cases.status = r;
        rows.push(['org 2fa status --json, 10,000', r.orgctl, null]);
      }
      if (only.has('server')) {
        log(`server: GET /-/org/:org/user, ${CONCURRENCY} connections, ${LOAD_SECONDS} s per size …`);
        const before = storeFingerprint(reg.dataDir);
        const sizes = [];
        for (const [o, n] of [['small', 100], ['mid', 1000], ['big', 10_000]]) {
          await load(reg.url, `/-/org/${o}/user`, 0.5, CONCURRENCY); // warm-up
          const c0 = cpuMs(reg.pid);
          const l = await load(reg.url, `/-/org/${o}/user`, LOAD_SECONDS, CONCURRENCY);
          const c1 = cpuMs(reg.pid);
          must(l.errors === 0, `no errors under load (${l.errors})`);
          const cpuPerReq = c0 === null ? null : (c1 - c0) / l.requests;
          sizes.push({
            org: o,
            members: n,
            requests: l.requests,
            rps: Math.round(l.requests / l.seconds),
            medianLatencyMs: r2(median(l.latencies)),
            serverCpuMsPerRequest: cpuPerReq === null ? null : Math.round(cpuPerReq * 1000) / 1000,
            responseKiB: r1(l.bytes / l.requests / 1024),
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
      if (only.has('invite')) {
        log('org invite --from-file 1,000 …');
        const file = join(TMP, 'invite.csv');
        writeFileSync(file, `# ${INVITES} users\n${Array.from({ length: INVITES }, (_, i) => `${invitee(i)}${i % 10 === 0 ? ',admin' : ''}`).join('\n')}\n`);
        let next = 0;
        const samples = [];
        for (let i = 0; i < WARMUP + RUNS; i++) {
          const o = `inv${next++}`;
          const x = exec(orgctl(['org', 'invite', o, '--from-file', file, '--otp', totpAt(SECRET, Date.now()), '--json'], reg.url));
          const j = jsonOf(x);
          must(j.invited.length === INVITES && j.failed.length === 0, `invite reports ${INVITES} invited, none failed (got ${j.invited.length}/${j.failed.length})`);
          if (i >= WARMUP) samples.push(x.ms);
        }
        const r = { orgctl: { samples: samples.map(r1), median: r1(median(samples)), min: r1(Math.min(...samples)), max: r1(Math.max(...samples)), rssMiB: null } };
        results.cases.invite = r;
        rows.push(['org invite --from-file, 1,000 users', r.orgctl, null]);
        budget('org invite 1,000 users < 3 s', r.orgctl.median < 3000, `${r.orgctl.median} ms, every user reported (1,000 invited)`);
      }
    } finally {
      await reg.stop();
    }
  }

  if (only.has('enforce')) {
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
        x = exec(orgctl(['org', '2fa', 'enforce', 'ent', '--yes', '--otp', totpAt(SECRET, Date.now()), '--json'], reg.url));
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
    const r = { orgctl: { samples: samples.map(r1), median: r1(median(samples)), min: r1(Math.min(...samples)), max: r1(Math.max(...samples)), rssMiB: null }, durableAfterKill: durable };
    results.cases.enforce = r;
    rows.push(['org 2fa enforce --yes, 10,000 (5,000 removed)', r.orgctl, null]);
    budget('org 2fa enforce 10,000 (5,000 removed) < 2 s, durable', r.orgctl.median < 2000 && durable, `${r.orgctl.median} ms; after SIGKILL and restart: ${durable ? '5,000 members left, all with 2FA' : 'NOT as acknowledged'}`);
  }

  if (only.has('flood')) {
    log('a token write, quiet and under a flood of Basic-auth guesses …');
    await flood();
  }
}

/** One request on a fresh connection from `localAddress`; resolves to its status (0 on a network error). */
function rawRequest(url, { method = 'GET', path = '/', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve) => {
    const target = new URL(path, url);
    if (target.hostname !== '127.0.0.1') throw new Error('bench: loopback only');
    const req = http.request(target, { method, headers, localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * Security round 2, finding 4: a flood of Basic-auth guesses (random names, so no per-account
 * delay applies; 64 client addresses, so the per-address budget does not stop it either) must not
 * queue durable writes behind password hashing. Budget: a token write's median latency under the
 * flood <= 10x its quiet median.
 */
async function flood() {
  const seedFile = join(TMP, 'flood-seed.json');
  const token = 'npm_BenchFloodOwnerToken0000000000001';
  writeFileSync(seedFile, JSON.stringify({ users: [{ name: 'fo', token }], orgs: [{ name: 'flood', members: { fo: 'owner' } }] }));
  const reg = await startRegistry({ dataDir: join(TMP, 'flood-data'), seedFile });
  let n = 0;
  const write = async () => {
    const t0 = performance.now();
    const status = await rawRequest(reg.url, { method: 'PUT', path: '/-/org/flood/team', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `t${++n}` }) });
    must(status === 201, `team create answered ${status}`);
    return performance.now() - t0;
  };
  const writes = async (count) => {
    const out = [];
    for (let i = 0; i < count; i++) out.push(await write());
    return out;
  };
  try {
    await writes(5);
    const quiet = await writes(30);
    let stop = false;
    let guesses = 0;
    const refused = { 401: 0, 429: 0, other: 0 };
    const attackers = Array.from({ length: 64 }, async (_, i) => {
      while (!stop) {
        const name = `rnd${i}x${guesses++}`;
        const status = await rawRequest(reg.url, { path: '/-/whoami', headers: { authorization: `Basic ${Buffer.from(`${name}:guess`).toString('base64')}` }, localAddress: `127.0.2.${i + 1}` });
        refused[status === 401 || status === 429 ? status : 'other']++;
      }
    });
    const underFlood = await writes(30);
    stop = true;
    await Promise.all(attackers);
    const q = median(quiet);
    const f = median(underFlood);
    results.cases.flood = { quietMedianMs: r1(q), floodMedianMs: r1(f), ratio: r2(f / q), guesses, answers: refused };
    rows.push(['token write, quiet', { median: r1(q), rssMiB: null }, null]);
    rows.push(['token write, under a flood of 64 Basic-auth guessers', { median: r1(f), rssMiB: null }, null]);
    budget('token write under a Basic-auth flood <= 10x its quiet latency', f / q <= 10, `${r1(f)} ms vs ${r1(q)} ms = ${r2(f / q)}x (${guesses} guesses: ${refused[401]} checked, ${refused[429]} refused at once)`);
  } finally {
    await reg.stop();
  }
}

function report() {
  const cell = (x) => (x === null || x === undefined ? '' : String(x));
  const table = [['case', 'orgctl ms', 'npm ms', 'ratio', 'orgctl RSS MiB', 'npm RSS MiB', 'RSS ratio']];
  for (const [name, a, b] of rows) {
    table.push([
      name,
      a.median,
      b?.median,
      b ? `${r2(a.median / b.median)}x` : '',
      a.rssMiB,
      b?.rssMiB,
      b && a.rssMiB && b.rssMiB ? `${r2(a.rssMiB / b.rssMiB)}x` : '',
    ].map(cell));
  }
  const server = results.cases.server;
  const md = (t) => {
    const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
    const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
    return [line(t[0]), `| ${w.map((n, i) => (i === 0 ? '-'.repeat(n) : '-'.repeat(n - 1) + ':')).join(' | ')} |`, ...t.slice(1).map(line)].join('\n');
  };
  let out = `\n${md(table)}\n`;
  if (server) {
    const t = [['GET /-/org/:org/user', 'req/s', 'median latency ms', 'server CPU ms/req', 'response KiB']];
    for (const s of server.sizes) t.push([`${s.members.toLocaleString('en')} members`, String(s.rps), String(s.medianLatencyMs), cell(s.serverCpuMsPerRequest), String(s.responseKiB)]);
    out += `\n${md(t)}\n(${server.concurrency} keep-alive connections, ${server.seconds} s per size)\n`;
  }
  out += '\nBudgets:\n';
  for (const b of results.budgets) out += `  ${b.pass ? 'PASS' : 'FAIL'}  ${b.name}: ${b.measured}\n`;
  return out;
}

let failed = null;
try {
  await main();
} catch (e) {
  failed = e;
}
const text = report();
process.stdout.write(text);
const elapsed = Math.round((Date.now() - started) / 1000);
process.stdout.write(`\nnode ${process.version}, ${cpus().length} CPUs, load average at the end ${loadavg().map(r2).join(' ')}; ${RUNS} runs per command after ${WARMUP} warm-up; ${elapsed} s in all\n`);
Object.assign(results, { date: new Date().toISOString(), node: process.version, npm: spawnSync(NPM[0], [...NPM.slice(1), '--version'], { encoding: 'utf8', env: cleanEnv() }).stdout.trim(), cpus: cpus().length, loadavg: loadavg().map(r2), runs: RUNS, warmup: WARMUP, seconds: elapsed, table: rows.map(([name, a, b]) => ({ name, orgctl: a, npm: b })) });
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
rmSync(TMP, { recursive: true, force: true });
if (failed) {
  console.error(`bench failed: ${failed.stack ?? failed}`);
  process.exit(1);
}
