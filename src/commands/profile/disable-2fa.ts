import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { HttpError } from '../../client/errors.js';
import { CliError } from '../../errors.js';
import { writeJson } from '../../ui/json.js';
import { colorScheme } from '../../ui/color.js';
import { readPassword } from '../password.js';
import { addExamples, addJsonOption, addOtpOption, addRegistryOption, checkOtp, withConnection, type RegistryFlags } from '../common.js';
import { fetchProfile, postTfa, postTfaWithOtp, tfaState, type ProfileDeps } from './api.js';

export interface Disable2faOptions {
  passwordStdin: boolean;
  otp?: string;
  registry?: string;
  json: boolean;
}

export type Disable2faDeps = ProfileDeps;

export function registerDisable2fa(profile: Command, deps: AppDeps, runF = disable2faRun): Command {
  const cmd = profile
    .command('disable-2fa')
    .description('Turn off two-factor authentication (needs your password and a code or a recovery code)')
    .option('--password-stdin', 'read the password from stdin');
  addRegistryOption(cmd);
  addOtpOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, ['orgctl profile disable-2fa', 'printf %s "$PASSWORD" | orgctl profile disable-2fa --password-stdin --otp 123456 --json']);
  return cmd.action(async (flags: RegistryFlags & { passwordStdin?: boolean }) => {
    await runF({ passwordStdin: !!flags.passwordStdin, otp: checkOtp(flags.otp), registry: flags.registry, json: !!flags.json }, deps);
  });
}

/**
 * `POST /-/npm/v1/user {tfa:{password, mode:"disable"}}` inside otplease (npm's disable-2fa). An
 * unfinished enrolment is cancelled the same way (no OTP needed). The registry refuses while the
 * user belongs to an org that requires 2FA; that is exit 1 with the orgs named.
 */
export async function disable2faRun(opts: Disable2faOptions, deps: Disable2faDeps): Promise<void> {
  const { io } = deps;
  await withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, async ({ client }) => {
    const tfa = tfaState(await fetchProfile(client));
    if (tfa.state === 'off') {
      if (opts.json) writeJson(io, { tfa: false });
      else io.err('Two-factor authentication is not enabled.\n');
      return;
    }
    const password = await readPassword(deps, {
      stdin: opts.passwordStdin,
      noTtyHint: 'Without a terminal, pass --password-stdin (and --otp <code>).',
      missing: 'disable-2fa needs your password.',
    });
    if (tfa.state === 'pending') {
      await postTfa(client, { password, mode: 'disable' });
    } else {
      try {
        await postTfaWithOtp(client, { password, mode: 'disable' }, { ...deps, otp: opts.otp });
      } catch (err) {
        if (err instanceof HttpError && err.code === 'ETFAREQUIRED') {
          // The registry's words name the orgs and say to leave them; the hint adds only what they do not.
          throw new CliError(
            err.serverMessage ?? 'you cannot disable two-factor authentication while you belong to an org that requires it.',
            undefined,
            'An owner of the org can also remove you; then run this again.',
          );
        }
        throw err;
      }
    }
    if (opts.json) writeJson(io, { tfa: false });
    else if (tfa.state === 'pending') io.err('Cancelled the unfinished two-factor enrolment; two-factor authentication is off.\n');
    else io.err(`${colorScheme(io, 'stderr').success} Two-factor authentication disabled.\n`);
  });
}
