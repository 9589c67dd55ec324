import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, parseTeamSpec, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';

export interface TeamLsOptions extends BaseOptions {
  org: string;
  /** List this team's members; without it, list the org's teams. */
  team?: string;
  /** List packages instead: the team's grants, or (org form) the packages you may use. */
  packages?: boolean;
}

export function registerTeamLs(parent: Command, deps: AppDeps, runF = teamLsRun): Command {
  const cmd = parent
    .command('ls')
    .alias('list')
    .argument('<@org[:team]>', "an org (list its teams) or a team (list its members)")
    .description("List an org's teams, or a team's members (any member of the org)")
    .option('--packages', "list packages instead: a team's grants, or the org's packages you may use");
  addBaseOptions(cmd, ['orgctl team ls @acme', 'orgctl team ls @acme:developers', 'orgctl team ls @acme:core --json', 'orgctl team ls @acme:core --packages']);
  return cmd.action(async (spec: string, flags: RegistryFlags & { packages?: boolean }) => {
    await runF({ ...baseOptions(flags), ...parseTeamSpec(spec, true), packages: !!flags.packages }, deps);
  });
}

/**
 * `GET /-/org/:org/team` or `GET /-/team/:org/:team/user` (with npm's `format=cli`). Sorted; the
 * org form prints `@acme has 2 teams:` then `@acme:core`…, the team form `@acme:core has 2 users:`
 * then names, as npm does. `--json` prints the sorted array (`"acme:core"` without `@`, or names).
 */
export async function teamLsRun(opts: TeamLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org, team } = opts;
  if (opts.packages) return packagesLs(opts, deps);
  const names = await withOrgApi(deps, opts, 'team', (api) =>
    api.get<string[]>(team === undefined ? paths.orgTeams(org) : paths.teamUsers(org, team), { format: 'cli' }),
  );
  const sorted = [...names].sort();
  if (opts.json) return writeJson(io, sorted);
  if (team === undefined) {
    io.out(`@${org} has ${plural(sorted.length, 'team')}${sorted.length ? ':' : ''}\n${sorted.map((t) => safe`@${t}\n`).join('')}`);
  } else {
    io.out(`@${org}:${team} has ${plural(sorted.length, 'user')}${sorted.length ? ':' : ''}\n${sorted.map((u) => safe`${u}\n`).join('')}`);
  }
}

const PERMISSION: Record<string, string> = { read: 'read-only', write: 'read-write' };

/**
 * `--packages`: `GET /-/team/:org/:team/package` (the team's grants) or `GET /-/org/:org/package`
 * (the org's packages you may use), as `npm access list packages` shows them: `<pkg>: read-only`
 * or `read-write`, sorted. `--json` prints that object.
 */
async function packagesLs(opts: TeamLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org, team } = opts;
  const raw = await withOrgApi(deps, opts, 'team', (api) => api.get<Record<string, string>>(team === undefined ? paths.orgPackages(org) : paths.teamPackages(org, team)));
  const list = Object.entries(raw && typeof raw === 'object' ? raw : {})
    .map(([pkg, p]): [string, string] => [pkg, Object.hasOwn(PERMISSION, p) ? PERMISSION[p]! : String(p)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (opts.json) return writeJson(io, Object.fromEntries(list));
  const head = team === undefined ? `You have access to ${plural(list.length, 'package')} of @${org}` : `@${org}:${team} has access to ${plural(list.length, 'package')}`;
  io.out(`${head}${list.length ? ':' : ''}\n${list.map(([pkg, p]) => safe`${pkg}: ${p}\n`).join('')}`);
}
