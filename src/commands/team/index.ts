import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerTeamCreate } from './create.js';
import { registerTeamDestroy } from './destroy.js';
import { registerTeamAdd } from './add.js';
import { registerTeamRm } from './rm.js';
import { registerTeamLs } from './ls.js';

/** `orgctl team …`: npm's team commands, with npm's `@org:team` syntax and output. */
export function registerTeam(program: Command, deps: AppDeps): Command {
  const team = program.command('team').description('Manage the teams of an organization (npm syntax: @org:team)');
  registerTeamCreate(team, deps);
  registerTeamDestroy(team, deps);
  registerTeamAdd(team, deps);
  registerTeamRm(team, deps);
  registerTeamLs(team, deps);
  return team;
}
