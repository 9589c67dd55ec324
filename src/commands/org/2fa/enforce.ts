import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { HttpError } from '../../../client/errors.js';
import { CliError, ExitCode } from '../../../errors.js';
import { colorScheme } from '../../../ui/color.js';
import { wrapText } from '../../../ui/wrap.js';
import { writeJson } from '../../../ui/json.js';
import { formatTable } from '../../../ui/table.js';
import type { IO } from '../../../ui/io.js';
import { addHelpProse, type RegistryFlags } from '../../common.js';
import { confirmByTyping, requireConfirmable } from '../../confirm.js';
import {
  addBaseOptions,
  baseOptions,
  callerIn,
  checkOrgName,
  parseCount,
  paths,
  plural,
  requireOwner,
  withOrgApi,
  type BaseOptions,
  type OrgDeps,
  type RemovedMember,
} from '../api.js';

export interface EnforceOptions extends BaseOptions {
  org: string;
  /** Show the preview and stop: nothing changes. */
  dryRun: boolean;
  /** Skip the typed confirmation (required without a terminal). */
  yes: boolean;
  /** Refuse when more members than this would be removed (checked here and by the registry). */
  maxRemovals?: number;
}

/** `--json` output: for a dry run `removed` is who would be removed and `required` is unchanged. */
export interface EnforceResult {
  org: string;
  dryRun: boolean;
  required: boolean;
  removed: RemovedMember[];
  /** how the registry notifies removed members: `email`, or notices written to its `outbox` (no SMTP); absent if it does not say */
  notices?: Notices;
}

type Notices = 'email' | 'outbox';

/** How removed members learn of it, as the registry reports it: [in the preview, after the change]. */
function toldHow(n: Notices | undefined): [string, string] {
  if (n === 'email') return ['are told by email', 'Each was told by email'];
  if (n === 'outbox') return ["get a notice written to the registry's outbox (it sends no email)", "Notices were written to the registry's outbox (it sends no email)"];
  return ['are notified by the registry', 'Each was notified by the registry'];
}

/** How long the registry keeps a removal record (former role and teams) for reinstatement. */
const RECORD_DAYS = 90;
const ENABLE_2FA = 'orgctl profile enable-2fa';

export function registerOrgTfaEnforce(parent: Command, deps: AppDeps, runF = enforceRun): Command {
  const cmd = parent
    .command('enforce')
    .argument('<org>', 'organization name')
    .option('--dry-run', 'show who would be removed, change nothing')
    .option('-y, --yes', 'do not ask for the typed confirmation (required without a terminal)')
    .option('--max-removals <n>', 'refuse, changing nothing, if more than <n> members would be removed')
    .option('--grace <duration>', 'require 2FA after a grace period (7d, 36h): warn now, remove at the deadline')
    .option('--at <time>', 'require 2FA from an ISO time (2026-12-24T12:00:00Z): warn now, remove then')
    .description('Require two-factor authentication for an org; members without 2FA are removed at once, or at a deadline');
  addHelpProse(
    cmd,
    `Removed members lose access to the org's packages at once and are notified (by email when the registry sends mail). Their role and teams are kept for ${RECORD_DAYS} days: once they turn on 2FA, run \`orgctl org invite <org> <user> --reinstate\`.`,
  );
  addBaseOptions(cmd, [
    'orgctl org 2fa enforce acme --dry-run',
    'orgctl org 2fa enforce acme                      # preview, then type "acme" to confirm',
    'orgctl org 2fa enforce acme --yes --max-removals 5 --otp 123456 --json',
    'orgctl org 2fa enforce acme --grace 7d --max-removals 5   # warn now, remove in 7 days',
  ]);
  return cmd.action(async (org: string, flags: RegistryFlags & { dryRun?: boolean; yes?: boolean; maxRemovals?: string; grace?: string; at?: string }) => {
    // --grace / --at: a scheduled requirement (schedule.ts)
    if (flags.grace !== undefined || flags.at !== undefined) return (await import('./schedule.js')).runScheduled(org, flags, deps);
    await runF(
      {
        ...baseOptions(flags),
        org: checkOrgName(org),
        dryRun: !!flags.dryRun,
        yes: !!flags.yes,
        maxRemovals: flags.maxRemovals === undefined ? undefined : parseCount(flags.maxRemovals, '--max-removals'),
      },
      deps,
    );
  });
}

/**
 * 1. the caller must be an owner with 2FA on; 2. preview (`GET …/tfa/preview`); 3. `--dry-run`
 * stops; `--max-removals` refuses; 4. typed confirmation or `--yes`; 5. `PUT …/tfa
 * {required: true, maxRemovals}`: the registry removes everyone without 2FA in one all-or-nothing
 * change; 6. print who was removed and how to reinstate them.
 */
