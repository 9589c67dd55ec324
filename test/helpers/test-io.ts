/**
 * Job: the IO of a command run in-process (unit tests of the run functions): buffers for stdout
 * and stderr, stdin text or an open pipe, TTY flags (all false unless asked).
 *
 *   const io = testIO({ stdin: 'secret\n', env: { ORGCTL_REGISTRY: url } }); io.stdoutText()
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import type { IO } from '../../src/ui/io.js';

export interface TestIOOptions {
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  color?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Text served on stdin (then EOF). Without it stdin is an open PassThrough tests can write to. */
  stdin?: string;
}

export interface TestIO extends IO {
  stdoutText(): string;
  stderrText(): string;
  /** The writable end of stdin, when no `stdin` text was given. */
  stdinWriter?: PassThrough;
}

function sink(chunks: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
}

/**
 * A buffer-backed IO. Every TTY flag defaults to false, so a test that forgets to ask for a TTY
 * takes the non-interactive path (an error or `--yes`) instead of hanging on a prompt.
 */
export function testIO(opts: TestIOOptions = {}): TestIO {
  const out: string[] = [];
  const err: string[] = [];
  const stdinWriter = opts.stdin === undefined ? new PassThrough() : undefined;
  const stdin = opts.stdin === undefined ? stdinWriter! : Readable.from([opts.stdin]);
  const env = opts.env ?? {};
  const isStdinTTY = !!opts.stdinTTY;
  const isStdoutTTY = !!opts.stdoutTTY;
  const isStderrTTY = !!opts.stderrTTY;
  return {
    stdin,
    stdout: sink(out),
    stderr: sink(err),
    env,
    cwd: opts.cwd ?? process.cwd(),
    isStdinTTY,
    isStdoutTTY,
    isStderrTTY,
    colorEnabled: !!opts.color,
    stderrColor: !!opts.color,
    canPrompt: () => isStdinTTY && isStdoutTTY,
    progressEnabled: () => isStderrTTY && !env.CI,
    textWidth: () => undefined,
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
    stdinWriter,
  };
}
