import type { Command } from 'commander';
import { UsageError } from '../../../errors.js';
import type { AdminOrg } from '../../../server/core/admin.js';
import { nameProblem } from '../../../shared/names.js';
import { writeJson } from '../../../ui/json.js';
import { checkUserName } from '../../common.js';
import { addOperatorOptions, how, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export interface OrgsCreateOptions extends OperatorOptions {
  org: string;
  owner: string;
  requireTfa: boolean;
}

export function registerOrgsCreate(parent: Command, deps: OperatorDeps, runF = orgsCreateRun): Command {
  const cmd = parent
    .command('create')
    .argument('<org>', 'the new org name (free for users and orgs)')
    .requiredOption('--owner <user>', 'its first owner, an existing account')
    .option('--require-2fa', 'require 2FA from the start (the owner must have it on)')
    .description('Create an org with its first owner, for bootstrapping a registry without a seed');
  addOperatorOptions(cmd, ['orgctl registry orgs create acme --owner alice --data ./registry-data', 'orgctl registry orgs create secure --owner alice --require-2fa --data ./registry-data --json']);
  return cmd.action(async (org: string, flags: OperatorFlags & { owner: string; require2fa?: boolean }) => {
    const problem = nameProblem('org', org);
    if (problem) throw new UsageError(problem);
    await runF({ ...operatorOptions(flags), org, owner: checkUserName(flags.owner), requireTfa: !!flags.require2fa }, deps);
  });
}

/** `--json`: `{name, members: 1, requireTfa, owners: [owner], created}`. */
export async function orgsCreateRun(opts: OrgsCreateOptions, deps: OperatorDeps): Promise<void> {
  const r = await operatorCall<AdminOrg>(deps, opts, 'orgs.create', { org: opts.org, owner: opts.owner, requireTfa: opts.requireTfa });
  if (opts.json) return writeJson(deps.io, r.result);
  deps.io.err(`Created org ${opts.org}${how(r)}, owned by ${opts.owner}${opts.requireTfa ? ', with 2FA required' : ''}.\n`);
}
