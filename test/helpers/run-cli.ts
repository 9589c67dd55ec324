import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';

export const CLI = join(ROOT, 'bin', 'orgctl.js');

export interface CliResult {
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
  return {
    ...env,
    HOME: dirs.home,
    USERPROFILE: dirs.home,
    ORGCTL_CONFIG_DIR: dirs.configDir,
    npm_config_userconfig: dirs.userNpmrc,
    NO_COLOR: '1',
    CI: '1',
    ...extra,
  };
}

export interface RunCliOptions {
  /** Extra or overriding environment variables (set a key to undefined to remove it). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. stdin is always a pipe (never a TTY). */
  input?: string;
  /** Reuse a temp tree across runs (e.g. login then whoami); a fresh one otherwise. */
  dirs?: IsolatedDirs;
  cwd?: string;
  /** Kill the CLI after this long (default 20 s) so a hung prompt fails the test instead of the run. */
  timeoutMs?: number;
  /** Called with each stderr chunk as it arrives (e.g. to read a login URL while the CLI polls). */
  onStderr?: (chunk: string) => void;
}

/** Spawns `node bin/orgctl.js …` (the built CLI) in an isolated environment. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const dirs = opts.dirs ?? isolatedDirs();
  const env = isolatedEnv(dirs, opts.env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? dirs.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      opts.onStderr?.(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
