import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { UsageError } from '../../errors.js';
import { isRole, type Role } from '../../shared/names.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, plural, withArticle, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface OrgSetOptions extends BaseOptions {
  org: string;
  user: string;
  role: Role;
}

/** The registry's answer to `PUT /-/org/:org/user` (npm's Membership Detail, plus `pending`). */
export interface MembershipDetail {
  org: { name: string; size: number };
  user: string;
  role: Role;
  /** true when the user was not a member: they got an invitation to accept. */
  pending?: boolean;
}

export function registerOrgSet(parent: Command, deps: AppDeps, runF = orgSetRun): Command {
  const cmd = parent
    .command('set')
    .alias('add')
    .argument('<org>', 'organization name')
    .argument('<user>', 'user name')
    .argument('[role]', 'developer (default), admin or owner')
    .description("Set a member's role; a user who is not a member yet gets a pending invitation");
  addBaseOptions(cmd, ['orgctl org set acme bob admin', 'orgctl org set acme carol            # developer, invited if not a member', 'orgctl org set acme bob owner --otp 123456 --json']);
  return cmd.action(async (org: string, user: string, role: string | undefined, flags: RegistryFlags) => {
    if (role !== undefined && !isRole(role)) {
      throw new UsageError('Third argument `role` must be one of `owner`, `admin`, or `developer`, with `developer` being the default value if omitted.');
    }
    await runF({ ...baseOptions(flags), org: checkOrgName(org), user: checkMemberName(user), role: role ?? 'developer' }, deps);
  });
}

/** `PUT /-/org/:org/user {user, role}` (owners; OTP when 2FA is on). The last owner cannot be demoted. */
export async function orgSetRun(opts: OrgSetOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const res = await withOrgApi(deps, opts, 'org', (api) =>
    api.write<MembershipDetail>('PUT', paths.orgUsers(opts.org), { user: opts.user, role: opts.role }),
  );
  if (opts.json) return writeJson(io, res);
  if (res.pending) {
    io.out(safe`Invited ${res.user} to ${res.org.name} as ${withArticle(res.role)}; the membership starts when they accept. You have ${plural(res.org.size, 'member')} in this org.\n`);
  } else {
    io.out(safe`Added ${res.user} as ${res.role} to ${res.org.name}. You now have ${plural(res.org.size, 'member')} in this org.\n`);
  }
}
