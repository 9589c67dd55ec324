import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import type { RegistryClient } from '../../client/client.js';
import { HttpError } from '../../client/errors.js';
import { withOtp } from '../../client/otp.js';
import { pollDoneUrl, webAuthUrls } from '../../client/web-auth.js';
import { CliError, UsageError } from '../../errors.js';
import { writeJson } from '../../ui/json.js';
import { colorScheme } from '../../ui/color.js';
import { formatTable } from '../../ui/table.js';
import { safe, visible } from '../../ui/visible.js';
import { confirmYesNo, requireConfirmable } from '../confirm.js';
import { readPassword } from '../password.js';
import { keyNameProblem } from '../../shared/names.js';
import { addExamples, addJsonOption, addOtpOption, addRegistryOption, checkOtp, withConnection, type RegistryFlags } from '../common.js';
import type { ProfileDeps, TfaMode } from './api.js';

/**
 * Security keys (WebAuthn) on the registry (docs/registry-api.md "Security keys"):
 * `profile enable-2fa --security-key` adds one in the browser, `profile security-keys ls|rm`.
 */

export const KEYS_PATH = '-/orgctl/v1/webauthn/keys';
const REGISTRATIONS_PATH = '-/orgctl/v1/webauthn/registrations';

/** A key as the registry lists it. */
export interface KeyView {
  name: string;
  created: string;
  lastUsed: string | null;
  transports: string[];
}

export type KeyDeps = ProfileDeps;

export interface AddKeyOptions {
  name?: string;
  mode: TfaMode;
  passwordStdin: boolean;
  otp?: string;
  registry?: string;
  json: boolean;
}

/** A key's label as the registry takes it (exit 2 otherwise). */
export function checkKeyName(name: string): string {
  const problem = keyNameProblem(name);
  if (problem) throw new UsageError(`invalid key name ${JSON.stringify(name)}: ${problem}.`);
  return name.trim();
}

function checkKeys(v: unknown): KeyView[] {
  if (!Array.isArray(v) || !v.every((k) => k && typeof k === 'object' && typeof k.name === 'string' && typeof k.created === 'string')) {
    throw new CliError(`the registry answered GET /${KEYS_PATH} without a list of keys.`);
  }
  return v as KeyView[];
}

/**
 * `profile enable-2fa --security-key`: `POST /-/orgctl/v1/webauthn/registrations {password, name,
 * mode}` (with the second factor when 2FA is already on), then the URL to open and a poll of the
 * `doneUrl` until the key is added. Returns the recovery codes when the key turned 2FA on.
 */
export async function addSecurityKey(opts: AddKeyOptions, deps: KeyDeps): Promise<{ key: KeyView; recoveryCodes?: string[]; tfaMethods: string[] }> {
  const { io } = deps;
  return withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, async ({ client }) => {
    if (!opts.passwordStdin && !io.canPrompt()) {
      throw new UsageError('adding a security key needs a terminal to ask for your password.', 'Without a terminal, pass --password-stdin (the browser step still needs someone at the key).');
    }
    const name = opts.name ?? `key-${(await listKeys(client)).length + 1}`;
    const password = await readPassword(deps, { stdin: opts.passwordStdin, noTtyHint: 'Pass --password-stdin.', missing: 'adding a security key needs your password.' });
    let start: unknown;
    try {
      start = await withOtp((otp) => client.request('POST', REGISTRATIONS_PATH, { body: { password, name, mode: opts.mode }, otp, sensitive: true }), {
        otp: opts.otp,
        io,
        prompter: deps.prompter,
        webAuth: { client, io },
      });
    } catch (err) {
      if (err instanceof HttpError && err.code === 'EPASSWORD') throw new CliError('the password was refused.', undefined, 'Check the password of the account you are logged in as (orgctl whoami).');
      throw err;
    }
    const urls = webAuthUrls(start);
    if (!urls) throw new CliError(`unexpected answer when starting to add a security key: ${JSON.stringify(start)}.`);
    const res = (await pollDoneUrl(client, io, { title: `Add your security key "${name}" at`, url: urls.authUrl }, urls.doneUrl)) as { key?: KeyView; recoveryCodes?: string[]; tfaMethods?: string[] };
    if (!res?.key || typeof res.key.name !== 'string') throw new CliError('the registry finished adding the key without saying which.');
    return { key: res.key, ...(res.recoveryCodes ? { recoveryCodes: res.recoveryCodes } : {}), tfaMethods: res.tfaMethods ?? [] };
  });
}

