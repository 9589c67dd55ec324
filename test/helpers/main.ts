/**
 * Job: run the whole CLI in-process through main(proc) (src/main.ts): fast, and argv may hold
 * what a spawned process cannot receive (a NUL). stdin is an empty, ended pipe (never a TTY);
 * `process.exit` must not be called (it throws here).
 *
 *   const r = await runMain(['whoami', '--json'], { env: { ORGCTL_REGISTRY: url }, cwd })
 *   // { code, stdout, stderr }
 *
 * The built CLI as a separate process is run-cli.ts's job.
 */
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/main.js';
import type { ProcessLike } from '../../src/ui/io.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunMainOptions {
  /** the whole environment the CLI sees (default: a HOME that does not exist, nothing else) */
  env?: NodeJS.ProcessEnv;
  /** default '/' */
  cwd?: string;
}

export async function runMain(args: string[], opts: RunMainOptions = {}): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
  const stdin = new PassThrough();
  stdin.end();
  const proc = {
    stdin,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: opts.env ?? { HOME: '/nonexistent-home' },
    argv: ['node', 'orgctl', ...args],
    cwd: () => opts.cwd ?? '/',
    exitCode: undefined as number | undefined,
    on: () => proc,
    exit: () => {
      throw new Error('process.exit must not be called');
    },
  };
  await main(proc as unknown as ProcessLike);
  return { code: proc.exitCode ?? 0, stdout, stderr };
}
