import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { writeJson } from '../../../ui/json.js';
import { safe, visible } from '../../../ui/visible.js';
import type { RegistryFlags } from '../../common.js';
import { addBaseOptions, baseOptions, checkOrgName, paths, withOrgApi, type BaseOptions, type OrgDeps } from '../api.js';

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
}

export function registerOrgTfaStatus(parent: Command, deps: AppDeps, runF = statusRun): Command {
  const cmd = parent
    .command('status')
    .argument('<org>', 'organization name')
    .description('Show whether an org requires 2FA, how many members it has and who has no 2FA (owners and admins)');
  addBaseOptions(cmd, ['orgctl org 2fa status acme', 'orgctl org 2fa status acme --json']);
  return cmd.action(async (org: string, flags: RegistryFlags) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org) }, deps);
  });
}

/** `GET /-/orgctl/v1/orgs/:org/tfa`. */
export async function statusRun(opts: StatusOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const s = await withOrgApi(deps, opts, 'org', (api) =>
    api.get<StatusResult & { since?: string | null }>(paths.ext(opts.org, 'tfa')),
  'orgTfa');
  const withoutTwoFactor = [...s.withoutTwoFactor].sort();
  if (opts.json) return writeJson(io, { org: s.org, required: s.required, members: s.members, withoutTwoFactor });
  io.out(`2FA required: ${s.required ? `yes${s.since ? safe` (since ${s.since})` : ''}` : 'no'}\n`);
  io.out(safe`Members: ${s.members}\n`);
  io.out(`Without 2FA: ${withoutTwoFactor.length ? `${withoutTwoFactor.length} (${withoutTwoFactor.map(visible).join(', ')})` : 'none'}\n`);
  if (!s.required && withoutTwoFactor.length) {
    io.err(safe`Next: \`orgctl org 2fa remind ${s.org}\` warns them; \`orgctl org 2fa enforce ${s.org} --dry-run\` shows who would be removed.\n`);
  }
}
