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
}

export function registerTeamLs(parent: Command, deps: AppDeps, runF = teamLsRun): Command {
  const cmd = parent
    .command('ls')
    .alias('list')
    .argument('<@org[:team]>', "an org (list its teams) or a team (list its members)")
    .description("List an org's teams, or a team's members (any member of the org)");
  addBaseOptions(cmd, ['orgctl team ls @acme', 'orgctl team ls @acme:developers', 'orgctl team ls @acme:core --json']);
  return cmd.action(async (spec: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), ...parseTeamSpec(spec, true) }, deps);
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
