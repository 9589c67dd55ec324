import type { Command } from 'commander';
import { writeJson } from '../../../ui/json.js';
import { checkUserName } from '../../common.js';
import { addOperatorOptions, how, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export interface UsersDisableOptions extends OperatorOptions {
  user: string;
}

export function registerUsersDisable(parent: Command, deps: OperatorDeps, runF = usersDisableRun): Command {
  const cmd = parent.command('disable').argument('<user>', 'the account').description('Disable an account: its tokens and password are refused (401) until it is enabled again');
  addOperatorOptions(cmd, ['orgctl registry users disable mallory --data ./registry-data']);
  return cmd.action(async (user: string, flags: OperatorFlags) => runF({ ...operatorOptions(flags), user: checkUserName(user) }, deps));
}

/** `--json`: `{user, disabled: true, changed}` (`changed` false: it already was). */
export function usersDisableRun(opts: UsersDisableOptions, deps: OperatorDeps): Promise<void> {
  return setDisabled(opts, deps, true);
}

/** `users disable` and `users enable`: `{user, disabled, changed}`. */
export async function setDisabled(opts: UsersDisableOptions, deps: OperatorDeps, disabled: boolean): Promise<void> {
  const r = await operatorCall<{ user: string; disabled: boolean; changed: boolean }>(deps, opts, disabled ? 'users.disable' : 'users.enable', { user: opts.user });
  if (opts.json) return writeJson(deps.io, r.result);
  const u = opts.user;
  if (!r.result.changed) deps.io.err(`${u} was ${disabled ? 'already' : 'not'} disabled.\n`);
  else deps.io.err(disabled ? `Disabled ${u}${how(r)}: their tokens and password are refused until \`orgctl registry users enable ${u}\`.\n` : `Enabled ${u}${how(r)}.\n`);
}
