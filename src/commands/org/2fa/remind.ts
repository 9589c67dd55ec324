import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { writeJson } from '../../../ui/json.js';
import { visible } from '../../../ui/visible.js';
import type { RegistryFlags } from '../../common.js';
import { addBaseOptions, baseOptions, checkOrgName, paths, plural, withOrgApi, type BaseOptions, type OrgDeps } from '../api.js';

export interface RemindOptions extends BaseOptions {
  org: string;
}

/** `--json` output. */
export interface RemindResult {
  org: string;
  notified: string[];
}

export function registerOrgTfaRemind(parent: Command, deps: AppDeps, runF = remindRun): Command {
  const cmd = parent
    .command('remind')
    .argument('<org>', 'organization name')
    .description('Tell every member without 2FA that the org will require it (the step before enforcing)');
  addBaseOptions(cmd, ['orgctl org 2fa remind acme', 'orgctl org 2fa remind acme --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
}

/** `POST /-/orgctl/v1/orgs/:org/tfa/remind` (owners and admins): one notification per member without 2FA. */
export async function remindRun(opts: RemindOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const res = await withOrgApi(deps, opts, 'org', (api) => api.write<RemindResult>('POST', paths.ext(opts.org, 'tfa/remind')), 'orgTfa');
  if (opts.json) return writeJson(io, { org: res.org, notified: res.notified });
  if (res.notified.length === 0) {
    io.out(`Every member of ${opts.org} has 2FA on; nobody to remind.\n`);
    return;
  }
  io.out(`Reminded ${plural(res.notified.length, 'member')} of ${opts.org} to turn on 2FA: ${res.notified.map(visible).join(', ')}\n`);
}
