import type { ChalkInstance } from 'chalk';
import { CancelError, UsageError } from '../errors.js';
import type { IO } from './io.js';
import { normalizeOtp } from '../shared/names.js';

/** Every question orgctl asks goes through this interface, so run functions get a fake in tests. */
export interface Prompter {
  /** `unjudged`: the answer is checked after the prompt (a typed confirmation), so it is not marked with a ✔ when done. */
  input(message: string, opts?: { validate?: (v: string) => true | string; default?: string; unjudged?: boolean }): Promise<string>;
  /** Masked input. */
  password(message: string): Promise<string>;
  /** A one-time password or recovery code; whitespace removed. */
  otp(message?: string): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

/** The OTP prompt's check: the shared rule (normalizeOtp). */
export function validateOtp(v: string): true | string {
  return normalizeOtp(v) !== null || 'Enter the code from your authenticator app, or a recovery code.';
}

/**
 * The prompts' theme, coloured only when stderr (where they draw) gets colour. Inquirer's own
 * theme colours through node:util's styleText, which decides from process.stdout and the
 * environment: it knows neither --no-color nor where the prompt is drawn (`2>err.log`). `c` is
 * a chalk instance at stderr's colour level (0: none).
 */
export function promptTheme(c: ChalkInstance) {
  return {
    prefix: { idle: c.blue('?'), done: c.green('✔') },
    spinner: { interval: 80, frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'].map((f) => c.yellow(f)) },
    style: {
      answer: (t: string) => c.cyan(t),
      message: (t: string) => c.bold(t),
      error: (t: string) => c.red(`> ${t}`),
      defaultAnswer: (t: string) => c.dim(`(${t})`),
      help: (t: string) => c.dim(t),
      highlight: (t: string) => c.cyan(t),
      key: (t: string) => c.cyan(c.bold(`<${t}>`)),
      keysHelpTip: (keys: [string, string][]) => keys.map(([k, a]) => `${c.bold(k)} ${c.dim(a)}`).join(c.dim(' • ')),
      // inquirer's rule: `y/N` style hints are capitalized, others (`(Y/n)`) coloured
      confirmDefault: (t: string) => ((t[0] ?? '').toLowerCase() === (t[0] ?? '').toUpperCase() ? c.cyan(t) : t.charAt(0).toUpperCase() + t.slice(1)),
    },
  };
}

/**
 * The real prompter: @inquirer/prompts, loaded on first use, reading `io.stdin` and drawing on
 * `io.stderr` so stdout stays clean for data. Refuses to ask when stdin and stdout are not TTYs,
 * and turns Ctrl-C / end of input into a CancelError (exit 3).
 */
export function inquirerPrompter(io: IO): Prompter {
  const context = () => ({ input: io.stdin as NodeJS.ReadStream, output: io.stderr as NodeJS.WriteStream, clearPromptOnDone: false });
  async function ask<T>(run: (p: typeof import('@inquirer/prompts'), theme: ReturnType<typeof promptTheme>) => Promise<T>): Promise<T> {
    if (!io.canPrompt()) throw new UsageError('cannot prompt: stdin and stdout are not both terminals.');
    const prompts = await import('@inquirer/prompts');
    // chalk, like the prompts, is loaded on the first question only (startup budget)
    const { Chalk } = await import('chalk');
    const theme = promptTheme(new Chalk({ level: io.stderrColor ? 1 : 0 }));
    try {
      return await run(prompts, theme);
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new CancelError();
      throw err;
    }
  }
  return {
    input: (message, opts) =>
      ask((p, theme) =>
        p.input(
          { message, default: opts?.default, validate: opts?.validate, required: true, theme: opts?.unjudged ? { ...theme, prefix: { idle: theme.prefix.idle, done: '?' } } : theme },
          context(),
        ),
      ),
    password: (message) => ask((p, theme) => p.password({ message, mask: '*', theme }, context())),
    otp: async (message = 'This operation requires a one-time password.\nEnter OTP:') =>
      (await ask((p, theme) => p.input({ message, validate: validateOtp, required: true, theme }, context()))).replace(/\s+/g, ''),
    confirm: (message, defaultValue) => ask((p, theme) => p.confirm({ message, default: defaultValue, theme }, context())),
  };
}
