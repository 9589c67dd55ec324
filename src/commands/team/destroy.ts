import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import type { RegistryFlags } from '../common.js';
import { confirmYesNo, requireConfirmable } from '../confirm.js';
import { addBaseOptions, baseOptions, parseTeamSpec, paths, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';

export interface TeamDestroyOptions extends BaseOptions {
  org: string;
  team: string;
  /** Skip the y/N confirmation (required without a terminal). */
  yes: boolean;
}

export function registerTeamDestroy(parent: Command, deps: AppDeps, runF = teamDestroyRun): Command {
  const cmd = parent
    .command('destroy')
    .argument('<@org:team>', 'the team to destroy')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .description('Destroy a team (owners and admins; the developers team cannot be destroyed)');
  addBaseOptions(cmd, ['orgctl team destroy @acme:devs', 'orgctl team destroy @acme:devs --yes --otp 123456 --json']);
  return cmd.action(async (spec: string, flags: RegistryFlags & { yes?: boolean }) => {
    const { org, team } = parseTeamSpec(spec);
    await runF({ ...baseOptions(flags), org, team: team!, yes: !!flags.yes }, deps);
  });
}

/** y/N confirmation (or `--yes`), then `DELETE /-/team/:org/:team`; prints `-@org:team` like npm. */
export async function teamDestroyRun(opts: TeamDestroyOptions, deps: OrgDeps): Promise<void> {
  requireConfirmable(deps, opts.yes, 'team destroy');
  await confirmYesNo(deps, opts.yes, `Destroy team @${opts.org}:${opts.team}? Its members stay in ${opts.org}.`);
  await withOrgApi(deps, opts, 'team', (api) => api.write('DELETE', paths.team(opts.org, opts.team)));
  if (opts.json) return writeJson(deps.io, { deleted: true, team: `${opts.org}:${opts.team}` });
  deps.io.out(`-@${opts.org}:${opts.team}\n`);
}
