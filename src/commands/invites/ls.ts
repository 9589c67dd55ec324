import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { Role } from '../../shared/names.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { visible } from '../../ui/visible.js';
import { timeShower } from '../../ui/time.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';
import { expectList, invitePaths, type InvitationWire } from './api.js';

export type InvitesLsOptions = BaseOptions;

/** An item of `invites ls --json` (docs/invitations.md). */
export interface MyInvitationItem {
  org: string;
  role: Role;
  teams: string[];
  expires: string;
  /** the org will require 2FA of every member from this time (a scheduled requirement: joining needs 2FA already), or null */
  tfaRequiredFrom: string | null;
}

export function registerInvitesLs(invites: Command, deps: AppDeps, runF = invitesLsRun): Command {
  const cmd = invites.command('ls').description('List your pending invitations');
  addBaseOptions(cmd, ['orgctl invites ls', 'orgctl invites ls --json']);
  return cmd.action(async (flags: RegistryFlags) => {
    await runF(baseOptions(flags), deps);
  });
}

/** `GET /-/orgctl/v1/invitations`: a table on stdout, or the `--json` array. Expired ones are not listed. */
export async function invitesLsRun(opts: InvitesLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const wire = await withOrgApi(deps, opts, 'invites ls', async (api) => expectList<InvitationWire>(await api.get(invitePaths.mine), 'invitations'), 'invitations');
  const items: MyInvitationItem[] = wire.map((i) => ({ org: i.org, role: i.role, teams: i.teams, expires: i.expires, tfaRequiredFrom: typeof i.tfaRequiredFrom === 'string' ? i.tfaRequiredFrom : null }));
  if (opts.json) return writeJson(io, items);
  if (items.length === 0) {
    io.err('You have no pending invitations.\n');
    return;
  }
  const when = timeShower(io, deps.clock);
  io.out(formatTable([['ORG', 'ROLE', 'TEAMS', 'EXPIRES'], ...items.map((i) => [i.org, i.role, i.teams.join(',') || '-', when(i.expires)])]));
  for (const i of items) {
    if (i.tfaRequiredFrom) io.err(`${visible(i.org)} requires two-factor authentication to join (and of every member from ${visible(when(i.tfaRequiredFrom))}): turn it on first (orgctl profile enable-2fa).\n`);
  }
  io.err(`Accept one with: orgctl invites accept <org>\n`);
}
