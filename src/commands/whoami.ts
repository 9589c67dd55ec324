import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { AppDeps } from '../factory.js';
import { writeJson } from '../ui/json.js';
import { visible } from '../ui/visible.js';
import { addExamples, addJsonOption, addRegistryOption, withConnection, type RegistryFlags } from './common.js';

export interface WhoamiOptions {
  registry?: string;
  json: boolean;
}

export type WhoamiDeps = Pick<AppDeps, 'io' | 'connect'>;

export function registerWhoami(program: Command, deps: AppDeps, runF = whoamiRun): Command {
  const cmd = program.command('whoami').description('Print the user name the registry knows your token by');
  addRegistryOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, ['orgctl whoami', 'orgctl whoami --json', 'ORGCTL_TOKEN=npm_xxx orgctl whoami --registry https://registry.example.com/']);
  return cmd.action(async (flags: RegistryFlags) => {
    await runF({ registry: flags.registry, json: !!flags.json }, deps);
  });
}

/** `GET /-/whoami` with the resolved token; prints the user name (stdout) or `{username, registry}`. */
export async function whoamiRun(opts: WhoamiOptions, deps: WhoamiDeps): Promise<void> {
  await withConnection(deps, { registry: opts.registry, command: 'whoami', auth: 'required' }, async ({ client, registry }) => {
    const username = await fetchUsername(client);
    if (opts.json) writeJson(deps.io, { username, registry: registry.url });
    else deps.io.out(`${visible(username)}\n`);
  });
}

/** `GET /-/whoami`, checked: the registry must answer with a user name. */
export async function fetchUsername(
  client: { request<T>(method: 'GET', path: string, opts?: { token?: string | null }): Promise<T> },
  token?: string,
): Promise<string> {
  const res = await client.request<{ username?: unknown }>('GET', '-/whoami', token ? { token } : {});
  if (!res || typeof res.username !== 'string' || !res.username) {
    throw new CliError('the registry did not say who you are (no username in GET /-/whoami).');
  }
  return res.username;
}
