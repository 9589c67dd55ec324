import type { Command } from 'commander';
import { checkUserName } from '../../common.js';
import { addOperatorOptions, operatorOptions, type OperatorDeps, type OperatorFlags } from '../operator.js';
import { setDisabled, type UsersDisableOptions } from './disable.js';

export function registerUsersEnable(parent: Command, deps: OperatorDeps, runF = usersEnableRun): Command {
  const cmd = parent.command('enable').argument('<user>', 'the account').description('Enable a disabled account: its tokens and password work again');
  addOperatorOptions(cmd, ['orgctl registry users enable mallory --data ./registry-data']);
  return cmd.action(async (user: string, flags: OperatorFlags) => runF({ ...operatorOptions(flags), user: checkUserName(user) }, deps));
}

/** `--json`: `{user, disabled: false, changed}` (`changed` false: it was not disabled). */
export function usersEnableRun(opts: UsersDisableOptions, deps: OperatorDeps): Promise<void> {
  return setDisabled(opts, deps, false);
}
