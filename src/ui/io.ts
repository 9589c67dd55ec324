import { wrapText } from './wrap.js';

/**
 * The process's streams and terminal facts, injected into every command (never read from globals
 * inside a command). Tests use a buffer-backed IO (test/helpers/test-io.ts).
 */
export interface IO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isStdinTTY: boolean;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  /** Colour on stdout: stdout is a TTY, unless NO_COLOR; FORCE_COLOR forces it; --no-color disables it. */
  colorEnabled: boolean;
  /** Colour on stderr (messages, prompts, spinners): decided the same way, for stderr. */
  stderrColor: boolean;
  /** True when both stdin and stdout are TTYs: the only case in which orgctl prompts. */
  canPrompt(): boolean;
  /** Spinners: stderr is a TTY, not under CI, and not --json. */
  progressEnabled(): boolean;
  /** The terminal's width for text on that stream, or undefined when it is not a terminal. */
  textWidth(stream: 'stdout' | 'stderr'): number | undefined;
  /** Write data to stdout (prose meant for people there: `out(wrapText(s, io.textWidth('stdout')))`). */
  out(s: string): void;
  /** Write a message for people to stderr (wrapped at word boundaries to a terminal's width). */
  err(s: string): void;
}

export interface ProcessLike {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  argv: string[];
  cwd(): string;
  exitCode?: number | string | null | undefined;
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off?(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code?: number): never;
}

export function colorFromEnv(env: NodeJS.ProcessEnv, isTTY: boolean, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const columnsOf = (stream: NodeJS.WritableStream): number | undefined => (stream as { columns?: number }).columns;

export function systemIO(proc: ProcessLike, opts: { noColor?: boolean; json?: boolean } = {}): IO {
  const isStdinTTY = !!proc.stdin.isTTY;
  const isStdoutTTY = !!proc.stdout.isTTY;
  const isStderrTTY = !!proc.stderr.isTTY;
  const env = proc.env;
  return {
    stdin: proc.stdin,
    stdout: proc.stdout,
    stderr: proc.stderr,
    env,
    cwd: proc.cwd(),
    isStdinTTY,
    isStdoutTTY,
    isStderrTTY,
    colorEnabled: colorFromEnv(env, isStdoutTTY, opts.noColor),
    stderrColor: colorFromEnv(env, isStderrTTY, opts.noColor),
    canPrompt: () => isStdinTTY && isStdoutTTY,
    progressEnabled: () => isStderrTTY && !env.CI && !opts.json,
    out: (s) => void proc.stdout.write(s),
    // Read at each call: a terminal may be resized.
    textWidth: (stream) => (stream === 'stdout' ? (isStdoutTTY ? columnsOf(proc.stdout) : undefined) : isStderrTTY ? columnsOf(proc.stderr) : undefined),
    // Messages are prose: on a terminal they wrap at its width.
    err: (s) => void proc.stderr.write(isStderrTTY ? wrapText(s, columnsOf(proc.stderr)) : s),
  };
}
