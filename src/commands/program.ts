import { Command } from './commander.js';
import { UsageError } from '../errors.js';
import { commandPath } from './global-flags.js';

/**
 * commander's Command, with its usage errors in orgctl's one error style: instead of commander's
 * `error: unknown option '--jsn'` and `(Did you mean --json?)`, a UsageError (exit 2) that main
 * prints like every other error, `orgctl: unknown option '--jsn'` and one hint line naming the
 * command's help. Subcommands made with `.command()` are of this class too (createCommand).
 */
export class OrgctlCommand extends Command {
  override createCommand(name?: string): Command {
    return new OrgctlCommand(name);
  }

  override error(message: string): never {
    throw commandLineError(message, commandPath(this));
  }
}

/** commander's message (`error: …`, then suggestion lines in parentheses) as orgctl's UsageError. */
export function commandLineError(message: string, path: string): UsageError {
  const [first = '', ...more] = message.replace(/^error: /, '').split('\n');
  const suggestions = more.map((l) => l.trim().replace(/^\((.*)\)$/, '$1')).filter(Boolean);
  return new UsageError(first, [...suggestions, `Run "${path} --help" for usage.`].join(' '));
}
