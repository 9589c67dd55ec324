import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { writeJson } from '../../../ui/json.js';
import { safe, visible } from '../../../ui/visible.js';
import type { RegistryFlags } from '../../common.js';
import { addBaseOptions, baseOptions, checkOrgName, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from '../api.js';
import { deadlineText, scheduledJson, type ScheduledJson, type ScheduleWire } from './deadline.js';

export interface StatusOptions extends BaseOptions {
  org: string;
}

/** `--json` output. */
export interface StatusResult {
  org: string;
  required: boolean;
  members: number;
  /** sorted */
  withoutTwoFactor: string[];
  /** a requirement scheduled for a deadline (`org 2fa enforce --grace|--at`), or null; absent when the registry does not say */
  scheduled?: ScheduledJson | null;
}

export type StatusDeps = OrgDeps & Pick<AppDeps, 'clock'>;

export function registerOrgTfaStatus(parent: Command, deps: AppDeps, runF = statusRun): Command {
  const cmd = parent
    .command('status')
    .argument('<org>', 'organization name')
    .description('Show whether an org requires 2FA (or will, from a deadline), how many members it has and who has no 2FA (owners and admins)');
  addBaseOptions(cmd, ['orgctl org 2fa status acme', 'orgctl org 2fa status acme --json']);
  return cmd.action(async (org: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
}

/** `GET /-/orgctl/v1/orgs/:org/tfa`. */
export async function statusRun(opts: StatusOptions, deps: StatusDeps): Promise<void> {
  const { io } = deps;
  const s = await withOrgApi(deps, opts, 'org', (api) =>
    api.get<Omit<StatusResult, 'scheduled'> & { since?: string | null; scheduled?: ScheduleWire | null }>(paths.ext(opts.org, 'tfa')),
  'orgTfa');
  const withoutTwoFactor = [...s.withoutTwoFactor].sort();
  const scheduled = s.scheduled === undefined ? undefined : s.scheduled && scheduledJson(s.scheduled);
  if (opts.json) return writeJson(io, { org: s.org, required: s.required, members: s.members, withoutTwoFactor, ...(scheduled === undefined ? {} : { scheduled }) });
  io.out(`2FA required: ${s.required ? `yes${s.since ? safe` (since ${s.since})` : ''}` : 'no'}\n`);
  if (scheduled) {
    io.out(`Scheduled: from ${visible(deadlineText(scheduled.at, deps.clock.now(), io.isStdoutTTY))}, by ${visible(scheduled.by)}${scheduled.maxRemovals === null ? '' : `, at most ${plural(scheduled.maxRemovals, 'removal')}`}\n`);
    if (scheduled.state === 'held') io.out(`State: held (nothing removed): ${visible(scheduled.heldReason ?? 'see the audit log')}\n`);
  }
  io.out(safe`Members: ${s.members}\n`);
  io.out(`Without 2FA: ${withoutTwoFactor.length ? `${withoutTwoFactor.length} (${withoutTwoFactor.map(visible).join(', ')})` : 'none'}\n`);
  if (scheduled?.state === 'held') {
    io.err(safe`Next: \`orgctl org 2fa enforce ${s.org}\` enforces now; \`orgctl org 2fa cancel ${s.org}\` cancels.\n`);
  } else if (scheduled) {
    if (withoutTwoFactor.length) io.err(safe`They are removed at the deadline unless they turn on 2FA. Cancel: \`orgctl org 2fa cancel ${s.org}\`.\n`);
  } else if (!s.required && withoutTwoFactor.length) {
    io.err(safe`Next: \`orgctl org 2fa remind ${s.org}\` warns them; \`orgctl org 2fa enforce ${s.org} --dry-run\` shows who would be removed.\n`);
  }
}
