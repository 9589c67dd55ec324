import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { colorScheme } from '../../../ui/color.js';
import { writeJson } from '../../../ui/json.js';
import type { RegistryFlags } from '../../common.js';
import { confirmByTyping, requireConfirmable } from '../../confirm.js';
import { addBaseOptions, baseOptions, callerIn, checkOrgName, paths, requireOwner, withOrgApi, type BaseOptions, type OrgDeps } from '../api.js';

export interface DisableOptions extends BaseOptions {
  org: string;
  /** Skip the typed confirmation (required without a terminal). */
  yes: boolean;
}

/** `--json` output. */
export interface DisableResult {
  org: string;
  required: false;
  wasRequired: boolean;
}

export function registerOrgTfaDisable(parent: Command, deps: AppDeps, runF = disableRun): Command {
  const cmd = parent
    .command('disable')
    .argument('<org>', 'organization name')
    .option('-y, --yes', 'do not ask for the typed confirmation (required without a terminal)')
    .description('Stop requiring 2FA for an org (owners); nobody is re-added');
  addBaseOptions(cmd, ['orgctl org 2fa disable acme', 'orgctl org 2fa disable acme --yes --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags & { yes?: boolean }) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), yes: !!flags.yes }, deps);
  });
}

/** Owner check, typed confirmation (or `--yes`), then `PUT …/tfa {required: false}`. */
export async function disableRun(opts: DisableOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const { org } = opts;
  requireConfirmable(deps, opts.yes, 'org 2fa disable');
  const res = await withOrgApi(deps, opts, 'org', async (api) => {
    requireOwner(await callerIn(api, org), org, 'stop requiring 2FA');
    await confirmByTyping(deps, opts.yes, org, `This stops requiring 2FA for ${org}: members without 2FA can join again.`);
    return api.write<DisableResult>('PUT', paths.ext(org, 'tfa'), { required: false });
  }, 'orgTfa');
  if (opts.json) return writeJson(io, { org: res.org, required: false, wasRequired: res.wasRequired });
  const cs = colorScheme(io, 'stdout');
  io.out(res.wasRequired ? `${cs.success} 2FA is no longer required for ${org}.\n` : `2FA was not required for ${org}; nothing changed.\n`);
}
