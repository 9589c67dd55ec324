/**
 * Job: run the built CLI (`node bin/orgctl.js …`; `npm test` builds dist first) as a separate
 * process, in an isolated environment: its own HOME, config folder and npm userconfig in a temp
 * tree, and no ORGCTL_*, npm_config_*, proxy or colour variable of the test run leaks in.
 *
 *   await runCli(args, opts)   -> { code, stdout, stderr }    runs to the end (killed after timeoutMs)
 *   const p = spawnCli(args, opts)                                    in the background:
 *        p.child, p.stdout(), p.stderr(), p.exited (-> the same result), p.stop(signal = 'SIGTERM')
 *   const s = ptyCli(args, opts)                                      on a pseudo-terminal (pty.ts):
 *        await s.expect(/Password:/); s.sendLine('…'); const { code, output } = await s.wait();
 *        (also `cols`, `rows`, and `stdoutTo` / `stderrTo`: that stream to a file, the other on the terminal)
 *
 * Options: `env` (extra variables; undefined removes one), `input` (written to stdin, then closed;
 * stdin is a pipe, never a TTY, except under ptyCli), `dirs` (reuse a temp tree across runs, e.g.
 * login then whoami), `cwd`, `timeoutMs`, `onStderr` (each chunk as it comes), `nodeArgs` (before
 * the script, e.g. ['--import', tracer]) and `script` (another Node entry point run the same way,
 * e.g. scripts/demo.mjs), `readerGone` (stdout a pipe whose reader has left: `orgctl … | head`).
 * `registry serve` has its wrapper in serve.ts (URL line, test clock).
 * The CLI in-process is main.ts's job. `runTool(cmd, args, cwd)` runs another program (npm pack, tar).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';
import { spawnPty, type PtyOptions, type PtySession } from './pty.js';

export const CLI = join(ROOT, 'bin', 'orgctl.js');

export interface CliResult {
  /** the exit code, or null when a signal ended the process (then see `child.signalCode`) */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface IsolatedDirs {
  root: string;
  home: string;
  configDir: string;
  /** The npm user config the CLI sees (npm_config_userconfig); not created. */
  userNpmrc: string;
  /** A working directory with its own package.json-free tree. */
  cwd: string;
}

/** A fresh temp tree: HOME, ORGCTL_CONFIG_DIR and a working directory, all inside one folder. */
export function isolatedDirs(prefix = 'orgctl-test-'): IsolatedDirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const home = join(root, 'home');
  const cwd = join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  return { root, home, configDir: join(root, 'config', 'orgctl'), userNpmrc: join(home, '.npmrc'), cwd };
}

/** The environment a spawned CLI gets: nothing from ORGCTL_*, npm_config_* or proxies leaks in. */
export function isolatedEnv(dirs: IsolatedDirs, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(ORGCTL_|npm_config_|NPM_CONFIG_|XDG_CONFIG_HOME$|NO_COLOR$|FORCE_COLOR$)/i.test(k)) continue;
    if (/^(https?|no|all)_proxy$/i.test(k)) continue;
    env[k] = v;
  }
  const out: NodeJS.ProcessEnv = {
    ...env,
    HOME: dirs.home,
    USERPROFILE: dirs.home,
    ORGCTL_CONFIG_DIR: dirs.configDir,
    npm_config_userconfig: dirs.userNpmrc,
    NO_COLOR: '1',
    CI: '1',
    ...extra,
  };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

