import type { AppDeps } from '../../../factory.js';
import { HttpError } from '../../../client/errors.js';
import { CliError, ExitCode } from '../../../errors.js';
import { colorScheme } from '../../../ui/color.js';
import { writeJson } from '../../../ui/json.js';
import { formatTable } from '../../../ui/table.js';
import { safe, visible } from '../../../ui/visible.js';
import { confirmByTyping, requireConfirmable } from '../../confirm.js';
import type { RegistryFlags } from '../../common.js';
import { baseOptions, callerIn, checkOrgName, parseCount, paths, plural, requireOwner, withOrgApi, type BaseOptions, type OrgDeps, type RemovedMember } from '../api.js';
import { deadlineFlag, deadlineText, scheduledJson, type DeadlineFlag, type ScheduledJson, type ScheduleWire } from './deadline.js';

/**
 * `orgctl org 2fa enforce <org> --grace <duration> | --at <time>`: 2FA required from a deadline.
 * The registry warns members without 2FA now, reminds them 72 h and 24 h before, and removes
 * those still without it at the deadline by itself (docs/registry-api.md "Scheduled 2FA
 * enforcement"). Registered by enforce.ts, which hands its options over.
 */
export interface ScheduleOptions extends BaseOptions {
  org: string;
  deadline: DeadlineFlag;
  dryRun: boolean;
  yes: boolean;
  /** stored and re-checked at the deadline: more removals hold the schedule */
  maxRemovals?: number;
}

/** `--json` output. */
export interface ScheduleResult {
  org: string;
  dryRun: boolean;
  /** a dry run: `at` is null for `--grace` (the registry's clock sets it) */
  scheduled: (Omit<ScheduledJson, 'at'> & { at: string | null; grace?: string }) | ScheduledJson;
  /** members without 2FA: told now (would be, for a dry run) */
  notified: string[];
  notices?: 'email' | 'outbox';
}

export type ScheduleDeps = OrgDeps & Pick<AppDeps, 'clock'>;

const ENABLE_2FA = 'orgctl profile enable-2fa';

/** The enforce command's flags with `--grace` or `--at` (enforce.ts hands them over), checked. */
export async function runScheduled(
  org: string,
  flags: RegistryFlags & { dryRun?: boolean; yes?: boolean; maxRemovals?: string; grace?: string; at?: string },
  deps: AppDeps,
  runF = scheduleRun,
): Promise<void> {
  await runF(
    {
      ...baseOptions(flags),
      org: checkOrgName(org),
      deadline: deadlineFlag(flags)!,
      dryRun: !!flags.dryRun,
      yes: !!flags.yes,
      maxRemovals: flags.maxRemovals === undefined ? undefined : parseCount(flags.maxRemovals, '--max-removals'),
    },
    deps,
  );
}

export async function scheduleRun(opts: ScheduleOptions, deps: ScheduleDeps): Promise<void> {
  const { io } = deps;
  const { org, deadline } = opts;
  if (!opts.dryRun) requireConfirmable(deps, opts.yes, 'org 2fa enforce');
  const when = 'at' in deadline ? `from ${deadline.at}` : `${deadline.grace} from now`;
  const result = await withOrgApi(deps, opts, 'org', async (api): Promise<ScheduleResult> => {
    const me = await callerIn(api, org);
    requireOwner(me, org, 'require 2FA');
    if (me.twoFactor === false) {
      throw new CliError(`you (${me.user}) must turn on two-factor authentication before you can require it for ${org}.`, ExitCode.Failure, `Run \`${ENABLE_2FA}\`, then try again.`);
    }
    const preview = await api.get<{ required: boolean; wouldRemove: RemovedMember[] }>(paths.ext(org, 'tfa/preview'));
    if (preview.required) throw new CliError(`${org} already requires two-factor authentication; there is nothing to schedule.`);
    const without = preview.wouldRemove;
    const showPreview = !opts.json || (!opts.dryRun && !opts.yes);
    if (showPreview) (opts.json ? io.err : io.out)(previewText(org, when, without, opts.maxRemovals));
    const maxRemovals = opts.maxRemovals ?? null;
    if (opts.dryRun) {
      if (!opts.json) io.err('Dry run: nothing was changed.\n');
      const at = 'at' in deadline ? deadline.at : null;
      return { org, dryRun: true, scheduled: { at, ...('grace' in deadline ? { grace: deadline.grace } : {}), by: me.user, maxRemovals, state: 'pending' }, notified: without.map((m) => m.user) };
    }
    await confirmByTyping(deps, opts.yes, org, `This requires 2FA for ${org} ${when}; ${plural(without.length, 'member')} without 2FA ${without.length === 1 ? 'is' : 'are'} told now.`);
    try {
      const res = await api.write<{ scheduled: ScheduleWire; notified: string[]; notices?: 'email' | 'outbox' }>(
        'PUT',
        paths.ext(org, 'tfa/schedule'),
        { ...deadline, ...(opts.maxRemovals === undefined ? {} : { maxRemovals: opts.maxRemovals }) },
        { retry: false },
      );
      const notices = res.notices === 'email' || res.notices === 'outbox' ? res.notices : undefined;
      return { org, dryRun: false, scheduled: scheduledJson(res.scheduled), notified: res.notified, ...(notices ? { notices } : {}) };
    } catch (err) {
      if (err instanceof HttpError && err.code === 'ESCHEDULED') {
        throw new CliError(err.serverMessage ?? err.message, ExitCode.Failure, `See it: orgctl org 2fa status ${org}; cancel it: orgctl org 2fa cancel ${org}`);
      }
      throw err;
    }
  }, 'tfaSchedule');
  if (opts.json) return writeJson(io, result);
  if (result.dryRun) return;
  const cs = colorScheme(io, 'stdout');
  const at = result.scheduled.at!;
  io.out(`${cs.success} 2FA will be required for ${org} from ${visible(deadlineText(at, deps.clock.now(), io.isStdoutTTY))}.\n`);
  if (result.notified.length) {
    io.err(`Told ${plural(result.notified.length, 'member')} without 2FA: ${result.notified.map(visible).join(', ')}. They are reminded 72 h and 24 h before; those still without 2FA are removed then.\n`);
  }
  io.err(safe`Cancel: orgctl org 2fa cancel ${org}   Status: orgctl org 2fa status ${org}\n`);
}

function previewText(org: string, when: string, without: RemovedMember[], max: number | undefined): string {
  if (without.length === 0) return `2FA will be required for ${org} ${when}. Every member has 2FA on: nobody is told or would be removed.\n`;
  let text =
    `2FA will be required for ${org} ${when}. ${plural(without.length, 'member')} without 2FA ${without.length === 1 ? 'is' : 'are'} told now, reminded 72 h and 24 h before,\n` +
    `and removed at the deadline unless they turn it on. Joining ${org} needs 2FA from now on.\n` +
    formatTable([['USER', 'ROLE', 'TEAMS'], ...without.map((m) => [m.user, m.role, m.teams.length ? m.teams.join(',') : '-'])], '  ');
  if (max !== undefined && without.length > max) {
    text += `Today that is more than --max-removals ${max}: unless enough of them turn on 2FA, the schedule is held at the deadline and nobody is removed.\n`;
  }
  return text;
}
