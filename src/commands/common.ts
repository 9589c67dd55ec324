import { Option, type Command } from './commander.js';
import { UsageError } from '../errors.js';
import { wrapText } from '../ui/wrap.js';
import { nameProblem, normalizeOtp } from '../shared/names.js';
import type { AppDeps, Connection, ConnectOptions } from '../factory.js';

/** The flags shared by commands that talk to a registry. */
export interface RegistryFlags {
  registry?: string;
  json?: boolean;
  otp?: string;
}

export function addRegistryOption(cmd: Command): Command {
  return cmd.addOption(new Option('--registry <url>', 'registry URL (default: ORGCTL_REGISTRY, then npm config)'));
}

export function addJsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print only JSON on stdout');
}

export function addOtpOption(cmd: Command): Command {
  return cmd.option('--otp <code>', 'one-time password from your authenticator, or a recovery code');
}

/**
 * Adds prose after the command's help, wrapped at word boundaries to the help's width (the
 * terminal's, else 80) when the help is printed. Paragraphs are separated by blank lines.
 */
export function addHelpProse(cmd: Command, text: string): Command {
  return cmd.addHelpText('after', (ctx) => {
    const out = ctx.command.configureOutput();
    const width = (ctx.error ? out.getErrHelpWidth?.() : out.getOutHelpWidth?.()) ?? 80;
    return `\n${wrapText(text.trim().replace(/(?<!\n)\n(?!\n)/g, ' '), width)}`;
  });
}

/** Adds an "Examples:" block to the command's help. */
export function addExamples(cmd: Command, examples: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** Checks a user name from the command line against the shared name rules (exit 2 when invalid). */
export function checkUserName(name: string): string {
  const problem = nameProblem('user', name);
  if (problem) throw new UsageError(problem);
  return name;
}

/** Checks an `--otp` value: digits or a recovery code, spaces allowed (exit 2 when invalid). */
export function checkOtp(otp: string | undefined): string | undefined {
  if (otp === undefined) return undefined;
  const s = normalizeOtp(otp);
  if (s === null) throw new UsageError('invalid --otp value: use the code from your authenticator or a recovery code.');
  return s;
}

/** Connects, runs `fn`, and always releases the client's sockets so the process exits promptly. */
export async function withConnection<T>(
  deps: Pick<AppDeps, 'connect'>,
  opts: ConnectOptions,
  fn: (conn: Connection) => Promise<T>,
): Promise<T> {
  const conn = await deps.connect(opts);
  try {
    return await fn(conn);
  } finally {
    await conn.client.close();
  }
}
