import { Option, type Command } from './commander.js';
import { UsageError } from '../errors.js';

/**
 * orgctl's global flags. As with npm and gh, they are accepted anywhere on the command line:
 * before, between or after the subcommands (`orgctl --registry URL org ls acme`, `orgctl org
 * --json ls acme`). Commander gives an option to the first command on the path that declares it
 * and hands everything after the first option it does not know to the subcommand; so every
 * command on every path declares these (hidden where the command does not really take the flag),
 * and before the action runs the value is moved to the command that runs (`moveGlobalFlags`).
 * A flag the running command does not take is a usage error, as it would be after it.
 */
export const GLOBAL_FLAGS = [
  { flags: '--registry <url>', key: 'registry', description: 'registry URL (default: ORGCTL_REGISTRY, then npm config)' },
  { flags: '--otp <code>', key: 'otp', description: 'one-time password from your authenticator, or a recovery code' },
  { flags: '--json', key: 'json', description: 'print only JSON on stdout' },
  { flags: '--no-color', key: 'color', description: 'disable colour on stdout, stderr and in prompts' },
] as const;

/** Global flags followed by a value, which is never a subcommand name. */
const TAKES_VALUE = new Set(['--registry', '--otp']);

/**
 * The index in `argv` of its first operand (the subcommand name, for a group), or -1. Options are
 * skipped, and so are the values of the global flags that take one.
 */
export function firstOperand(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return -1;
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}

/** Options added only so that commander accepts the flag there: not shown in that command's help. */
const borrowed = new WeakSet<Option>();

/** Declares the global flags on the program (shown in its help). */
export function addGlobalFlags(program: Command): Command {
  for (const f of GLOBAL_FLAGS) program.addOption(new Option(f.flags, f.description));
  return program;
}

/**
 * A subcommand in a list of subcommands: `ls|list <org> [user]`. Unlike commander's, it leaves out
 * `[options]` (every command has the hidden global ones; its own help lists its options), which
 * leaves room for the descriptions to wrap on a narrow terminal.
 */
export function subcommandTerm(cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const alias = cmd.aliases()[0];
  return [`${cmd.name()}${alias ? `|${alias}` : ''}`, ...args].join(' ');
}

/**
 * Declares the global flags, hidden, on every command below `program` that does not declare them
 * itself, and adds the hook that moves their values to the command that runs.
 */
export function spreadGlobalFlags(program: Command): void {
  const visit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      for (const f of GLOBAL_FLAGS) {
        const long = f.flags.split(' ')[0]!;
        if (sub.options.some((o) => o.long === long)) continue;
        const opt = new Option(f.flags, f.description).hideHelp();
        borrowed.add(opt);
        sub.addOption(opt);
      }
      visit(sub);
    }
  };
  visit(program);
  program.hook('preAction', (_program, leaf) => moveGlobalFlags(leaf));
}

/** `orgctl org ls`: the command path as typed in help and messages. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Gives the running command the global flags typed anywhere on its path (the one typed last, that
 * is deepest, wins), or refuses one it does not take (exit 2).
 */
function moveGlobalFlags(leaf: Command): void {
  for (const f of GLOBAL_FLAGS) {
    if (f.key === 'color') continue; // read from argv by main before anything is printed
    let from: Command | null = leaf;
    while (from && from.getOptionValueSource(f.key) !== 'cli') from = from.parent;
    if (!from) continue;
    const long = f.flags.split(' ')[0]!;
    const own = leaf.options.find((o) => o.long === long);
    if (!own || borrowed.has(own)) {
      throw new UsageError(`${commandPath(leaf).replace(/^orgctl /, '')} does not take ${long}`, `Run "${commandPath(leaf)} --help" for its options.`);
    }
    if (from !== leaf) leaf.setOptionValueWithSource(f.key, from.getOptionValue(f.key), 'cli');
  }
}
