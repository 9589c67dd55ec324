import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { OrgDeps } from '../org/api.js';
import { changeTeamMember, registerTeamMemberCommand, type TeamMemberOptions } from './add.js';

export type TeamRmOptions = TeamMemberOptions;

export function registerTeamRm(parent: Command, deps: AppDeps, runF = teamRmRun): Command {
  return registerTeamMemberCommand(
    parent,
    deps,
    {
      name: 'rm',
      alias: 'remove',
      userHelp: 'a member of the team',
      description: 'Take a user out of a team; they stay in the org (owners and admins)',
      examples: ['orgctl team rm @acme:devs bob', 'orgctl team rm @acme:devs bob --otp 123456 --json'],
    },
    runF,
  );
}

/** `DELETE /-/team/:org/:team/user {user}`; prints `bob removed from @org:team` like npm. */
export function teamRmRun(opts: TeamRmOptions, deps: OrgDeps): Promise<void> {
  return changeTeamMember(opts, deps, 'removed');
}