export async function enforceRun(opts: EnforceOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org } = opts;
  if (!opts.dryRun) requireConfirmable(deps, opts.yes, 'org 2fa enforce');
  let noop = false;
  const result = await withOrgApi(deps, opts, 'org', async (api): Promise<EnforceResult> => {
    const me = await callerIn(api, org);
    requireOwner(me, org, 'require 2FA');
    if (me.twoFactor === false) {
      throw new CliError(`you (${me.user}) must turn on two-factor authentication before you can require it for ${org}.`, ExitCode.Failure, `Run \`${ENABLE_2FA}\`, then try again.`);
    }
    const preview = await api.get<{ required: boolean; wouldRemove: RemovedMember[]; notices?: Notices }>(paths.ext(org, 'tfa/preview'));
    const wouldRemove = preview.wouldRemove;
    // Already required, so (an invariant of the registry) every member has 2FA: there is nothing
    // to change, hence no confirmation, no write and no OTP.
    noop = !opts.dryRun && preview.required && wouldRemove.length === 0;
    // In JSON mode the preview goes to stderr, and only when someone is about to confirm it.
    const showPreview = !noop && (!opts.json || (!opts.dryRun && !opts.yes));
    const notices = preview.notices === 'email' || preview.notices === 'outbox' ? preview.notices : undefined;
    if (showPreview) (opts.json ? io.err : io.out)(wrapText(previewText(org, preview.required, wouldRemove, notices), io.textWidth(opts.json ? 'stderr' : 'stdout')));
    if (opts.dryRun || noop) {
      if (opts.dryRun && !opts.json) io.err('Dry run: nothing was changed.\n');
      return { org, dryRun: opts.dryRun, required: preview.required, removed: wouldRemove, ...(notices ? { notices } : {}) };
    }
    if (opts.maxRemovals !== undefined && wouldRemove.length > opts.maxRemovals) {
      throw new CliError(
        `requiring 2FA would remove ${plural(wouldRemove.length, 'member')} of ${org}, more than --max-removals ${opts.maxRemovals}; nothing was changed.`,
      );
    }
    await confirmByTyping(
      deps,
      opts.yes,
      org,
      wouldRemove.length ? `This requires 2FA for ${org} and removes ${plural(wouldRemove.length, 'member')} now.` : `This requires 2FA for ${org}.`,
    );
    try {
      // Never repeated: if the first attempt was applied and its answer lost, a repeat would
      // answer "nobody removed". The user is told the change may have been made instead.
      const res = await api.write<{ required: true; removed: RemovedMember[]; notices?: Notices }>(
        'PUT',
        paths.ext(org, 'tfa'),
        { required: true, ...(opts.maxRemovals === undefined ? {} : { maxRemovals: opts.maxRemovals }) },
        { retry: false },
      );
      const told = res.notices === 'email' || res.notices === 'outbox' ? res.notices : undefined;
      return { org, dryRun: false, required: res.required, removed: res.removed, ...(told ? { notices: told } : {}) };
    } catch (err) {
      throw explainRefusal(err);
    }
  }, 'orgTfa');
  if (opts.json) return writeJson(io, result);
  if (noop) io.out(`2FA is already required for ${org}; nobody to remove.\n`);
  else if (!result.dryRun) printOutcome(io, result);
}

/** Who would be removed, with role and teams, and what they lose. */
export function previewText(org: string, required: boolean, wouldRemove: RemovedMember[], notices?: Notices): string {
  const state = required ? `2FA is already required for ${org}.` : `2FA is not required for ${org} yet.`;
  if (wouldRemove.length === 0) return `${state} Every member has 2FA on: nobody would be removed.\n`;
  return (
    `${state} Requiring it removes ${plural(wouldRemove.length, 'member')} without 2FA:\n` +
    memberTable(wouldRemove) +
    `They lose access to ${org}'s packages at once, leave every team, and ${toldHow(notices)[0]}.\n` +
    `Their role and teams are kept for ${RECORD_DAYS} days so they can be reinstated.\n`
  );
}

function memberTable(members: RemovedMember[]): string {
  return formatTable([['USER', 'ROLE', 'TEAMS'], ...members.map((m) => [m.user, m.role, m.teams.length ? m.teams.join(',') : '-'])], '  ');
}

function printOutcome(io: IO, r: EnforceResult): void {
  const cs = colorScheme(io, 'stdout');
  if (r.removed.length === 0) {
    io.out(`${cs.success} 2FA is required for ${r.org}; nobody was removed.\n`);
    return;
  }
  io.out(`${cs.success} 2FA is required for ${r.org}. Removed ${plural(r.removed.length, 'member')}:\n${memberTable(r.removed)}`);
  io.err(
    `${toldHow(r.notices)[1]}. Once they turn on 2FA (${ENABLE_2FA}), reinstate them with their former role and teams\n` +
      `(within ${RECORD_DAYS} days): orgctl org invite ${r.org} --reinstate   (or: orgctl org invite ${r.org} <user> --reinstate)\n`,
  );
}

/** Adds the fixing command to the registry's refusals that have one. */
function explainRefusal(err: unknown): unknown {
  if (!(err instanceof HttpError)) return err;
  if (err.code === 'ETFAOWNER') return new CliError(err.serverMessage ?? err.message, ExitCode.Failure, `Run \`${ENABLE_2FA}\`, then try again.`);
  if (err.code === 'EMAXREMOVALS') return new CliError(err.serverMessage ?? err.message, ExitCode.Failure, 'Check the preview with --dry-run.');
  return err;
}
