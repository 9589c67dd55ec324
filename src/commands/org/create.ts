import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { HttpError } from '../../client/errors.js';
import { CliError, ExitCode } from '../../errors.js';
import { colorScheme } from '../../ui/color.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkOrgName, paths, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface OrgCreateOptions extends BaseOptions {
  org: string;
  /** create it with 2FA required from the start (the creator must have 2FA on) */
  requireTfa: boolean;
}

/** The registry's answer, and the `--json` output. */
export interface OrgCreateResult {
  org: string;
  owner: string;
  requireTfa: boolean;
  created: string;
}

export function registerOrgCreate(parent: Command, deps: AppDeps, runF = orgCreateRun): Command {
  const cmd = parent
    .command('create')
    .argument('<org>', 'the new org\'s name (free: not a user, an org or a package scope in use)')
    .option('--require-2fa', 'require two-factor authentication from the start (you must have 2FA on)')
    .description('Create an org; you become its owner');
  addBaseOptions(cmd, ['orgctl org create acme', 'orgctl org create acme --require-2fa --otp 123456 --json']);
  return cmd.action(async (org: string, flags: RegistryFlags & { require2fa?: boolean }) => {
    await runF({ ...baseOptions(flags), org: checkOrgName(org), requireTfa: !!flags.require2fa }, deps);
  });
}

/** `PUT /-/orgctl/v1/orgs/:org {requireTfa}`, never repeated (a lost answer would come back as "taken"). */
export async function orgCreateRun(opts: OrgCreateOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const res = await withOrgApi(deps, opts, 'org', async (api) => {
    try {
      return await api.write<OrgCreateResult>('PUT', paths.extOrg(opts.org), { requireTfa: opts.requireTfa }, { retry: false });
    } catch (err) {
      if (err instanceof HttpError && err.code === 'ETFAOWNER') {
        throw new CliError(err.serverMessage ?? err.message, ExitCode.Failure, 'Run `orgctl profile enable-2fa`, or create the org without --require-2fa.');
      }
      throw err;
    }
  }, 'orgLifecycle');
  const result: OrgCreateResult = { org: res.org, owner: res.owner, requireTfa: res.requireTfa, created: res.created };
  if (opts.json) return writeJson(io, result);
  io.out(`${colorScheme(io, 'stdout').success} ` + safe`Created org ${result.org}; you (${result.owner}) are its owner${result.requireTfa ? ', and it requires 2FA' : ''}.\n`);
}
