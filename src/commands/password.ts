import { UsageError } from '../errors.js';
import type { IO } from '../ui/io.js';
import type { Prompter } from '../ui/prompter.js';

/** What reading a password needs: the terminal facts, a prompter, and optionally a stdin reader (tests). */
export interface PasswordDeps {
  io: Pick<IO, 'canPrompt' | 'stdin'>;
  prompter: Pick<Prompter, 'password'>;
  /** Reads all of stdin (for --password-stdin); defaults to reading `io.stdin`. */
  readStdin?: () => Promise<string>;
}

export interface PasswordSource {
  /** `--password-stdin`: read it from stdin (one trailing newline is dropped). */
  stdin: boolean;
  /** The masked prompt's text. */
  message?: string;
  /** The hint printed when there is no terminal to ask on (it should name `--password-stdin`). */
  noTtyHint: string;
  /** What the error says is missing, e.g. `login needs a password.` */
  missing: string;
}

/**
 * The password from stdin (`--password-stdin`) or from a masked prompt on a TTY. Without a TTY
 * and without the flag it fails with exit 2 and `noTtyHint`; an empty password is exit 2 too.
 */
export async function readPassword(deps: PasswordDeps, src: PasswordSource): Promise<string> {
  let password: string;
  if (src.stdin) {
    password = (await (deps.readStdin ?? (() => readAll(deps.io.stdin)))()).replace(/\r?\n$/, '');
  } else {
    if (!deps.io.canPrompt()) throw new UsageError(src.missing, src.noTtyHint);
    password = await deps.prompter.password(src.message ?? 'Password:');
  }
  if (!password) throw new UsageError('the password is empty.');
  return password;
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
