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
  /** Spinners: stderr is a TTY and not under CI. */
  progressEnabled(): boolean;
  /** Write data to stdout. */
  out(s: string): void;
  /** Write a message for people to stderr. */
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

export function systemIO(proc: ProcessLike, opts: { noColor?: boolean } = {}): IO {
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
    progressEnabled: () => isStderrTTY && !env.CI,
    out: (s) => void proc.stdout.write(s),
    err: (s) => void proc.stderr.write(s),
  };
}
