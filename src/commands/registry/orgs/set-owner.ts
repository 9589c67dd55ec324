import type { Command } from 'commander';
import { UsageError } from '../../../errors.js';
import type { AdminSetOwner } from '../../../server/core/admin.js';
import { nameProblem } from '../../../shared/names.js';
import { writeJson } from '../../../ui/json.js';
import { checkUserName } from '../../common.js';
import { addOperatorOptions, how, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export interface OrgsSetOwnerOptions extends OperatorOptions {
  org: string;
  user: string;
}

export function registerOrgsSetOwner(parent: Command, deps: OperatorDeps, runF = orgsSetOwnerRun): Command {
  const cmd = parent
    .command('set-owner')
    .argument('<org>', 'an existing org')
    .argument('<user>', 'an existing account: a member is promoted, anyone else joins as an owner')
    .description('Make a user an owner of an org (account recovery: the only owner lost their second factor and recovery codes)');
  addOperatorOptions(cmd, ['orgctl registry orgs set-owner acme bob --data ./registry-data', 'orgctl registry users reset-2fa alice --data ./registry-data   # then this works']);
  return cmd.action(async (org: string, user: string, flags: OperatorFlags) => {
    const problem = nameProblem('org', org);
    if (problem) throw new UsageError(problem);
    await runF({ ...operatorOptions(flags), org, user: checkUserName(user) }, deps);
  });
}

/** `--json`: `{org, user, from: role | null, role: "owner", changed}`. */
export async function orgsSetOwnerRun(opts: OrgsSetOwnerOptions, deps: OperatorDeps): Promise<void> {
  const r = await operatorCall<AdminSetOwner>(deps, opts, 'orgs.set-owner', { org: opts.org, user: opts.user });
  if (opts.json) return writeJson(deps.io, r.result);
  const { from, changed } = r.result;
  if (!changed) return deps.io.err(`${opts.user} is already an owner of ${opts.org}; nothing changed.\n`);
  deps.io.err(`${opts.user} is now an owner of ${opts.org}${how(r)}${from ? ` (was ${from})` : ' (was not a member)'}; they were told by email.\n`);
}
