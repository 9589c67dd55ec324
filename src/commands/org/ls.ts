import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { RegistryFlags } from '../common.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { explainMissing, UnsupportedError } from '../../client/capabilities.js';
import { isRole, type Role } from '../../shared/names.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, withOrgApi, type BaseOptions, type OrgApi, type OrgDeps } from './api.js';
import { expectMembers, invalidRoster, isCompactRoster, parseRoster, type MemberDetail } from './roster.js';

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
 * admins only; null for others) and teams. The answer is checked before anything is printed. A
 * registry without orgctl's extensions gets npm's endpoints instead (`npmRoster`): the 2FA column
 * is then unknown (`?`, JSON null), and one line on stderr says why.
 */
export async function orgLsRun(opts: OrgLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const path = paths.ext(opts.org, 'members');
  const where = `GET /${path}`;
  // Piped JSON: when the registry's bytes are exactly the compact roster the reference registry
  // writes, they are written as they came, not decoded, parsed and re-serialized (on 10,000
  // members that is most of the memory). Anything else is parsed, checked and re-serialized.
  const piped = opts.json && !io.isStdoutTTY;
  type Got = { bytes: Buffer[] } | { members: MemberDetail[]; npmOnly?: string };
  const got = await withOrgApi(deps, opts, 'org', async (api): Promise<Got> => {
    try {
      if (piped) return { bytes: await api.getBytes(path, { user: opts.user }) };
      return { members: expectMembers(await api.get(path, { user: opts.user }), where) };
    } catch (err) {
      if (!((await explainMissing(err, api.client, 'orgTfa')) instanceof UnsupportedError)) throw err;
      return { members: await npmRoster(api, opts.org, opts.user), npmOnly: api.client.registry };
    }
  });
  if ('bytes' in got) {
    if (!isCompactRoster(got.bytes)) return writeJson(io, parseRoster(got.bytes, where));
    for (const c of got.bytes) io.stdout.write(c);
    io.out('\n');
    return;
  }
  const { members, npmOnly } = got;
  if (npmOnly) io.err(`2FA state is unknown (?): this registry (${npmOnly}) has npm's org endpoints but not orgctl's extensions.\n`);
  if (opts.json) return writeJson(io, members);
  if (members.length === 0) {
    io.err(opts.user ? `${opts.user} is not a member of ${opts.org}.\n` : `${opts.org} has no members.\n`);
    return;
  }
  // A security key is said: `yes (key)`, or `yes (totp+key)` with both.
  const tfa = (m: MemberDetail) => {
    if (m.twoFactor === null) return npmOnly ? '?' : '-';
    if (!m.twoFactor) return 'no';
    const key = m.tfaMethods?.includes('webauthn');
    return key ? (m.tfaMethods!.includes('totp') ? 'yes (totp+key)' : 'yes (key)') : 'yes';
  };
  io.out(
    formatTable([
      ['USER', 'ROLE', '2FA', 'TEAMS'],
      ...members.map((m) => [m.user, m.role, tfa(m), m.teams.length ? m.teams.join(',') : '-']),
    ]),
  );
  if (!npmOnly && members.some((m) => m.twoFactor === null)) io.err('2FA state is shown to owners and admins only.\n');
}

/**
 * The roster from npm's endpoints only: `GET /-/org/:org/user` (`{user: role}`), `GET
 * /-/org/:org/team` and each team's `GET /-/team/:org/:team/user`, checked like the detailed
 * roster; 2FA state unknown (null). Sorted by name, like the reference registry's.
 */
export async function npmRoster(api: OrgApi, org: string, only?: string): Promise<MemberDetail[]> {
  const where = `GET /${paths.orgUsers(org)}`;
  const roster = await api.get<unknown>(paths.orgUsers(org));
  if (!roster || typeof roster !== 'object' || Array.isArray(roster)) throw invalidRoster(where, 'it is not a JSON object of user names and roles');
  const users = Object.entries(roster as Record<string, unknown>).filter(([user]) => only === undefined || user === only);
  for (const [user, role] of users) if (!isRole(role)) throw invalidRoster(where, `the role of ${JSON.stringify(user)} is not developer, admin or owner`);
  const teamsOf = new Map<string, string[]>();
  if (users.length > 0) {
    const teams = await api.get<unknown>(paths.orgTeams(org), { format: 'cli' });
    if (!Array.isArray(teams) || !teams.every((t) => typeof t === 'string')) throw invalidRoster(`GET /${paths.orgTeams(org)}`, 'it is not a list of team names');
    for (const full of teams as string[]) {
      const team = full.startsWith(`${org}:`) ? full.slice(org.length + 1) : full;
      const members = await api.get<unknown>(paths.teamUsers(org, team), { format: 'cli' });
      if (!Array.isArray(members)) throw invalidRoster(`GET /${paths.teamUsers(org, team)}`, 'it is not a list of user names');
      for (const u of members) if (typeof u === 'string') teamsOf.set(u, [...(teamsOf.get(u) ?? []), team]);
    }
  }
  return users
    .map(([user, role]) => ({ user, role: role as Role, twoFactor: null, teams: (teamsOf.get(user) ?? []).sort() }))
    .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}
