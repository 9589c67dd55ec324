import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { HttpError } from '../../client/errors.js';
import { CliError, ExitCode } from '../../errors.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import { confirmByTyping, requireConfirmable } from '../confirm.js';
import { addBaseOptions, baseOptions, callerIn, checkOrgName, paths, plural, requireOwner, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface OrgDeleteOptions extends BaseOptions {
  org: string;
  /** Skip the typed confirmation (required without a terminal). */
  yes: boolean;
}

/** The registry's answer, and the `--json` output. */
export interface OrgDeleteResult {
  org: string;
  deleted: true;
  members: number;
  teams: number;
  invitations: number;
}

export function registerOrgDelete(parent: Command, deps: AppDeps, runF = orgDeleteRun): Command {
  const cmd = parent
    .command('delete')
    .argument('<org>', 'organization name')
    .option('-y, --yes', 'do not ask for the typed confirmation (required without a terminal)')
    .description('Delete an org with its members, teams and invitations (owners; refused while it has packages)');
  addBaseOptions(cmd, ['orgctl org delete acme                 # type "acme" to confirm', 'orgctl org delete acme --yes --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags & { yes?: boolean }) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), yes: !!flags.yes }, deps);
  });
}

/** Owner check, typed confirmation (or `--yes`), then `DELETE /-/orgctl/v1/orgs/:org`. */
export async function orgDeleteRun(opts: OrgDeleteOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org } = opts;
  requireConfirmable(deps, opts.yes, 'org delete');
  const res = await withOrgApi(deps, opts, 'org', async (api) => {
    requireOwner(await callerIn(api, org), org, 'delete it');
    await confirmByTyping(deps, opts.yes, org, `This deletes ${org}: every member leaves it, and its teams, invitations and removal records are deleted.`);
    try {
      return await api.write<OrgDeleteResult>('DELETE', paths.extOrg(org), undefined, { retry: false });
    } catch (err) {
      if (err instanceof HttpError && err.code === 'EORGPACKAGES') throw new CliError(err.serverMessage ?? err.message, ExitCode.Failure, `Unpublish the packages of @${org}/ first (npm unpublish <pkg> --force).`);
      throw err;
    }
  }, 'orgLifecycle');
  const result: OrgDeleteResult = { org: res.org, deleted: true, members: res.members, teams: res.teams, invitations: res.invitations };
  if (opts.json) return writeJson(io, result);
  io.out(`${colorScheme(io, 'stdout').success} ` + safe`Deleted org ${result.org} (${plural(result.members, 'member')}, ${plural(result.teams, 'team')}, ${plural(result.invitations, 'pending invitation')}).\n`);
}
