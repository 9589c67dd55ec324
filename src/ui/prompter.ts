import { CancelError, UsageError } from '../errors.js';
import type { IO } from './io.js';
import { normalizeOtp } from '../shared/names.js';
import { colorScheme } from './color.js';

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
 * The real prompter: @inquirer/prompts, loaded on first use, reading `io.stdin` and drawing on
 * `io.stderr` so stdout stays clean for data. Refuses to ask when stdin and stdout are not TTYs,
 * and turns Ctrl-C / end of input into a CancelError (exit 3).
 */
export function inquirerPrompter(io: IO): Prompter {
  const context = () => ({ input: io.stdin as NodeJS.ReadStream, output: io.stderr as NodeJS.WriteStream, clearPromptOnDone: false });
  async function ask<T>(run: (p: typeof import('@inquirer/prompts')) => Promise<T>): Promise<T> {
    if (!io.canPrompt()) throw new UsageError('cannot prompt: stdin and stdout are not both terminals.');
    const prompts = await import('@inquirer/prompts');
    try {
      return await run(prompts);
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new CancelError();
      throw err;
    }
  }
  return {
    input: (message, opts) =>
      ask((p) =>
        p.input(
          { message, default: opts?.default, validate: opts?.validate, required: true, ...(opts?.unjudged ? { theme: { prefix: { idle: colorScheme(io).c.blue('?'), done: '?' } } } : {}) },
          context(),
        ),
      ),
    password: (message) => ask((p) => p.password({ message, mask: '*' }, context())),
    otp: async (message = 'This operation requires a one-time password.\nEnter OTP:') =>
      (await ask((p) => p.input({ message, validate: validateOtp, required: true }, context()))).replace(/\s+/g, ''),
    confirm: (message, defaultValue) => ask((p) => p.confirm({ message, default: defaultValue }, context())),
  };
}
