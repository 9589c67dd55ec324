import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import type { RegistryFlags } from '../common.js';
import { confirmYesNo, requireConfirmable } from '../confirm.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface OrgRmOptions extends BaseOptions {
  org: string;
  user: string;
  /** Skip the y/N confirmation (required without a terminal). */
  yes: boolean;
}

export function registerOrgRm(parent: Command, deps: AppDeps, runF = orgRmRun): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .argument('<org>', 'organization name')
    .argument('<user>', 'member to remove')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .description('Remove a member from an org and from all its teams (the last owner cannot be removed)');
  addBaseOptions(cmd, ['orgctl org rm acme bob', 'orgctl org rm acme bob --yes --otp 123456 --json']);
  return cmd.action(async (org: string, user: string, flags: RegistryFlags & { yes?: boolean }) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), user: checkMemberName(user), yes: !!flags.yes }, deps);
  });
}

/**
 * `DELETE /-/org/:org/user {user}`, then `GET /-/org/:org/user` to count who is left (as npm
 * does). Confirmation first: y/N (default no) on a terminal, `--yes` otherwise.
 */
export async function orgRmRun(opts: OrgRmOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  requireConfirmable(deps, opts.yes, 'org rm');
  await confirmYesNo(deps, opts.yes, `Remove ${opts.user} from ${opts.org}? They leave every team of ${opts.org} and lose access to its packages.`);
  const userCount = await withOrgApi(deps, opts, 'org', async (api) => {
    await api.write('DELETE', paths.orgUsers(opts.org), { user: opts.user });
    return Object.keys(await api.get<Record<string, string>>(paths.orgUsers(opts.org))).length;
  });
  if (opts.json) return writeJson(io, { user: opts.user, org: opts.org, userCount, deleted: true });
  io.out(`Successfully removed ${opts.user} from ${opts.org}. You now have ${plural(userCount, 'member')} in this org.\n`);
}
