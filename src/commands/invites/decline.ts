import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkOrgName, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';
import { invitationError } from './accept.js';
import { invitePaths } from './api.js';

export interface InvitesDeclineOptions extends BaseOptions {
  org: string;
}

export function registerInvitesDecline(invites: Command, deps: AppDeps, runF = invitesDeclineRun): Command {
  const cmd = invites.command('decline').description('Decline an invitation (it is deleted)').argument('<org>', 'organization');
  addBaseOptions(cmd, ['orgctl invites decline acme', 'orgctl invites decline acme --json']);
  return cmd.action(async (org: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
}

/** `POST /-/orgctl/v1/invitations/:org/decline`; `--json` prints `{"org", "declined": true}`. */
export async function invitesDeclineRun(opts: InvitesDeclineOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  await withOrgApi(deps, opts, 'invites decline', (api) => api.write('POST', invitePaths.decline(opts.org)), 'invitations').catch((err: unknown) => {
    throw invitationError(err, opts.org);
  });
  if (opts.json) return writeJson(io, { org: opts.org, declined: true });
  io.err(`${colorScheme(io, 'stderr').success} Declined the invitation to ${opts.org}\n`);
}
