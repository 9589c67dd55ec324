import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { RegistryFlags } from '../common.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';
import { expectMembers, isCompactRoster, parseRoster } from './roster.js';

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
 * admins only; null for others) and teams. The answer is checked before anything is printed.
 */
export async function orgLsRun(opts: OrgLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const path = paths.ext(opts.org, 'members');
  const where = `GET /${path}`;
  if (opts.json && !io.isStdoutTTY) {
    // Piped JSON: when the registry's bytes are exactly the compact roster the reference registry
    // writes, they are written as they came, not decoded, parsed and re-serialized (on 10,000
    // members that is most of the memory). Anything else is parsed, checked and re-serialized.
    const chunks = await withOrgApi(deps, opts, 'org', (api) => api.getBytes(path, { user: opts.user }));
    if (!isCompactRoster(chunks)) return writeJson(io, parseRoster(chunks, where));
    for (const c of chunks) io.stdout.write(c);
    io.out('\n');
    return;
  }
  const members = expectMembers(await withOrgApi(deps, opts, 'org', (api) => api.get(path, { user: opts.user })), where);
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