async function listKeys(client: RegistryClient): Promise<KeyView[]> {
  return checkKeys(await client.request('GET', KEYS_PATH));
}

export function registerSecurityKeys(profile: Command, deps: AppDeps): Command {
  const keys = profile.command('security-keys').description('List or remove your security keys (add one with: orgctl profile enable-2fa --security-key)');
  const ls = keys.command('ls').alias('list').description('List your security keys');
  addRegistryOption(ls);
  addJsonOption(ls);
  addExamples(ls, ['orgctl profile security-keys ls', 'orgctl profile security-keys ls --json']);
  ls.action(async (flags: RegistryFlags) => securityKeysLsRun({ registry: flags.registry, json: !!flags.json }, deps));

  const rm = keys.command('rm').alias('remove').argument('<name>', 'the key\'s name (see ls)').description('Remove a security key (needs the second factor)').option('-y, --yes', 'do not ask for confirmation');
  addRegistryOption(rm);
  addOtpOption(rm);
  addJsonOption(rm);
  addExamples(rm, ['orgctl profile security-keys rm yubikey', 'orgctl profile security-keys rm old-key --yes --otp <recovery-code> --json']);
  rm.action(async (name: string, flags: RegistryFlags & { yes?: boolean }) =>
    securityKeysRmRun({ name: checkKeyName(name), yes: !!flags.yes, otp: checkOtp(flags.otp), registry: flags.registry, json: !!flags.json }, deps),
  );
  return keys;
}

/** `GET /-/orgctl/v1/webauthn/keys`: a table, or the list as JSON. */
export async function securityKeysLsRun(opts: { registry?: string; json: boolean }, deps: KeyDeps): Promise<void> {
  const { io } = deps;
  const keys = await withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, ({ client }) => listKeys(client));
  if (opts.json) return writeJson(io, keys);
  if (keys.length === 0) {
    io.err('You have no security keys. Add one with: orgctl profile enable-2fa --security-key\n');
    return;
  }
  io.out(formatTable([['NAME', 'ADDED', 'LAST USED', 'TRANSPORTS'], ...keys.map((k) => [k.name, k.created.slice(0, 10), k.lastUsed ? k.lastUsed.slice(0, 10) : 'never', k.transports.join(',') || '-'])]));
}

/**
 * `DELETE /-/orgctl/v1/webauthn/keys/:name` with the second factor (the browser, or --otp). The
 * registry refuses to remove the last second factor of a member of an org that requires 2FA
 * (ETFAREQUIRED, exit 1).
 */
export async function securityKeysRmRun(opts: { name: string; yes: boolean; otp?: string; registry?: string; json: boolean }, deps: KeyDeps): Promise<void> {
  const { io } = deps;
  requireConfirmable(deps, opts.yes, 'security-keys rm');
  await confirmYesNo(deps, opts.yes, safe`Remove the security key "${opts.name}"?`);
  const res = await withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, async ({ client }) => {
    try {
      return await withOtp((otp) => client.request<{ removed: string; tfaMethods: string[] }>('DELETE', `${KEYS_PATH}/${encodeURIComponent(opts.name)}`, { otp }), {
        otp: opts.otp,
        io,
        prompter: deps.prompter,
        webAuth: { client, io },
      });
    } catch (err) {
      if (err instanceof HttpError && err.code === 'ETFAREQUIRED') throw new CliError(err.serverMessage ? visible(err.serverMessage) : 'the registry refused: an org you belong to requires two-factor authentication.');
      throw err;
    }
  });
  if (opts.json) return writeJson(io, res);
  io.err(safe`${colorScheme(io, 'stderr').success} Removed the security key "${opts.name}".` + (res.tfaMethods?.length ? '\n' : ' Two-factor authentication is now off.\n'));
}
