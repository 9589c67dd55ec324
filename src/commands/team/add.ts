import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkMemberName, parseTeamSpec, paths, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';

/** Options of `team add` and `team rm`. */
export interface TeamMemberOptions extends BaseOptions {
  org: string;
  team: string;
  user: string;
}
export type TeamAddOptions = TeamMemberOptions;

/** `team add` and `team rm` differ only in their words and HTTP method. */
export interface TeamMemberCommand {
  name: 'add' | 'rm';
  alias?: string;
  userHelp: string;
  description: string;
  examples: string[];
}

export function registerTeamMemberCommand(
  parent: Command,
  deps: AppDeps,
  spec: TeamMemberCommand,
  runF: (opts: TeamMemberOptions, deps: OrgDeps) => Promise<void>,
): Command {
  const cmd = parent.command(spec.name).argument('<@org:team>', 'the team').argument('<user>', spec.userHelp).description(spec.description);
  if (spec.alias) cmd.alias(spec.alias);
  addBaseOptions(cmd, spec.examples);
  return cmd.action(async (teamSpec: string, user: string, flags: RegistryFlags) => {
    const { org, team } = parseTeamSpec(teamSpec);
    await runF({ ...baseOptions(flags), org, team: team!, user: checkMemberName(user) }, deps);
  });
}

export function registerTeamAdd(parent: Command, deps: AppDeps, runF = teamAddRun): Command {
  return registerTeamMemberCommand(
    parent,
    deps,
    {
      name: 'add',
      userHelp: 'a member of the org',
      description: 'Add an org member to a team (owners and admins)',
      examples: ['orgctl team add @acme:devs bob', 'orgctl team add @acme:devs bob --otp 123456 --json'],
    },
    runF,
  );
}

/**
 * `PUT` (add) or `DELETE` (rm) `/-/team/:org/:team/user {user}`; prints npm's
 * `bob added to @org:team` / `bob removed from @org:team`, or `{"added"|"removed": true, team, user}`.
 */
export async function changeTeamMember(opts: TeamMemberOptions, deps: OrgDeps, change: 'added' | 'removed'): Promise<void> {
  const method = change === 'added' ? 'PUT' : 'DELETE';
  await withOrgApi(deps, opts, 'team', (api) => api.write(method, paths.teamUsers(opts.org, opts.team), { user: opts.user }));
  if (opts.json) return writeJson(deps.io, { [change]: true, team: `${opts.org}:${opts.team}`, user: opts.user });
  deps.io.out(`${opts.user} ${change} ${change === 'added' ? 'to' : 'from'} @${opts.org}:${opts.team}\n`);
}

export function teamAddRun(opts: TeamAddOptions, deps: OrgDeps): Promise<void> {
  return changeTeamMember(opts, deps, 'added');
}
