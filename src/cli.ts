import type { Command } from 'commander';
import type { IO, ProcessLike } from './ui/io.js';
import { createDeps, type AppDeps, type DepsOverrides } from './factory.js';
import { VERSION } from './version.js';
import { addGlobalFlags, firstOperand, spreadGlobalFlags, subcommandTerm } from './commands/global-flags.js';
import { OrgctlCommand } from './commands/program.js';
import { addHelpProse } from './commands/common.js';

/** What every command registration receives. Commands pick what they need from it. */
export interface Factory {
  io: IO;
  proc: ProcessLike;
  /** Test overrides for the lazily wired dependencies (clock, prompter, token store, …). */
  deps?: DepsOverrides;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the operation failed (server refused, not found, network)
  2  usage error or invalid input
  3  cancelled by the user
  4  authentication needed (no token, token rejected, OTP needed)

Examples:
  $ orgctl login --registry https://registry.example.com/
  $ orgctl whoami --json
  $ orgctl logout`;

const MORE_HELP =
  'The global options (--registry, --otp, --json, --no-color) may come anywhere on the command line, before or after the command. ' +
  'More help: orgctl help <command> (e.g. orgctl help org 2fa enforce), orgctl help environment. Shell completion: orgctl completion bash|zsh|fish.';

type Registrar = (program: Command, deps: AppDeps, rest: readonly string[]) => unknown;

/**
 * Every top-level command, in help order, with the module that registers it. The modules are
 * imported only when needed: loading all ~60 command modules costs more than the rest of startup.
 */
const COMMANDS: [name: string, load: () => Promise<Registrar>][] = [
  ['login', async () => { const m = await import('./commands/login.js'); return (p, d) => m.registerLogin(p, d); }],
  ['whoami', async () => { const m = await import('./commands/whoami.js'); return (p, d) => m.registerWhoami(p, d); }],
  ['logout', async () => { const m = await import('./commands/logout.js'); return (p, d) => m.registerLogout(p, d); }],
  ['org', async () => { const m = await import('./commands/org/index.js'); return (p, d, rest) => m.registerOrg(p, d, rest); }],
  ['team', async () => { const m = await import('./commands/team/index.js'); return (p, d) => m.registerTeam(p, d); }],
  ['invites', async () => { const m = await import('./commands/invites/index.js'); return (p, d) => m.registerInvites(p, d); }],
  ['profile', async () => { const m = await import('./commands/profile/index.js'); return (p, d) => m.registerProfile(p, d); }],
  ['registry', async () => { const m = await import('./commands/registry/index.js'); return (p, d, rest) => m.registerRegistry(p, d, rest); }],
  ['completion', async () => { const m = await import('./commands/completion.js'); return (p, d) => m.registerCompletion(p, d); }],
  ['help', async () => { const m = await import('./commands/help.js'); return (p, d) => m.registerHelp(p, d); }],
];

/**
 * The top-level commands a command line needs registered, and the rest of the line for them. The
 * help topics (commands/help.ts) are loaded only for `help`: other commands do not pay for them.
 */
async function needed(argv: readonly string[]): Promise<{ chosen: typeof COMMANDS; rest: readonly string[] }> {
  const i = firstOperand(argv);
  const name = i < 0 ? undefined : argv[i];
  const rest = i < 0 ? [] : argv.slice(i + 1);
  const only = (n: string) => COMMANDS.filter(([c]) => c === n);
  // The completion script is made from the whole tree.
  if (name === 'completion') return { chosen: COMMANDS, rest: [] };
  // `orgctl help org 2fa enforce` needs what `orgctl org 2fa enforce` needs (a topic needs nothing).
  if (name === 'help') {
    const j = firstOperand(rest);
    const target = j < 0 ? undefined : rest[j];
    if (target !== undefined && target !== 'help' && only(target).length === 0) {
      const { HELP_TOPICS } = await import('./commands/help.js');
      if (Object.hasOwn(HELP_TOPICS, target)) return { chosen: only('help'), rest: [] };
    }
    const inner = await needed(rest);
    return { chosen: [...inner.chosen.filter(([c]) => c !== 'help'), ...only('help')], rest: inner.rest };
  }
  const named = name === undefined ? [] : only(name);
  return named.length > 0 ? { chosen: named, rest } : { chosen: COMMANDS, rest };
}

/**
 * Builds a fresh commander tree. This is the only place that lists every command; each command
 * file has a `registerX` that is the only code touching commander. When `argv` names a top-level
 * command (its first operand, after the global flags and their values), only that command is
 * registered (`needed`); otherwise (help, no command, an unknown one) all are, so help and
 * suggestions are complete.
 */
export async function buildProgram(f: Factory, argv: readonly string[] = []): Promise<Command> {
  const program = new OrgctlCommand('orgctl');
  program
    .description('Run npm-style organizations securely: 2FA enforcement, invitations, and a reference registry')
    .version(VERSION, '-v, --version', 'print the orgctl version')
    .configureOutput({
      writeOut: (s) => f.io.out(s),
      writeErr: (s) => f.io.err(s),
      getOutHasColors: () => f.io.colorEnabled,
      getErrHasColors: () => f.io.stderrColor,
      getOutHelpWidth: () => f.io.textWidth('stdout') ?? 80,
      getErrHelpWidth: () => f.io.textWidth('stderr') ?? 80,
    })
    // Subcommands inherit this (set before they are added). Descriptions wrap beside the command
    // names down to 16 columns (commander's default, 40, left group helps unwrapped at 80).
    .configureHelp({ subcommandTerm, minWidthToWrap: 16 })
    .addHelpText('after', EXIT_CODES_HELP)
    .helpCommand(false)
    .exitOverride();
  addGlobalFlags(program);
  addHelpProse(program, MORE_HELP);
  const deps: AppDeps = createDeps(f.io, f.deps, f.proc);
  const { chosen, rest } = await needed(argv);
  // One import at a time: Jest's ESM loader fails on concurrent imports sharing a dependency.
  for (const [, load] of chosen) await (await load())(program, deps, rest);
  spreadGlobalFlags(program);
  return program;
}
