import type { Command } from 'commander';
import type { AppDeps } from '../factory.js';
import { HttpError, OtpRequiredError } from '../client/errors.js';
import { withOtp } from '../client/otp.js';
import { writeJson } from '../ui/json.js';
import { colorScheme } from '../ui/color.js';
import { safe } from '../ui/visible.js';
import { addExamples, addJsonOption, addOtpOption, addRegistryOption, checkOtp, withConnection, type RegistryFlags } from './common.js';

export interface LogoutOptions {
  registry?: string;
  otp?: string;
  json: boolean;
}

export type LogoutDeps = Pick<AppDeps, 'io' | 'connect' | 'tokenStore' | 'prompter'>;

export function registerLogout(program: Command, deps: AppDeps, runF = logoutRun): Command {
  const cmd = program.command('logout').description('Revoke your token on the registry and forget it locally');
  addRegistryOption(cmd);
  addOtpOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, ['orgctl logout', 'orgctl logout --registry https://registry.example.com/', 'orgctl logout --json']);
  return cmd.action(async (flags: RegistryFlags) => {
    await runF({ registry: flags.registry, otp: checkOtp(flags.otp), json: !!flags.json }, deps);
  });
}

/**
 * `DELETE /-/user/token/<token>`, then removes the token orgctl stored for the registry. A token
 * the server already refuses (401) is forgotten too: it is useless either way.
 */
export async function logoutRun(opts: LogoutOptions, deps: LogoutDeps): Promise<void> {
  const { io } = deps;
  await withConnection(deps, { registry: opts.registry, command: 'logout', auth: 'required' }, async ({ client, registry, token }) => {
    const tok = token!;
    let revoked = true;
    try {
      await withOtp((otp) => client.request('DELETE', `-/user/token/${encodeURIComponent(tok.token)}`, { otp }), {
        otp: opts.otp,
        io,
        prompter: deps.prompter,
        webAuth: { client, io },
      });
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 401) || err instanceof OtpRequiredError) throw err;
      revoked = false;
      io.err('The registry no longer accepts this token; forgetting it.\n');
    }
    const forgotten = tok.source === 'orgctl login' ? await (await deps.tokenStore()).delete(registry.url) : false;
    if (opts.json) {
      writeJson(io, { registry: registry.url, revoked, forgotten, source: tok.source });
    } else {
      const cs = colorScheme(io, 'stderr');
      io.err(`${cs.success} Logged out of ${registry.url}\n`);
    }
    if (tok.source === 'ORGCTL_TOKEN') io.err('Note: ORGCTL_TOKEN is still set in your environment; unset it.\n');
    if (tok.source === '.npmrc') io.err(safe`Note: the token came from ${tok.file} (${tok.key}); remove that line or run \`npm logout\`.\n`);
  });
}
