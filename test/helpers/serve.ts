/**
 * Job: start the registry as a separate process, as a user runs it: the built CLI's
 * `orgctl registry serve` (spawned through run-cli.ts, working directory the repository root so
 * seed paths like fixtures/registry/basic.json work).
 *
 *   const s = await spawnServe(['--data', dir, '--seed', BASIC], { clock, env, cwd, script })   waits for the URL line
 *        (cwd: default the repository root; script: another orgctl entry point, e.g. an unpacked tarball's)
 *        s.url, s.clock, s.stdout(), s.stderr(), s.waitForStderr(re), s.child, s.exited / s.stop(signal) -> exit code or signal name
 *   const r = await runServe(args, env)   -> { code, stdout, stderr }  for a serve that must exit on its own
 *
 * The server runs on a test clock (clock.ts's fileClock, through ORGCTL_TEST_CLOCK_FILE): `s.clock`
 * sets its time, so TOTP codes come from totp(secret, s.clock.now()) and no test waits for a step.
 * Pass the same `clock` to a restarted server to keep its time. A server still running when its
 * test ends is killed (SIGKILL) and awaited, and the clock's temp folder removed.
 */
import { afterEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileClock, type TestClock } from './clock.js';
import { ROOT } from './fixtures.js';
import { runCli, spawnCli, type CliProcess, type CliResult } from './run-cli.js';

export interface ServeProcess {
  child: CliProcess['child'];
  /** the first stdout line */
  url: string;
  /** the server's clock (file-backed) */
  clock: TestClock;
  stdout(): string;
  stderr(): string;
  /** resolves with stderr once it matches `re` (rejects after 15 s or if the server exits first) */
  waitForStderr(re: RegExp): Promise<string>;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<CliProcess>();
const clockDirs: string[] = [];
afterEach(async () => {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
  for (const d of clockDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A file clock in a temp folder removed after the test. */
function tempFileClock(): TestClock {
  const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-clock-'));
  clockDirs.push(dir);
  return fileClock(path.join(dir, 'now'));
}

/**
 * Spawns `orgctl registry serve ...args` and waits for the URL line. Rejects with the output if
 * the process exits first, or prints nothing in 15 s (for the error paths use `runServe`).
 */
export async function spawnServe(args: string[], opts: { clock?: TestClock; env?: NodeJS.ProcessEnv; cwd?: string; script?: string } = {}): Promise<ServeProcess> {
  const clock = opts.clock ?? tempFileClock();
  if (!clock.file) throw new Error('spawnServe needs a file-backed clock (fileClock)');
  const p = spawnCli(['registry', 'serve', ...args], { cwd: opts.cwd ?? ROOT, script: opts.script, env: { ORGCTL_TEST_CLOCK_FILE: clock.file, ...opts.env } });
  running.add(p);
  const exited = p.exited.then(() => {
    running.delete(p);
    return p.child.exitCode ?? p.child.signalCode ?? -1;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void p.stop('SIGKILL');
      reject(new Error(`serve did not print its URL in 15 s\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`));
    }, 15_000);
    const onData = () => {
      const nl = p.stdout().indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      p.child.stdout.off('data', onData);
      resolve(p.stdout().slice(0, nl));
    };
    p.child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing a URL\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`));
    });
  });
  return {
    child: p.child,
    url,
    clock,
    stdout: p.stdout,
    stderr: p.stderr,
    waitForStderr: (re) =>
      new Promise<string>((resolve, reject) => {
        const done = (f: () => void) => {
          clearTimeout(timer);
          p.child.stderr.off('data', check);
          f();
        };
        const check = () => {
          if (re.test(p.stderr())) done(() => resolve(p.stderr()));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`serve's stderr did not match ${re} in 15 s:\n${p.stderr()}`))), 15_000);
        p.child.stderr.on('data', check);
        void exited.then(() => done(() => (re.test(p.stderr()) ? resolve(p.stderr()) : reject(new Error(`serve exited before its stderr matched ${re}:\n${p.stderr()}`)))));
        check();
      }),
    exited,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => p.stop(signal).then(() => exited),
  };
}

/** Runs `registry serve` expecting it to exit on its own (bad seed, bad store...). */
export function runServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['registry', 'serve', ...args], { cwd: ROOT, env, timeoutMs: 15_000 });
}
