import type { Command } from 'commander';
import type { AdminUser } from '../../../server/core/admin.js';
import { writeJson } from '../../../ui/json.js';
import { formatTable } from '../../../ui/table.js';
import { timeShower } from '../../../ui/time.js';
import { addOperatorOptions, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export function registerUsersLs(parent: Command, deps: OperatorDeps, runF = usersLsRun): Command {
  const cmd = parent.command('ls').alias('list').description('List every account: email, 2FA, disabled, orgs, created');
  addOperatorOptions(cmd, ['orgctl registry users ls --data ./registry-data', 'orgctl registry users ls --data ./registry-data --json']);
  return cmd.action(async (flags: OperatorFlags) => runF(operatorOptions(flags), deps));
}

/** Prints the accounts, sorted by name; `--json`: `[{name, email, twoFactor, disabled, orgs, created}]`. */
export async function usersLsRun(opts: OperatorOptions, deps: OperatorDeps): Promise<void> {
  const { io } = deps;
  const { result: users } = await operatorCall<AdminUser[]>(deps, opts, 'users.ls');
  if (opts.json) return writeJson(io, users);
  if (users.length === 0) {
    io.err('No accounts yet. Add one with `orgctl registry users add <user> --email <e> --password-stdin --data <dir>`.\n');
    return;
  }
  const when = timeShower(io);
  io.out(
    formatTable([
      ['USER', 'EMAIL', '2FA', 'DISABLED', 'ORGS', 'CREATED'],
      ...users.map((u) => [u.name, u.email ?? '-', u.twoFactor, u.disabled ? 'yes' : 'no', u.orgs.length ? u.orgs.join(',') : '-', when(u.created)]),
    ]),
  );
}
