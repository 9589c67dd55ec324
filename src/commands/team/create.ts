import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, parseTeamSpec, paths, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';

export interface TeamCreateOptions extends BaseOptions {
  org: string;
  team: string;
}

export function registerTeamCreate(parent: Command, deps: AppDeps, runF = teamCreateRun): Command {
  const cmd = parent.command('create').argument('<@org:team>', 'the team to create').description('Create a team (owners and admins)');
  addBaseOptions(cmd, ['orgctl team create @acme:devs', 'orgctl team create acme:devs --otp 123456 --json']);
  return cmd.action(async (spec: string, flags: RegistryFlags) => {
    const { org, team } = parseTeamSpec(spec);
    await runF({ ...baseOptions(flags), org, team: team! }, deps);
  });
}

/** `PUT /-/org/:org/team {name}`; prints `+@org:team` like npm, or `{"created": true, "team": "org:team"}`. */
export async function teamCreateRun(opts: TeamCreateOptions, deps: OrgDeps): Promise<void> {
  await withOrgApi(deps, opts, 'team', (api) => api.write('PUT', paths.orgTeams(opts.org), { name: opts.team }));
  if (opts.json) return writeJson(deps.io, { created: true, team: `${opts.org}:${opts.team}` });
  deps.io.out(`+@${opts.org}:${opts.team}\n`);
}
