/**
 * Job: run the real npm CLI against a test registry, isolated from the developer's
 * machine: its own userconfig, globalconfig, cache and HOME in a temp dir, no
 * inherited npm_config_* variables, no retries, no colour, no update check.
 *
 *   const npm = await NpmClient.create(reg.url, { token: BOB.token });
 *   const r = await npm.run(['org', 'ls', 'acme']);   // { code, stdout, stderr }
 *   await npm.cleanup();
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnPty, type PtyOptions, type PtySession } from './pty.js';

export interface NpmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunNpmOptions {
  /** Base URL of the registry, e.g. http://127.0.0.1:PORT/ */
  registryUrl: string;
  /** Directory that holds .npmrc (the userconfig), the cache and HOME. */
  home: string;
  /** Extra environment; `undefined` values delete a variable. */
  env?: Record<string, string | undefined>;
  /** Written to npm's stdin, which is then closed. Without it stdin is closed at once. */
  input?: string;
  /** Kill npm after this long (default 30 s) so a test never hangs. */
  timeoutMs?: number;
}

/** The npm command: [executable, ...leading args]. Same node as the tests when possible. */
export function npmCommand(): [string, ...string[]] {
  const override = process.env.ORGCTL_TEST_NPM_CLI;
  if (override) return [process.execPath, override];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'npm');
    if (!existsSync(candidate)) continue;
    try {
      const real = realpathSync(candidate);
      if (real.endsWith('.js')) return [process.execPath, real];
    } catch {
      /* fall through */
    }
    return [candidate];
  }
  return ['npm'];
}

/** The environment npm runs with: the test's, minus every npm_config_* variable. */
export function npmEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_config_/i.test(k)) continue;
    env[k] = v;
  }
  env.HOME = home;
  env.NO_UPDATE_NOTIFIER = '1';
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Options every npm invocation gets. */
export function npmBaseArgs(registryUrl: string, home: string): string[] {
  return [
    `--registry=${registryUrl}`,
    `--userconfig=${join(home, '.npmrc')}`,
    `--globalconfig=${join(home, 'global-npmrc')}`,
    `--cache=${join(home, 'cache')}`,
    '--fetch-retries=0',
    '--fetch-timeout=20000',
    '--color=false',
    '--progress=false',
    '--update-notifier=false',
    '--audit=false',
    '--fund=false',
  ];
}

/** `//127.0.0.1:PORT/` for `http://127.0.0.1:PORT/`: the .npmrc key prefix for credentials. */
export function nerfDart(registryUrl: string): string {
  const u = new URL(registryUrl);
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return `//${u.host}${path}`;
}

export async function runNpm(args: readonly string[], opts: RunNpmOptions): Promise<NpmResult> {
  const child = spawnNpm(args, opts);
  return child.result;
}

export interface BackgroundNpm {
  child: ChildProcessWithoutNullStreams;
  /** stdout so far */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolve with the match once stdout matches `re` (rejects if npm exits first). */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  result: Promise<NpmResult>;
  kill(): void;
}

