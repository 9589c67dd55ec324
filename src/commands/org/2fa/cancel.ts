import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { HttpError } from '../../../client/errors.js';
import { CliError } from '../../../errors.js';
import { colorScheme } from '../../../ui/color.js';
import { writeJson } from '../../../ui/json.js';
import { visible } from '../../../ui/visible.js';
import type { RegistryFlags } from '../../common.js';
import { confirmYesNo, requireConfirmable } from '../../confirm.js';
import { addBaseOptions, baseOptions, callerIn, checkOrgName, paths, plural, requireOwner, withOrgApi, type BaseOptions, type OrgDeps } from '../api.js';
import { scheduledJson, type ScheduledJson, type ScheduleWire } from './deadline.js';

export interface CancelOptions extends BaseOptions {
  org: string;
  yes: boolean;
}

/** `--json` output. */
export interface CancelResult {
  org: string;
  cancelled: ScheduledJson;
  /** members without 2FA, told that the requirement is off */
  notified: string[];
}

export function registerOrgTfaCancel(parent: Command, deps: AppDeps, runF = cancelRun): Command {
  const cmd = parent
    .command('cancel')
    .argument('<org>', 'organization name')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .description('Cancel a scheduled 2FA requirement, pending or held (owners); members without 2FA are told');
  addBaseOptions(cmd, ['orgctl org 2fa cancel acme', 'orgctl org 2fa cancel acme --yes --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags & { yes?: boolean }) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), yes: !!flags.yes }, deps);
  });
}

/** Owner check, y/N (or `--yes`), then `DELETE …/tfa/schedule`. */
export async function cancelRun(opts: CancelOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org } = opts;
  requireConfirmable(deps, opts.yes, 'org 2fa cancel');
  const res = await withOrgApi(deps, opts, 'org', async (api): Promise<CancelResult> => {
    requireOwner(await callerIn(api, org), org, 'cancel a scheduled 2FA requirement');
    await confirmYesNo(deps, opts.yes, `Cancel the scheduled 2FA requirement for ${org}?`);
    try {
      const r = await api.write<{ cancelled: ScheduleWire; notified: string[] }>('DELETE', paths.ext(org, 'tfa/schedule'));
      return { org, cancelled: scheduledJson(r.cancelled), notified: r.notified };
    } catch (err) {
      if (err instanceof HttpError && err.status === 404 && err.serverMessage?.includes('no scheduled')) throw new CliError(err.serverMessage);
      throw err;
    }
  }, 'tfaSchedule');
  if (opts.json) return writeJson(io, res);
  const cs = colorScheme(io, 'stdout');
  io.out(`${cs.success} The 2FA requirement scheduled for ${org} from ${visible(res.cancelled.at)} is cancelled; nobody will be removed.\n`);
  if (res.notified.length) io.err(`Told ${plural(res.notified.length, 'member')} without 2FA: ${res.notified.map(visible).join(', ')}.\n`);
}
