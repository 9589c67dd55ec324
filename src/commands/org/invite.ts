import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, UsageError } from '../../errors.js';
import type { AppDeps } from '../../factory.js';
import { nameProblem, normalizeRole, type Role } from '../../shared/names.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import { safe, visible } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import type { InviteItem, InviteRequest, InviteResultWire } from '../invites/api.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';
import { parseInviteFile, type InviteEntry, type InviteFailure } from './invite-file.js';

/** The most users one request may carry (the registry's limit). */
export const MAX_BATCH = 10_000;

export interface OrgInviteOptions extends BaseOptions {
  org: string;
  /** Users named on the command line. */
  users: string[];
  /** `--role`; file lines may give their own. */
  role?: Role;
  /** `--team` (repeatable); file lines may give their own. */
  teams: string[];
  /** Invite with the former role and teams; with no users and no file: everyone with a removal record. */
  reinstate: boolean;
  /** `--from-file`. */
  fromFile?: string;
}

/** The `--json` shape of `org invite` (docs/invitations.md). */
export interface OrgInviteResult {
  org: string;
  invited: { user: string; role: Role; teams: string[]; expires: string; reinstate: boolean }[];
  failed: InviteFailure[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerOrgInvite(orgCommand: Command, deps: AppDeps, runF = orgInviteRun): Command {
  const cmd = orgCommand
    .command('invite')
    .description('Invite users to an organization (7 days), or reinstate members removed in the last 90 days')
    .argument('<org>', 'organization')
    .argument('[user...]', 'users to invite')
    .option('--role <role>', 'developer, admin or owner (default: developer)')
    .option('--team <name>', 'also add to this team on accepting (repeatable)', collect)
    .option('--reinstate', 'invite with the role and teams each user had when removed; without users: everyone with a removal record')
    .option('--from-file <file>', 'one user per line: user[,role[,team;team]]; blank lines and # comments ignored');
  addBaseOptions(cmd, [
    'orgctl org invite acme carol --role admin --team docs',
    'orgctl org invite acme --reinstate --otp 123456',
    'orgctl org invite acme bob erin --reinstate',
    'orgctl org invite acme --from-file people.csv --json',
  ]);
  return cmd.action(async (org: string, users: string[], flags: RegistryFlags & { role?: string; team?: string[]; reinstate?: boolean; fromFile?: string }) => {
    let role: Role | undefined;
    if (flags.role !== undefined) {
      role = normalizeRole(flags.role) ?? undefined;
      if (!role) throw new UsageError(`invalid --role ${JSON.stringify(flags.role)}: use developer, admin or owner.`);
    }
    const teams = flags.team ?? [];
    if (flags.reinstate && (role || teams.length > 0)) {
      throw new UsageError('--reinstate takes the role and teams from the removal record: drop --role and --team.');
    }
    const badTeam = teams.map((t) => nameProblem('team', t)).find(Boolean);
    if (badTeam) throw new UsageError(badTeam);
    const opts: OrgInviteOptions = {
      ...baseOptions(flags),
      org: checkOrgName(org),
      users: users.map(checkMemberName),
      role,
      teams,
      reinstate: !!flags.reinstate,
      fromFile: flags.fromFile,
    };
    if (!opts.reinstate && opts.users.length === 0 && opts.fromFile === undefined) {
      throw new UsageError('name at least one user, use --from-file <file>, or --reinstate to reinstate everyone with a removal record.');
    }
    await runF(opts, deps);
  });
}

/**
 * `POST /-/orgctl/v1/orgs/:org/invitations` with every user in one request. Users that cannot be
 * invited (malformed file line, listed twice, unknown, already a member or invited, no removal
 * record) are reported each with a reason, the others are invited, and the command exits 1 if any
 * failed.
 */
export async function orgInviteRun(opts: OrgInviteOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { items, failed, lines } = await collectInvitations(opts);
  const reinstateAll = opts.reinstate && opts.users.length === 0 && opts.fromFile === undefined;
  if (items.length === 0 && failed.length === 0 && !reinstateAll) throw new UsageError(`no users to invite in ${opts.fromFile}.`);
  if (items.length > MAX_BATCH) throw new UsageError(`too many users (${items.length}): at most ${MAX_BATCH} per invite.`);
  let wire: InviteResultWire = { org: opts.org, invited: [], failed: [] };
  if (items.length > 0 || reinstateAll) {
    const body: InviteRequest = reinstateAll ? { reinstateAll: true } : { invitations: items };
    wire = await withOrgApi(deps, opts, 'org invite', (api) => api.write<InviteResultWire>('POST', paths.ext(opts.org, 'invitations'), body), 'invitations');
  }
  const result: OrgInviteResult = {
    org: wire.org,
    invited: wire.invited.map((i) => ({ user: i.user, role: i.role, teams: i.teams, expires: i.expires, reinstate: i.reinstate })),
    failed: [...failed, ...wire.failed.map((f) => ({ user: f.user, error: lines.has(f.user) ? `line ${lines.get(f.user)}: ${f.error}` : f.error }))],
  };
  if (opts.json) writeJson(io, result);
  else printResult(io, result, reinstateAll);
  if (result.failed.length > 0) {
    throw new CliError(`${result.failed.length} of ${plural(result.invited.length + result.failed.length, 'user')} could not be invited to ${opts.org}.`);
  }
}

/** The batch to send: command-line users, then file lines; duplicates and malformed lines are failures. */
async function collectInvitations(opts: OrgInviteOptions): Promise<{ items: InviteItem[]; failed: InviteFailure[]; lines: Map<string, number> }> {
  const entries: InviteEntry[] = opts.users.map((user) => ({ user }));
  const failed: InviteFailure[] = [];
  if (opts.fromFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.fromFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --from-file ${opts.fromFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const parsed = parseInviteFile(text);
    entries.push(...parsed.entries);
    failed.push(...parsed.failed);
  }
  const items: InviteItem[] = [];
  const seen = new Map<string, InviteEntry>();
  const lines = new Map<string, number>();
  for (const e of entries) {
    const where = e.line === undefined ? '' : `line ${e.line}: `;
    const first = seen.get(e.user);
    if (first) {
      failed.push({ user: e.user, error: `${where}listed more than once (first ${first.line === undefined ? 'on the command line' : `on line ${first.line}`})` });
      continue;
    }
    seen.set(e.user, e);
    if (e.line !== undefined) lines.set(e.user, e.line);
    if (opts.reinstate) {
      if (e.role || e.teams) failed.push({ user: e.user, error: `${where}--reinstate takes the role and teams from the removal record; drop them from the line` });
      else items.push({ user: e.user, reinstate: true });
      continue;
    }
    const role = e.role ?? opts.role;
    const teams = e.teams ?? opts.teams;
    items.push({ user: e.user, ...(role ? { role } : {}), ...(teams.length ? { teams } : {}) });
  }
  return { items, failed, lines };
}

function printResult(io: OrgDeps['io'], r: OrgInviteResult, reinstateAll: boolean): void {
  const cs = colorScheme(io, 'stderr');
  if (reinstateAll && r.invited.length === 0 && r.failed.length === 0) {
    io.err(safe`No one has a removal record in ${r.org}: nobody to reinstate.\n`);
    return;
  }
  for (const i of r.invited) {
    const teams = i.teams.length ? ` in ${i.teams.map(visible).join(', ')}` : '';
    io.err(`${cs.success} ${safe`Invited ${i.user} to ${r.org} as ${i.role}`}${teams}${i.reinstate ? ' (former role and teams)' : ''}${safe`; expires ${i.expires}`}\n`);
  }
  for (const f of r.failed) io.err(`${cs.failure} ${safe`${f.user || '(no user)'}: ${f.error}`}\n`);
}
