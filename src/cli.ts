import { Command } from 'commander';
import type { IO, ProcessLike } from './ui/io.js';
import { registerRegistry } from './commands/registry/index.js';
import { registerLogin } from './commands/login.js';
import { registerWhoami } from './commands/whoami.js';
import { registerLogout } from './commands/logout.js';
import { registerOrg } from './commands/org/index.js';
import { registerTeam } from './commands/team/index.js';
import { registerInvites } from './commands/invites/index.js';
import { registerProfile } from './commands/profile/index.js';
import { createDeps, type AppDeps, type DepsOverrides } from './factory.js';
import { VERSION } from './version.js';

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
  $ orgctl logout
`;

/**
 * Builds a fresh commander tree. This is the only place that lists every command; each command
 * file has a `registerX` that is the only code touching commander.
 */
export function buildProgram(f: Factory): Command {
  const program = new Command('orgctl');
  program
    .description('Run npm-style organizations securely: 2FA enforcement, invitations, and a reference registry')
    .version(VERSION, '-v, --version', 'print the orgctl version')
    .option('--no-color', 'disable colour output')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => f.io.out(s), writeErr: (s) => f.io.err(s) })
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  const deps: AppDeps = createDeps(f.io, f.deps);
  registerLogin(program, deps);
  registerWhoami(program, deps);
  registerLogout(program, deps);
  registerOrg(program, deps);
  registerTeam(program, deps);
  registerInvites(program, deps);
  registerProfile(program, deps);
  registerRegistry(program, f);
  return program;
}
