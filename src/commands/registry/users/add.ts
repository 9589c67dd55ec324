import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import type { AdminUser } from '../../../server/core/admin.js';
import { safe } from '../../../ui/visible.js';
import { writeJson } from '../../../ui/json.js';
import { checkUserName } from '../../common.js';
import { readPassword, type PasswordDeps } from '../../password.js';
import { addOperatorOptions, how, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export interface UsersAddOptions extends OperatorOptions {
  user: string;
  email: string;
  passwordStdin: boolean;
}

export type UsersAddDeps = OperatorDeps & PasswordDeps;

export function registerUsersAdd(parent: Command, deps: AppDeps, runF = usersAddRun): Command {
  const cmd = parent
    .command('add')
    .argument('<user>', 'the new account name')
    .requiredOption('--email <email>', "the account's email address")
    .option('--password-stdin', 'read the password from stdin (without it, a terminal asks for it)')
    .description('Create an account with a password (at least 8 characters)');
  addOperatorOptions(cmd, ['printf %s "$PASSWORD" | orgctl registry users add bob --email bob@example.com --password-stdin --data ./registry-data']);
  return cmd.action(async (user: string, flags: OperatorFlags & { email: string; passwordStdin?: boolean }) =>
    runF({ ...operatorOptions(flags), user: checkUserName(user), email: flags.email, passwordStdin: !!flags.passwordStdin }, deps),
  );
}

/**
 * A password is required: from stdin with `--password-stdin`, or asked on a terminal (never on
 * the command line, where other local users can read it). `--json`: `{name, email, twoFactor,
 * disabled, orgs, created}`.
 */
export async function usersAddRun(opts: UsersAddOptions, deps: UsersAddDeps): Promise<void> {
  const password = await readPassword(deps, {
    stdin: opts.passwordStdin,
    message: `Password for ${opts.user}:`,
    missing: 'users add needs a password for the new account.',
    noTtyHint: 'Without a terminal, pipe it in with --password-stdin.',
  });
  const r = await operatorCall<AdminUser>(deps, opts, 'users.add', { user: opts.user, email: opts.email, password });
  if (opts.json) return writeJson(deps.io, r.result);
  deps.io.err(safe`Created user ${r.result.name} <${r.result.email}>${how(r)}. They can log in now (orgctl login / npm login).\n`);
}
