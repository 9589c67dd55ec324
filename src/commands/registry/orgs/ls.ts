import type { Command } from 'commander';
import type { AdminOrg } from '../../../server/core/admin.js';
import { writeJson } from '../../../ui/json.js';
import { formatTable } from '../../../ui/table.js';
import { timeShower } from '../../../ui/time.js';
import { addOperatorOptions, operatorCall, operatorOptions, type OperatorDeps, type OperatorFlags, type OperatorOptions } from '../operator.js';

export function registerOrgsLs(parent: Command, deps: OperatorDeps, runF = orgsLsRun): Command {
  const cmd = parent.command('ls').alias('list').description('List every org: members, 2FA required, owners, created');
  addOperatorOptions(cmd, ['orgctl registry orgs ls --data ./registry-data --json']);
  return cmd.action(async (flags: OperatorFlags) => runF(operatorOptions(flags), deps));
}

/** Prints the orgs, sorted by name; `--json`: `[{name, members, requireTfa, owners, created}]`. */
export async function orgsLsRun(opts: OperatorOptions, deps: OperatorDeps): Promise<void> {
  const { io } = deps;
  const { result: orgs } = await operatorCall<AdminOrg[]>(deps, opts, 'orgs.ls');
  if (opts.json) return writeJson(io, orgs);
  if (orgs.length === 0) {
    io.err('No orgs yet. Create one with `orgctl registry orgs create <org> --owner <user> --data <dir>`.\n');
    return;
  }
  const when = timeShower(io);
  io.out(
    formatTable([
      ['ORG', 'MEMBERS', '2FA REQUIRED', 'OWNERS', 'CREATED'],
      ...orgs.map((o) => [o.name, String(o.members), o.requireTfa ? 'yes' : 'no', o.owners.length ? o.owners.join(',') : '-', when(o.created)]),
    ]),
  );
}
