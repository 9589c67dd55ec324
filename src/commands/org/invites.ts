import type { Command } from 'commander';
import { CliError } from '../../errors.js';
import { HttpError, OtpRequiredError } from '../../client/errors.js';
import { explainMissing } from '../../client/capabilities.js';
import type { AppDeps } from '../../factory.js';
import type { Role } from '../../shared/names.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';
import { formatTable } from '../../ui/table.js';
import { timeShower } from '../../ui/time.js';
import type { RegistryFlags } from '../common.js';
import { expectList, type InvitationWire } from '../invites/api.js';
import { addBaseOptions, baseOptions, checkMemberName, checkOrgName, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface OrgInvitesLsOptions extends BaseOptions {
  org: string;
}

export interface OrgInvitesRevokeOptions extends BaseOptions {
  org: string;
  users: string[];
}

/** An item of `org invites ls --json` (docs/invitations.md). */
export interface OrgInvitationItem {
  user: string;
  role: Role;
  teams: string[];
  expires: string;
  expired: boolean;
  reinstate: boolean;
}

/** `org invites revoke --json`. */
export interface OrgInvitesRevokeResult {
  org: string;
  revoked: string[];
  failed: { user: string; error: string }[];
}

export function registerOrgInvites(orgCommand: Command, deps: AppDeps, runLs = orgInvitesLsRun, runRevoke = orgInvitesRevokeRun): Command {
  const invites = orgCommand.command('invites').description("List or revoke an organization's invitations");
  const ls = invites
    .command('ls')
    .description('List pending and expired invitations (owners and admins)')
    .argument('<org>', 'organization');
  addBaseOptions(ls, ['orgctl org invites ls acme', 'orgctl org invites ls acme --json']);
  ls.action(async (org: string, flags: RegistryFlags) => {
    await runLs({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
  const revoke = invites
    .command('revoke')
    .description('Revoke invitations (owners only)')
    .argument('<org>', 'organization')
    .argument('<user...>', 'invited users');
  addBaseOptions(revoke, ['orgctl org invites revoke acme carol', 'orgctl org invites revoke acme carol newbie --otp 123456']);
  revoke.action(async (org: string, users: string[], flags: RegistryFlags) => {
    await runRevoke({ ...baseOptions(flags), org: checkOrgName(org), users: [...new Set(users.map(checkMemberName))] }, deps);
  });
  return invites;
}

/** `GET /-/orgctl/v1/orgs/:org/invitations`: a table on stdout, or the `--json` array. */
export async function orgInvitesLsRun(opts: OrgInvitesLsOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const wire = await withOrgApi(deps, opts, 'org invites ls', async (api) => expectList<InvitationWire>(await api.get(paths.ext(opts.org, 'invitations')), 'invitations'), 'invitations');
  const items: OrgInvitationItem[] = wire.map((i) => ({ user: i.user, role: i.role, teams: i.teams, expires: i.expires, expired: i.expired, reinstate: i.reinstate }));
  if (opts.json) return writeJson(io, items);
  if (items.length === 0) {
    io.err(`${opts.org} has no invitations.\n`);
    return;
  }
  const when = timeShower(io, deps.clock);
  io.out(
    formatTable([
      ['USER', 'ROLE', 'TEAMS', 'EXPIRES', 'STATUS'],
      ...items.map((i) => [i.user, i.role, i.teams.join(',') || '-', when(i.expires), `${i.expired ? 'expired' : 'pending'}${i.reinstate ? ' (reinstate)' : ''}`]),
    ]),
  );
}

/**
 * `DELETE /-/orgctl/v1/orgs/:org/invitations/:user` for each user. A user with no invitation is
 * reported and the others are still revoked (exit 1 if any failed). A one-time password that
 * worked is reused for the next user.
 */
export async function orgInvitesRevokeRun(opts: OrgInvitesRevokeOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const result: OrgInvitesRevokeResult = { org: opts.org, revoked: [], failed: [] };
  await withOrgApi(deps, opts, 'org invites revoke', async (api) => {
    for (const user of opts.users) {
      try {
        await api.write('DELETE', paths.ext(opts.org, `invitations/${encodeURIComponent(user)}`));
        result.revoked.push(user);
      } catch (err) {
        // Only "this user has no invitation" is per user; anything else (not an owner, OTP, network) stops here.
        if (!(err instanceof HttpError && err.status === 404) || err instanceof OtpRequiredError) throw err;
        // …unless the registry has no invitations at all.
        const meant = await explainMissing(err, api.client, 'invitations');
        if (meant !== err) throw meant;
        result.failed.push({ user, error: err.serverMessage ?? err.message });
      }
    }
  }, 'invitations');
  if (opts.json) writeJson(io, result);
  else {
    const cs = colorScheme(io, 'stderr');
    for (const u of result.revoked) io.err(`${cs.success} Revoked the invitation of ${u} to ${opts.org}\n`);
    for (const f of result.failed) io.err(`${cs.failure} ${safe`${f.user}: ${f.error}`}\n`);
  }
  if (result.failed.length > 0) throw new CliError(`${result.failed.length} of ${plural(opts.users.length, 'invitation')} could not be revoked.`);
}
