import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { RegistryFlags } from '../common.js';
import { CliError } from '../../errors.js';
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
  if (opts.json && !io.isStdoutTTY) {
    // Piped JSON: the registry's compact answer is already the documented shape, so its bytes are
    // written as they came, not decoded, parsed and re-serialized (on 10,000 members that is most
    // of the memory). Only its outline is checked: a JSON array.
    const chunks = (await withOrgApi(deps, opts, 'org', (api) => api.getBytes(paths.ext(opts.org, 'members'), { user: opts.user }))).filter((c) => c.length > 0);
    const first = chunks[0]?.toString('latin1').trimStart()[0];
    const last = chunks[chunks.length - 1]?.toString('latin1').trimEnd().slice(-1);
    if (first !== '[' || last !== ']') throw new CliError('the registry answered with something other than a list of members');
    for (const c of chunks) io.stdout.write(c);
    io.out('\n');
    return;
  }
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