/** Start npm in the background with piped (non-TTY) stdio. */
export function spawnNpm(args: readonly string[], opts: RunNpmOptions): BackgroundNpm {
  const [cmd, ...lead] = npmCommand();
  const child = spawn(cmd, [...lead, ...args, ...npmBaseArgs(opts.registryUrl, opts.home)], {
    cwd: opts.home,
    env: npmEnv(opts.home, opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    stdout += c;
    for (const l of [...listeners]) l();
  });
  child.stderr.on('data', (c: string) => {
    stderr += c;
  });
  child.stdin.on('error', () => {
    /* npm may exit before reading its input */
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();

  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const result = new Promise<NpmResult>((resolve) => {
    child.on('error', (err) => {
      stderr += `\n[cannot start npm: ${err.message}]`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      for (const l of [...listeners]) l();
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });

  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    result,
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
    waitForStdout(re: RegExp, timeoutMs = 15_000) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        let t: NodeJS.Timeout | undefined;
        const check = () => {
          const m = re.exec(stdout);
          if (m) {
            done();
            resolve(m);
          } else if (exited) {
            done();
            reject(new Error(`npm exited before stdout matched ${re}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        const done = () => {
          if (t) clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        t = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        check();
      });
    },
  };
}

/** Run npm under a pseudo-terminal (stdin and stdout are TTYs, so npm prompts). */
export function spawnNpmPty(
  args: readonly string[],
  opts: Omit<RunNpmOptions, 'input'> & Pick<PtyOptions, 'expectTimeoutMs'>,
): PtySession {
  const [cmd, ...lead] = npmCommand();
  return spawnPty(cmd, [...lead, ...args, ...npmBaseArgs(opts.registryUrl, opts.home)], {
    env: npmEnv(opts.home, opts.env),
    cwd: opts.home,
    timeoutMs: opts.timeoutMs ?? 40_000,
    // generous: CI boxes are small and the npm tests run several npm processes at once
    expectTimeoutMs: opts.expectTimeoutMs ?? 20_000,
  });
}

/** Non-empty lines of a command's output (trailing whitespace trimmed). */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l !== '');
}

/** `npm error …` lines of stderr, without the prefix (log-file hints dropped). */
export function npmErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('npm error'))
    .map((l) => l.replace(/^npm error ?/, ''))
    .filter((l) => !/complete log of this run|Log files were not written/.test(l));
}

/** The `npm error code XXX` value, if any. */
export function npmErrorCode(stderr: string): string | undefined {
  return /^npm error code (\S+)/m.exec(stderr)?.[1];
}

/**
 * One npm "user": a temp directory with its own .npmrc (optionally holding a
 * token for the registry), cache and HOME.
 */
export class NpmClient {
  /** npm processes still running (killed by cleanup(), e.g. when a test fails mid-dialogue). */
  private readonly live = new Set<{ kill(): void; done: Promise<unknown> }>();

  private constructor(
    readonly registryUrl: string,
    readonly home: string,
  ) {}

  private track<T extends { kill(): void }>(proc: T, done: Promise<unknown>): T {
    const entry = { kill: () => proc.kill(), done };
    this.live.add(entry);
    void done.finally(() => this.live.delete(entry));
    return proc;
  }

  static async create(registryUrl: string, opts: { token?: string } = {}): Promise<NpmClient> {
    const home = await mkdtemp(join(tmpdir(), 'orgctl-npm-'));
    const client = new NpmClient(registryUrl, home);
    await client.setToken(opts.token);
    return client;
  }

  get userconfig(): string {
    return join(this.home, '.npmrc');
  }

  /** Replace .npmrc with just `//host:port/:_authToken=TOKEN` (or empty). */
  async setToken(token: string | undefined): Promise<void> {
    const body = token ? `${nerfDart(this.registryUrl)}:_authToken=${token}\n` : '';
    await writeFile(this.userconfig, body, { mode: 0o600 });
  }

  async npmrc(): Promise<string> {
    try {
      return await readFile(this.userconfig, 'utf8');
    } catch {
      return '';
    }
  }

  /** The token .npmrc holds for this registry, if any. */
  async token(): Promise<string | undefined> {
    const key = `${nerfDart(this.registryUrl)}:_authToken=`;
    const line = (await this.npmrc()).split('\n').find((l) => l.startsWith(key));
    return line?.slice(key.length).trim();
  }

  run(args: readonly string[], opts: Omit<RunNpmOptions, 'registryUrl' | 'home'> = {}): Promise<NpmResult> {
    return this.spawn(args, opts).result;
  }

  spawn(args: readonly string[], opts: Omit<RunNpmOptions, 'registryUrl' | 'home'> = {}): BackgroundNpm {
    const bg = spawnNpm(args, { ...opts, registryUrl: this.registryUrl, home: this.home });
    return this.track(bg, bg.result);
  }

  pty(
    args: readonly string[],
    opts: Omit<RunNpmOptions, 'registryUrl' | 'home' | 'input'> & Pick<PtyOptions, 'expectTimeoutMs'> = {},
  ): PtySession {
    const session = spawnNpmPty(args, { ...opts, registryUrl: this.registryUrl, home: this.home });
    return this.track(session, session.wait());
  }

  /** Kill what is still running, then remove the temp home. */
  async cleanup(): Promise<void> {
    const running = [...this.live];
    for (const p of running) p.kill();
    await Promise.all(running.map((p) => p.done));
    if (process.env.ORGCTL_TEST_KEEP_NPM_HOME) return;
    await rm(this.home, { recursive: true, force: true });
  }
}
