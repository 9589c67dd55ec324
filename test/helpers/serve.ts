import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './fixtures.js';

/** A `orgctl registry serve` child process, spawned from the built CLI. */
export interface ServeProcess {
  child: ChildProcess;
  /** the first stdout line */
  url: string;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns `node bin/orgctl.js registry serve ...args` and waits for the URL line. Rejects with
 * the output if the process exits first (for the error-path tests use `runServe`).
 */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'orgctl.js'), 'registry', 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not print its URL in 15 s\nstdout: ${out}\nstderr: ${err}`));
    }, 15_000);
    const onData = () => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        child,
        url: out.slice(0, nl),
        stdout: () => out,
        stderr: () => err,
        exited,
        stop: (signal: NodeJS.Signals = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing a URL\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Runs `registry serve` expecting it to exit on its own (bad seed, bad store...). */
export function runServe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'orgctl.js'), 'registry', 'serve', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
