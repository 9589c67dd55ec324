/**
 * Job: drive a command through a pseudo-terminal (run-cli.ts's ptyCli for orgctl, npm.ts's
 * npm.pty for npm), for flows that only prompt when stdin and stdout are TTYs (npm's otplease,
 * `profile enable-2fa`, legacy login).
 *
 * No native module is needed: a small Python driver (pty-driver.py, standard
 * library only) owns the pty and relays bytes over its own stdin/stdout. It
 * works when the test runner itself has no terminal and no stdin (CI).
 *
 *   const s = spawnPty('npm', ['profile', 'disable-2fa'], { env });
 *   await s.expect(/npm password:/);
 *   s.sendLine('secret');
 *   const { code, output } = await s.wait();
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));

export interface PtyOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  cols?: number;
  rows?: number;
  /** Hard limit for the whole session; the command is killed after it. Default 20 s. */
  timeoutMs?: number;
  /** Default limit for each expect(). Default 10 s. */
  expectTimeoutMs?: number;
}

export interface PtyResult {
  /** Exit code of the command (128+N for signal N, 124 on timeout). */
  code: number;
  /** Terminal output with CRLF turned into LF and ANSI escape sequences removed. */
  output: string;
  /** The raw bytes the command wrote to the terminal, as text. */
  raw: string;
  timedOut: boolean;
}

// CSI (colours, cursor moves, erase), OSC, and the two-character ESC sequences.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** CRLF → LF, ANSI sequences removed, lone CRs (line redraws) dropped. */
export function cleanTerminalOutput(raw: string): string {
  return raw.replace(ANSI, '').replace(/\r+\n/g, '\n').replace(/\r/g, '');
}

export class PtySession {
  private rawText = '';
  private cursor = 0;
  private exited: PtyResult | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly done: Promise<PtyResult>;
  private readonly expectTimeoutMs: number;
  private timedOut = false;

  constructor(command: string, args: readonly string[], opts: PtyOptions = {}) {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    this.expectTimeoutMs = opts.expectTimeoutMs ?? 10_000;
    const python = process.env.ORGCTL_TEST_PYTHON || 'python3';
    const driverArgs = [
      DRIVER,
      '--cols', String(opts.cols ?? 200),
      '--rows', String(opts.rows ?? 50),
      // The driver's own deadline is a backstop; ours below fires first.
      '--timeout', String(Math.ceil(timeoutMs / 1000) + 5),
      '--',
      command,
      ...args,
    ];
    this.child = spawn(python, driverArgs, {
      env: { ...(opts.env ?? process.env), TERM: 'xterm' },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdin.on('error', () => {
      /* the command may exit before reading what we typed */
    });
    this.child.stdout.on('data', (chunk: string) => {
      this.rawText += chunk;
      this.notify();
    });
    let driverErr = '';
    this.child.stderr.on('data', (chunk: string) => {
      driverErr += chunk;
    });

    const hardTimer = setTimeout(() => {
      this.timedOut = true;
      this.child.kill('SIGTERM');
    }, timeoutMs);

    this.done = new Promise<PtyResult>((resolve) => {
      const finish = (code: number) => {
        clearTimeout(hardTimer);
        if (driverErr) this.rawText += `\n[pty driver stderr] ${driverErr}`;
        this.exited = {
          code,
          output: cleanTerminalOutput(this.rawText),
          raw: this.rawText,
          timedOut: this.timedOut,
        };
        this.notify();
        resolve(this.exited);
      };
      this.child.on('error', (err) => {
        driverErr += `cannot start ${python}: ${err.message}`;
        finish(125);
      });
      this.child.on('close', (code, signal) => {
        finish(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 125));
      });
    });
  }

  /** The raw bytes so far, as text (for a screen model: screen.ts). */
  get raw(): string {
    return this.rawText;
  }

  /** Cleaned output so far. */
  get output(): string {
    return cleanTerminalOutput(this.rawText);
  }

  /**
   * Wait until the cleaned output, after the end of the previous match, matches
   * `re`. Rejects (with the transcript) if the command exits first or on timeout.
   */
  expect(re: RegExp, timeoutMs = this.expectTimeoutMs): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): boolean => {
        const text = this.output;
        const rest = text.slice(this.cursor);
        const m = new RegExp(re.source, re.flags.replace('g', '')).exec(rest);
        if (m) {
          this.cursor += m.index + m[0].length;
          finish();
          resolve(m);
          return true;
        }
        if (this.exited) {
          finish();
          reject(
            new Error(
              `pty: command exited (code ${this.exited.code}) before output matched ${re}\n--- transcript ---\n${text}`,
            ),
          );
          return true;
        }
        return false;
      };
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => {
        check();
      };
      if (check()) return;
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        finish();
        reject(new Error(`pty: timed out after ${timeoutMs} ms waiting for ${re}\n--- transcript ---\n${this.output}`));
      }, timeoutMs);
    });
  }

  /** Type raw text into the terminal. */
  send(text: string): void {
    if (!this.exited) this.child.stdin.write(text);
  }

  /** Type a line and press Enter. */
  sendLine(text: string): void {
    this.send(`${text}\r`);
  }

  /** Wait for the command to exit. */
  wait(): Promise<PtyResult> {
    return this.done;
  }

  /** Kill the command (idempotent). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGTERM');
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (osConstants.signals as Partial<Record<NodeJS.Signals, number>>)[signal];
}

export function spawnPty(command: string, args: readonly string[], opts: PtyOptions = {}): PtySession {
  return new PtySession(command, args, opts);
}

export interface PtyStep {
  /** Wait for this in the output… */
  expect: RegExp;
  /** …then type this line (or nothing when omitted). A function gets the match. */
  send?: string | ((match: RegExpExecArray, output: string) => string);
}

/** Run a scripted session: each step waits for its pattern, then answers. */
export async function runPty(
  command: string,
  args: readonly string[],
  steps: readonly PtyStep[],
  opts: PtyOptions = {},
): Promise<PtyResult> {
  const session = spawnPty(command, args, opts);
  try {
    for (const step of steps) {
      const m = await session.expect(step.expect);
      if (step.send !== undefined) {
        session.sendLine(typeof step.send === 'function' ? step.send(m, session.output) : step.send);
      }
    }
  } catch (err) {
    session.kill();
    await session.wait();
    throw err;
  }
  return session.wait();
}
