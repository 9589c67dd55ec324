import type { Command } from 'commander';
import type { TfaResetResult } from '../../../server/core/admin.js';
import { writeJson } from '../../../ui/json.js';
import { checkUserName } from '../../common.js';
import { addOperatorOptions, how, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export interface UsersResetTfaOptions extends OperatorOptions {
  user: string;
}

export function registerUsersResetTfa(parent: Command, deps: OperatorDeps, runF = usersResetTfaRun): Command {
  const cmd = parent
    .command('reset-2fa')
    .argument('<user>', 'the account whose authenticator is lost')
    .description("Account recovery: turn a user's 2FA off, revoke their tokens, and remove them (reinstatable) from orgs that require 2FA");
  addOperatorOptions(cmd, ['orgctl registry users reset-2fa bob --data ./registry-data', 'orgctl registry users reset-2fa bob --data ./registry-data --json']);
  return cmd.action(async (user: string, flags: OperatorFlags) => runF({ ...operatorOptions(flags), user: checkUserName(user) }, deps));
}

/**
 * Check who is asking before running this: it gives the account back to whoever has its password.
 * `--json`: `{user, twoFactor: "off", tokensRevoked, removedFrom: [{org, role, teams}]}`.
 */
export async function usersResetTfaRun(opts: UsersResetTfaOptions, deps: OperatorDeps): Promise<void> {
  const r = await operatorCall<TfaResetResult>(deps, opts, 'users.reset-2fa', { user: opts.user });
  if (opts.json) return writeJson(deps.io, r.result);
  const { tokensRevoked, removedFrom } = r.result;
  let msg = `Turned off two-factor authentication for ${opts.user}${how(r)} and revoked ${tokensRevoked} token${tokensRevoked === 1 ? '' : 's'}.\n`;
  if (removedFrom.length > 0) {
    msg += `Removed from ${removedFrom.map((o) => `${o.org} (${o.role})`).join(', ')}, which require 2FA; an owner can reinstate them once they turn 2FA on again (orgctl org invite <org> ${opts.user} --reinstate).\n`;
  }
  deps.io.err(`${msg}${opts.user} has been notified.\n`);
}