export interface RunCliOptions {
  /** Extra or overriding environment variables (set a key to undefined to remove it). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. stdin is always a pipe (never a TTY). */
  input?: string;
  /** Reuse a temp tree across runs (e.g. login then whoami); a fresh one otherwise, removed at the exit. */
  dirs?: IsolatedDirs;
  /** the working directory (default: the temp tree's) */
  cwd?: string;
  /** Kill the process after this long (runCli: default 20 s, so a hung prompt fails the test; spawnCli: none). */
  timeoutMs?: number;
  /** Called with each stderr chunk as it arrives (e.g. to read a login URL while the CLI polls). */
  onStderr?: (chunk: string) => void;
  /** Node options before the script (e.g. ['--import', file]). */
  nodeArgs?: string[];
  /** The script to run (default: bin/orgctl.js). */
  script?: string;
  /** stdout is a pipe nobody reads any more (its read end closed before the start): every write fails with EPIPE. */
  readerGone?: boolean;
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** stdout so far */
  stdout(): string;
  /** stderr so far */
  stderr(): string;
  /** resolves when the process has exited and its output is read */
  exited: Promise<CliResult>;
  /** sends `signal` (if still running) and waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/** Spawns the built CLI in the background (see the top of this file). */
export function spawnCli(args: string[], opts: RunCliOptions = {}): CliProcess {
  const dirs = opts.dirs ?? isolatedDirs();
  const argv = [...(opts.nodeArgs ?? []), opts.script ?? CLI, ...args];
  // A reader that left (`orgctl … | head`): stdout is a pipe whose read end is closed before the
  // CLI starts, so its first write fails with EPIPE every time. Python makes the pipe.
  const [file, fileArgs] = opts.readerGone
    ? ['python3', ['-c', 'import os,subprocess,sys\nr,w=os.pipe()\nos.close(r)\nsys.exit(subprocess.call(sys.argv[1:],stdout=w))', process.execPath, ...argv]]
    : [process.execPath, argv];
  const child = spawn(file, fileArgs, { cwd: opts.cwd ?? dirs.cwd, env: isolatedEnv(dirs, opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    opts.onStderr?.(c);
  });
  child.stdin.on('error', () => {
    /* the process may exit before reading its input */
  });
  child.stdin.end(opts.input ?? '');
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!opts.dirs) rmSync(dirs.root, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs another program (npm, tar, bash) to completion; resolves with its stdout+stderr, rejects with them when it fails. */
export function runTool(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/** Runs the built CLI to the end (see the top of this file). */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return spawnCli(args, { ...opts, timeoutMs: opts.timeoutMs ?? 20_000 }).exited;
}

/** The built CLI on a pseudo-terminal (stdin and stdout are TTYs, so it prompts). */
export interface PtyCliOptions extends Omit<RunCliOptions, 'input' | 'onStderr'>, Pick<PtyOptions, 'expectTimeoutMs' | 'cols' | 'rows'> {
  /** Send stdout to this file instead of the terminal (stderr stays on it). */
  stdoutTo?: string;
  /** Send stderr to this file instead of the terminal (stdout stays on it). */
  stderrTo?: string;
}

export function ptyCli(args: string[], opts: PtyCliOptions = {}): PtySession {
  const dirs = opts.dirs ?? isolatedDirs();
  const command = [process.execPath, ...(opts.nodeArgs ?? []), opts.script ?? CLI, ...args];
  // A redirected stream goes through sh; the other stays on the terminal (/dev/stdout, /dev/stderr).
  const redirected = opts.stdoutTo !== undefined || opts.stderrTo !== undefined;
  const [file, argv] = redirected
    ? ['/bin/sh', ['-c', 'o=$1 e=$2; shift 2; exec "$@" >"${o:-/dev/stdout}" 2>"${e:-/dev/stderr}"', 'sh', opts.stdoutTo ?? '', opts.stderrTo ?? '', ...command]]
    : [command[0]!, command.slice(1)];
  const session = spawnPty(file, argv, {
    env: isolatedEnv(dirs, opts.env),
    cwd: opts.cwd ?? dirs.cwd,
    timeoutMs: opts.timeoutMs,
    expectTimeoutMs: opts.expectTimeoutMs,
    cols: opts.cols,
    rows: opts.rows,
  });
  if (!opts.dirs) void session.wait().then(() => rmSync(dirs.root, { recursive: true, force: true }));
  return session;
}
