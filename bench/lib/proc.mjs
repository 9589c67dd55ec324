// Child processes: orgctl and the real npm CLI (isolated), timed runs, and servers that print their URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CLI, NODE, RUNS, TMP, WARMUP, median, r1 } from './common.mjs';

export const OWNER_TOKEN = 'npm_BenchOwnerToken000000000000000001';

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
export const NPM = npmCommand();

/** The environment, without npm_config_* (npm run sets them) and NODE_OPTIONS, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_config_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  return { ...env, ...extra };
}

export const ORGCTL_HOME = join(TMP, 'orgctl-home');
const NPM_HOME = join(TMP, 'npm-home');
mkdirSync(ORGCTL_HOME);
mkdirSync(NPM_HOME);

/** orgctl as a user in CI runs it: registry and token from the environment, no stored credentials. */
export function orgctl(args, url, token = OWNER_TOKEN) {
  const env = cleanEnv({ HOME: ORGCTL_HOME, XDG_CONFIG_HOME: join(ORGCTL_HOME, '.config'), ORGCTL_CONFIG_DIR: join(ORGCTL_HOME, 'orgctl') });
  if (url) Object.assign(env, { ORGCTL_REGISTRY: url, ORGCTL_TOKEN: token });
  return { cmd: [NODE, CLI, ...args], env, cwd: ORGCTL_HOME };
}

/** npm isolated from this machine's config: its own userconfig (holding the token), cache and HOME. */
export function npm(args, url, token = OWNER_TOKEN) {
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
    writeFileSync(npmrc, `//${u.host}/:_authToken=${token}\n`, { mode: 0o600 });
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
export function exec(c, { rss = false, expect = 0 } = {}) {
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

/**
 * Times named commands alternately: `warmup` untimed rounds, then `runs` timed rounds of
 * A, B, C, …; then `rssRuns` rounds with the RSS preload. `check(name, result)` validates output
 * once, on the first warm-up run.
 */
export function compare(cmds, { runs = RUNS, rssRuns = 3, warmup = WARMUP, check } = {}) {
  const names = Object.keys(cmds);
  const out = Object.fromEntries(names.map((n) => [n, { samples: [], rss: [] }]));
  for (let w = 0; w < warmup; w++) {
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

let seq = 0;
/**
 * Spawns `node args…` and resolves once it prints its URL (the first stdout line), with
 * { url, pid, ms (spawn to URL), stop(signal) }. Its stderr goes to a log file, shown if it dies first.
 */
export function spawnServer(args, { env = cleanEnv() } = {}) {
  const logFile = join(TMP, `server-${++seq}.log`);
  const errFd = openSync(logFile, 'w');
  const t0 = performance.now();
  const child = spawn(NODE, args, { env, stdio: ['ignore', 'pipe', errFd] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onExit = (code) => reject(new Error(`server (${args.slice(0, 2).join(' ')}) exited ${code} before listening:\n${readFileSync(logFile, 'utf8').slice(-2000)}`));
    child.once('exit', onExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      if (buf.includes('\n')) return;
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.off('exit', onExit);
      resolve({
        url: buf.slice(0, nl).trim(),
        pid: child.pid,
        ms: performance.now() - t0,
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

/** Starts `orgctl registry serve` (durable, in its own data folder) and resolves once it prints its URL. */
export async function startRegistry({ dataDir, seedFile }) {
  const args = [CLI, 'registry', 'serve', '--port', '0', '--data', dataDir, ...(seedFile ? ['--seed', seedFile] : [])];
  return { ...(await spawnServer(args)), dataDir };
}

/** npm's version, for the results */
export const npmVersion = () => spawnSync(NPM[0], [...NPM.slice(1), '--version'], { encoding: 'utf8', env: cleanEnv() }).stdout.trim();
