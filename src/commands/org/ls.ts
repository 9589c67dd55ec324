import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { RegistryFlags } from '../common.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, withOrgApi, type BaseOptions, type MemberDetail, type OrgDeps } from './api.js';

export interface OrgLsOptions extends BaseOptions {
  org: string;
  /** Only this member (npm's `org ls <org> <user>`). */
  user?: string;
}

export function registerOrgLs(parent: Command, deps: AppDeps, runF = orgLsRun): Command {
  const cmd = parent
    .command('ls')
    .alias('list')
    .argument('<org>', 'organization name')
    .argument('[user]', 'show only this member')
    .description('List the members of an org with role, 2FA state and teams, sorted by name');
  addBaseOptions(cmd, ['orgctl org ls acme', 'orgctl org ls acme bob', 'orgctl org ls acme --json']);
  return cmd.action(async (org: string, user: string | undefined, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), user: user === undefined ? undefined : checkMemberName(user) }, deps);
  });
}

/**
 * `GET /-/orgctl/v1/orgs/:org/members[?user=]`: the roster with 2FA state (shown to owners and
 * admins only; null for others) and teams.
 */
export async function orgLsRun(opts: OrgLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const members = await withOrgApi(deps, opts, 'org', (api) =>
    api.get<MemberDetail[]>(paths.ext(opts.org, 'members'), { user: opts.user }),
  );
  if (opts.json) return writeJson(io, members);
  if (members.length === 0) {
    io.err(opts.user ? `${opts.user} is not a member of ${opts.org}.\n` : `${opts.org} has no members.\n`);
    return;
  }
  const tfa = (v: boolean | null) => (v === null ? '-' : v ? 'yes' : 'no');
  io.out(
    formatTable([
      ['USER', 'ROLE', '2FA', 'TEAMS'],
      ...members.map((m) => [m.user, m.role, tfa(m.twoFactor), m.teams.length ? m.teams.join(',') : '-']),
    ]),
  );
  if (members.some((m) => m.twoFactor === null)) io.err('2FA state is shown to owners and admins only.\n');
}
