import type { Command } from 'commander';
import { CliError } from '../../errors.js';
import { HttpError, OtpRequiredError } from '../../client/errors.js';
import type { AppDeps } from '../../factory.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import { safe, visible } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkOrgName, withArticle, withOrgApi, type BaseOptions, type OrgDeps } from '../org/api.js';
import { invitePaths, type AcceptWire } from './api.js';

export interface InvitesAcceptOptions extends BaseOptions {
  org: string;
}

export function registerInvitesAccept(invites: Command, deps: AppDeps, runF = invitesAcceptRun): Command {
  const cmd = invites.command('accept').description("Join an organization with the invitation's role and teams").argument('<org>', 'organization');
  addBaseOptions(cmd, ['orgctl invites accept acme', 'orgctl invites accept acme --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
}

/**
 * `POST /-/orgctl/v1/invitations/:org/accept`. An org that requires 2FA refuses an invitee without
 * it (403 `ETFAREQUIRED`, the invitation stays); expired, revoked and declined invitations are
 * refused too. Each becomes a one-line error (exit 1) saying what to do.
 */
export async function invitesAcceptRun(opts: InvitesAcceptOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const res = await withOrgApi(deps, opts, 'invites accept', (api) => api.write<AcceptWire>('POST', invitePaths.accept(opts.org)), 'invitations').catch((err: unknown) => {
    throw invitationError(err, opts.org);
  });
  const result = { org: res.org, role: res.role, teams: res.teams };
  if (opts.json) return writeJson(io, result);
  const teams = result.teams.length ? ` in ${result.teams.map(visible).join(', ')}` : '';
  io.err(`${colorScheme(io, 'stderr').success} ${safe`Joined ${result.org} as ${withArticle(result.role)}`}${teams}\n`);
}

/** Turns the registry's refusals of an accept or decline into errors that say what to do next. */
export function invitationError(err: unknown, org: string): unknown {
  if (!(err instanceof HttpError) || err instanceof OtpRequiredError) return err;
  if (err.code === 'ETFAREQUIRED') {
    return new CliError(
      `${org} requires two-factor authentication and your account does not have it; the invitation stays pending.`,
      undefined,
      `Turn it on with \`orgctl profile enable-2fa\`, then run \`orgctl invites accept ${org}\` again.`,
    );
  }
  if (err.code === 'EEXPIRED') return new CliError(`your invitation to ${org} has expired and cannot be accepted.`, undefined, `Ask an owner of ${org} to invite you again.`);
  if (err.status === 404) {
    return new CliError(err.serverMessage ?? `you have no invitation to ${org}.`, undefined, 'An invitation that was revoked or declined cannot be used; `orgctl invites ls` lists yours.');
  }
  return err;
}
