import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Argument, type Command } from '../commander.js';
import type { AppDeps } from '../../factory.js';
import type { RegistryClient } from '../../client/client.js';
import { HttpError, OtpRequiredError } from '../../client/errors.js';
import { CliError, UsageError } from '../../errors.js';
import { writeJson } from '../../ui/json.js';
import { colorScheme } from '../../ui/color.js';
import { safe, visible } from '../../ui/visible.js';
import type { IO } from '../../ui/io.js';
import { readPassword } from '../password.js';
import { addExamples, addJsonOption, addOtpOption, addRegistryOption, checkOtp, withConnection, type RegistryFlags } from '../common.js';
import { addSecurityKey, checkKeyName } from './security-keys.js';
import { fetchProfile, postTfa, postTfaWithOtp, tfaState, TFA_MODES, withTfaSupport, type Profile, type ProfileDeps, type TfaMode } from './api.js';

export interface Enable2faOptions {
  mode: TfaMode;
  /** False when the mode is only the default (then `--verify` takes the pending enrolment's mode). */
  modeExplicit: boolean;
  /** Scripted start: read the password from stdin, print the secret, leave the enrolment pending. */
  passwordStdin: boolean;
  /** Scripted finish: the first code from the new secret. */
  verify?: string;
  /** Absolute path of a new file for the recovery codes (mode 0600), instead of stdout. */
  saveRecoveryCodes?: string;
  otp?: string;
  registry?: string;
  json: boolean;
}

export type Enable2faDeps = ProfileDeps;

interface Enable2faFlags extends RegistryFlags {
  passwordStdin?: boolean;
  verify?: string;
  saveRecoveryCodes?: string;
  securityKey?: boolean;
  name?: string;
}

/** How many codes the interactive flow accepts before it gives up (and resets the enrolment). */
export const MAX_CODE_TRIES = 3;

const NO_TTY_HINT =
  'Without a terminal, enrol in two steps: `orgctl profile enable-2fa --password-stdin` prints the secret, then `orgctl profile enable-2fa --verify <code>` finishes.';

export function registerEnable2fa(profile: Command, deps: AppDeps, runF = enable2faRun): Command {
  const cmd = profile
    .command('enable-2fa')
    .description('Turn on two-factor authentication, or change its mode (interactive, or two scripted steps)')
    .addArgument(new Argument('[mode]', 'auth-only or auth-and-writes (default)').choices(TFA_MODES))
    .option('--password-stdin', 'scripted start: read the password from stdin, print the secret and leave 2FA pending')
    .option('--verify <code>', 'scripted finish: a code computed from the secret; prints the recovery codes')
    .option('--save-recovery-codes <file>', 'write the recovery codes to this new file (mode 0600) instead of stdout')
    .option('--security-key', 'add a security key (WebAuthn) in the browser instead of an authenticator app')
    .option('--name <label>', 'with --security-key: a name for the key (default key-<n>)');
  addRegistryOption(cmd);
  addOtpOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, [
    'orgctl profile enable-2fa',
    'orgctl profile enable-2fa auth-only --save-recovery-codes ~/orgctl-recovery-codes.txt',
    'printf %s "$PASSWORD" | orgctl profile enable-2fa --password-stdin --json',
    'orgctl profile enable-2fa --verify 123456 --json',
    'printf %s "$PASSWORD" | orgctl profile enable-2fa auth-only --password-stdin --otp 123456',
    'orgctl profile enable-2fa --security-key --name yubikey',
  ]);
  return cmd.action(async (mode: TfaMode | undefined, flags: Enable2faFlags) => {
    const opts = parseEnable2faFlags(mode, flags, deps.io.cwd);
    if (flags.securityKey) {
      if (opts.verify !== undefined) throw new UsageError('--verify finishes an authenticator-app enrolment; a security key is added in the browser: leave one of them out.');
      return enableSecurityKeyRun({ ...opts, name: flags.name === undefined ? undefined : checkKeyName(flags.name) }, deps);
    }
    if (flags.name !== undefined) throw new UsageError('--name goes with --security-key.');
    await runF(opts, deps);
  });
}

/** Turns the argument and flags into options; contradictions are usage errors (exit 2). */
export function parseEnable2faFlags(mode: TfaMode | undefined, flags: Enable2faFlags, cwd: string): Enable2faOptions {
  if (mode !== undefined && !TFA_MODES.includes(mode)) throw new UsageError(`invalid mode ${mode}: use auth-only or auth-and-writes.`);
  let verify: string | undefined;
  if (flags.verify !== undefined) {
    verify = flags.verify.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(verify)) throw new UsageError('invalid --verify code: use the 6-digit code from your authenticator.');
    if (flags.passwordStdin) {
      throw new UsageError('--password-stdin starts an enrolment and --verify finishes it: run them as two commands.');
    }
  }
  if (flags.saveRecoveryCodes !== undefined && flags.passwordStdin) {
    throw new UsageError('--save-recovery-codes goes with --verify: the recovery codes are issued when the enrolment is finished.');
  }
  return {
    mode: mode ?? 'auth-and-writes',
    modeExplicit: mode !== undefined,
    passwordStdin: !!flags.passwordStdin,
    verify,
    saveRecoveryCodes: flags.saveRecoveryCodes === undefined ? undefined : resolve(cwd, flags.saveRecoveryCodes),
    otp: checkOtp(flags.otp),
    registry: flags.registry,
    json: !!flags.json,
  };
}

/**
 * `profile enable-2fa`, following npm's flow (GET the profile, ask the password, POST
 * `{tfa:{password,mode}}` inside otplease, show the secret, POST `{tfa:[code]}`), with a scripted
 * two-step path for accounts without a terminal. An interactive enrolment that does not finish
 * (Ctrl-C, too many wrong codes, an error) is reset, so 2FA is never left half-on.
 */
export async function enable2faRun(opts: Enable2faOptions, deps: Enable2faDeps): Promise<void> {
  const { io } = deps;
  if (opts.saveRecoveryCodes !== undefined && existsSync(opts.saveRecoveryCodes)) {
    throw new UsageError(`${opts.saveRecoveryCodes} already exists; orgctl will not overwrite it.`, 'Pass the name of a new file to --save-recovery-codes.');
  }
  await withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, ({ client }) => withTfaSupport(client, async () => {
    const profile = await fetchProfile(client);
    const tfa = tfaState(profile);
    if (opts.verify !== undefined) return finishScripted(client, profile, opts, deps);
    // With security keys only, asking for the current mode (or none) adds an authenticator app beside them.
    if (tfa.state === 'on' && tfa.keyOnly && (!opts.modeExplicit || opts.mode === tfa.mode)) return addApp(client, profile.name, { ...opts, mode: tfa.mode as TfaMode }, deps);
    if (tfa.state === 'on' && tfa.mode === opts.mode) {
      if (opts.json) writeJson(io, { mode: tfa.mode, changed: false });
      else io.err(safe`Two-factor authentication is already enabled in ${tfa.mode} mode.\n`);
      return;
    }
    const interactive = !opts.passwordStdin;
    const noTtyHint = tfa.state === 'on' ? 'Without a terminal, pass --password-stdin and --otp <code> to change the mode.' : NO_TTY_HINT;
    if (interactive && !io.canPrompt()) throw new UsageError('enable-2fa needs a terminal to ask for your password and a code.', noTtyHint);
    if (interactive) {
      const what = tfa.state === 'on' ? safe`Changing two-factor authentication from ${tfa.mode} to ${opts.mode}` : `Enabling two-factor authentication (${opts.mode})`;
      io.err(`${what}${safe` for ${profile.name}.`}\n`);
    }
    const password = await readPassword(deps, { stdin: opts.passwordStdin, noTtyHint, missing: 'enable-2fa needs your password.' });
    if (tfa.state === 'on') return changeMode(client, password, opts, deps);
    // An unfinished enrolment is reset first, as npm does; the new one gets a fresh secret.
    if (tfa.state === 'pending') await postTfaWithOtp(client, { password, mode: 'disable' }, deps);
    const { otpauth, secret } = checkOtpauth(await postTfaWithOtp(client, { password, mode: opts.mode }, { ...deps, otp: opts.otp }));
    if (!interactive) return printPending(io, profile.name, opts, otpauth, secret);
    let codes: string[];
    try {
      await showSecret(io, otpauth, secret);
      codes = await askForCode(client, deps, otpauth);
    } catch (err) {
      await abandon(client, password, io);
      throw err;
    }
    await deliverRecoveryCodes(io, opts, opts.mode, codes);
  }));
}

/**
 * `enable-2fa --security-key`: the key is added in the browser (security-keys.ts); when it turns
 * 2FA on, the recovery codes are delivered as for an authenticator app.
 */
export async function enableSecurityKeyRun(opts: Enable2faOptions & { name?: string }, deps: Enable2faDeps): Promise<void> {
  const { io } = deps;
  if (opts.saveRecoveryCodes !== undefined && existsSync(opts.saveRecoveryCodes)) {
    throw new UsageError(`${opts.saveRecoveryCodes} already exists; orgctl will not overwrite it.`, 'Pass the name of a new file to --save-recovery-codes.');
  }
  const added = await addSecurityKey(opts, deps);
  io.err(safe`${colorScheme(io, 'stderr').success} Added the security key "${added.key.name}".\n`);
  if (added.recoveryCodes) return deliverRecoveryCodes(io, opts, opts.mode, added.recoveryCodes);
  if (opts.json) writeJson(io, { key: added.key, tfaMethods: added.tfaMethods });
}

/**
 * An authenticator app beside security keys: the same two steps (the server answers the secret,
 * the first code finishes), but 2FA stays on meanwhile and the start needs the second factor (the
 * key, or a recovery code with --otp). Nothing is reset if it does not finish: the keys and the
 * recovery codes are untouched, and no new recovery codes are issued.
 */
async function addApp(client: RegistryClient, user: string, opts: Enable2faOptions, deps: Enable2faDeps): Promise<void> {
  const { io } = deps;
  const interactive = !opts.passwordStdin;
  const noTtyHint = `${NO_TTY_HINT} Confirm the start with your security key, or pass a recovery code with --otp.`;
  if (interactive && !io.canPrompt()) throw new UsageError('enable-2fa needs a terminal to ask for your password and a code.', noTtyHint);
  if (interactive) io.err(safe`Adding an authenticator app beside your security keys for ${user} (${opts.mode}).\n`);
  const password = await readPassword(deps, { stdin: opts.passwordStdin, noTtyHint, missing: 'enable-2fa needs your password.' });
  const { otpauth, secret } = checkOtpauth(await postTfaWithOtp(client, { password, mode: opts.mode }, { ...deps, otp: opts.otp }));
  if (!interactive) return printPending(io, user, opts, otpauth, secret, true);
  try {
    await showSecret(io, otpauth, secret);
    await askForCode(client, deps, otpauth);
  } catch (err) {
    io.err('The authenticator app was not added; your security keys and recovery codes are unchanged.\n');
    throw err;
  }
  appAdded(io, opts);
}

/** The app is added: no recovery codes are issued (those from the first key stay valid). */
function appAdded(io: IO, opts: Enable2faOptions): void {
  io.err(
    `${colorScheme(io, 'stderr').success} Added an authenticator app: your security keys and the app both work now (${opts.mode}). ` +
      'Your existing recovery codes still work; no new ones were issued.\n',
  );
  if (opts.saveRecoveryCodes !== undefined) io.err(`Nothing was written to ${opts.saveRecoveryCodes}.\n`);
  if (opts.json) writeJson(io, { mode: opts.mode, tfaMethods: ['totp', 'webauthn'], recoveryCodes: [] });
}

function checkOtpauth(res: unknown): { otpauth: string; secret: string } {
  const otpauth = typeof res === 'string' && res.startsWith('otpauth://') ? res : undefined;
  const secret = otpauth && new URL(otpauth).searchParams.get('secret');
  if (!otpauth || !secret) throw new CliError(`unexpected answer when starting 2FA enrolment: expected an otpauth:// URI, got ${JSON.stringify(res)}.`);
  return { otpauth, secret };
}

/** A mode change of 2FA that is already on: the server asks for an OTP (otplease). */
async function changeMode(client: RegistryClient, password: string, opts: Enable2faOptions, deps: Enable2faDeps): Promise<void> {
  const { io } = deps;
  const res = await postTfaWithOtp(client, { password, mode: opts.mode }, { ...deps, otp: opts.otp });
  const mode = (res as { mode?: unknown } | undefined)?.mode;
  if (mode !== opts.mode) throw new CliError(`unexpected answer when changing the 2FA mode: ${JSON.stringify(res)}.`);
  if (opts.json) writeJson(io, { mode, changed: true });
  else io.err(`${colorScheme(io, 'stderr').success} Two-factor authentication mode changed to ${mode}.\n`);
}

/** Scripted start: the secret is the command's output (stdout); 2FA stays pending until `--verify`. */
function printPending(io: IO, user: string, opts: Enable2faOptions, otpauth: string, secret: string, beside = false): void {
  if (opts.json) writeJson(io, { otpauth, secret });
  else io.out(safe`otpauth: ${otpauth}\nsecret: ${secret}\n`);
  io.err(
    (beside
      ? safe`An authenticator app is pending for ${user}; your security keys keep working. Add the secret to an authenticator, then finish with:\n`
      : safe`Two-factor authentication (${opts.mode}) is pending for ${user}. Add the secret to an authenticator, then finish with:\n`) +
      '  orgctl profile enable-2fa --verify <code>\n',
  );
}

/** Scripted finish: `POST {tfa:[code]}` for the pending enrolment; prints (or saves) the recovery codes. */
async function finishScripted(client: RegistryClient, profile: Profile, opts: Enable2faOptions, deps: Enable2faDeps): Promise<void> {
  const tfa = tfaState(profile);
  const beside = tfa.state === 'on' && tfa.appPending;
  if (tfa.state !== 'pending' && !beside) {
    throw new CliError(
      'no two-factor enrolment is pending, so there is nothing to verify.',
      undefined,
      tfa.state === 'on' ? `Two-factor authentication is already enabled (${tfa.mode}).` : 'Start one with: orgctl profile enable-2fa --password-stdin',
    );
  }
  if (opts.modeExplicit && opts.mode !== tfa.mode) {
    throw new UsageError(`the pending enrolment is for ${tfa.mode}, not ${opts.mode}.`, 'Leave the mode out with --verify, or start again with the mode you want.');
  }
  const codes = await verifyCode(client, opts.verify!);
  if (beside) return appAdded(deps.io, { ...opts, mode: tfa.mode as TfaMode });
  await deliverRecoveryCodes(deps.io, opts, tfa.mode, codes);
}

/** A finishing code the server refused (wrong or expired). The enrolment stays pending. */
class WrongCodeError extends CliError {
  constructor() {
    super('the code is wrong or has expired.', undefined, 'Enter the current code from your authenticator (check that its clock is right); the enrolment is still pending.');
  }
}

/** `POST {tfa:["<code>"]}`: the recovery codes, or a WrongCodeError; a lockout (429) says how long to wait. */
async function verifyCode(client: RegistryClient, code: string): Promise<string[]> {
  let res: unknown;
  try {
    res = await postTfa(client, [code]);
  } catch (err) {
    if (err instanceof OtpRequiredError || (err instanceof HttpError && err.code === 'EOTP_INVALID')) throw new WrongCodeError();
    if (err instanceof HttpError && err.status === 429) {
      // The registry's words say how long to wait; without them, the hint does.
      if (err.serverMessage) throw new CliError(err.serverMessage);
      throw new CliError('too many wrong codes: the registry is refusing codes for now', undefined, 'Wait a few minutes, then try again.');
    }
    if (err instanceof HttpError && err.status === 409) throw new CliError('no two-factor enrolment is pending.', undefined, 'Start one with: orgctl profile enable-2fa');
    throw err;
  }
  if (!Array.isArray(res) || !res.every((c) => typeof c === 'string')) {
    throw new CliError(`unexpected answer when finishing 2FA enrolment: expected recovery codes, got ${JSON.stringify(res)}.`);
  }
  return res as string[];
}

/** The lines under the QR code while the code prompt waits: the secret and the prompt itself. */
const LINES_BELOW_QR = 2;

/**
 * The QR code and the secret on stderr, fitted to the terminal so the whole code stays on screen
 * while the code prompt waits (80x24: a heading, 21 lines of code, the secret, the prompt). The
 * otpauth URI is shown on request at the prompt (npm/cli#444: not only a QR code).
 */
async function showSecret(io: IO, otpauth: string, secret: string): Promise<void> {
  const { fitQr } = await import('../../ui/qr.js');
  const rows = (io.stderr as { rows?: number }).rows || 24;
  const qr = fitQr(otpauth, { color: io.stderrColor, maxLines: rows - 1 - LINES_BELOW_QR });
  io.err('Scan this QR code with your authenticator app, or type in the secret below.\n');
  io.stderr.write(`${qr.lines.join('\n')}\n`); // never re-wrapped: a QR code cut into lines does not scan
  io.err((qr.fits ? '' : `(The terminal is too short for the whole code: enlarge it to scan, or type the secret.)\n`) + safe`Secret: ${secret}\n`);
}

/** What the code prompt accepts instead of a code: show the otpauth URI. */
const SHOW_URI = 'u';

/** Asks for the first code until the server accepts one, at most MAX_CODE_TRIES times; `u` shows the URI. */
async function askForCode(client: RegistryClient, deps: Enable2faDeps, otpauth: string): Promise<string[]> {
  for (let tries = 1; ; ) {
    const answer = (await deps.prompter.input(`Enter the 6-digit code from your authenticator app (${SHOW_URI}: show the URI):`, { validate: validateCode })).trim();
    if (answer.toLowerCase() === SHOW_URI) {
      deps.io.err(safe`otpauth URI: ${otpauth}\n`);
      continue;
    }
    try {
      return await verifyCode(client, answer.replace(/\s+/g, ''));
    } catch (err) {
      if (!(err instanceof WrongCodeError)) throw err;
      if (tries >= MAX_CODE_TRIES) {
        throw new CliError(`two-factor authentication was not enabled: ${MAX_CODE_TRIES} wrong codes.`, undefined, 'Check the clock of the device with your authenticator, then run orgctl profile enable-2fa again.');
      }
      const left = MAX_CODE_TRIES - tries++;
      deps.io.err(`That code is wrong or has expired. ${left} ${left === 1 ? 'try' : 'tries'} left.\n`);
    }
  }
}

function validateCode(v: string): true | string {
  if (v.trim().toLowerCase() === SHOW_URI) return true;
  return /^\d{6}$/.test(v.replace(/\s+/g, '')) ? true : `Enter the 6 digits your authenticator app shows (or ${SHOW_URI} to see the URI).`;
}

/** Resets a pending enrolment (no OTP needed), so an interrupted interactive flow leaves 2FA off. */
async function abandon(client: RegistryClient, password: string, io: IO): Promise<void> {
  try {
    await postTfa(client, { password, mode: 'disable' });
    io.err(`Two-factor authentication was left off (the unfinished enrolment was cancelled).\n`);
  } catch {
    io.err('Could not cancel the unfinished enrolment; run `orgctl profile disable-2fa` to cancel it.\n');
  }
}

/**
 * Prints the recovery codes once on stdout (one per line, or `{mode, recoveryCodes}`), or writes
 * them to a new 0600 file. If that file cannot be written they are printed instead: they are
 * never shown again.
 */
async function deliverRecoveryCodes(io: IO, opts: Enable2faOptions, mode: string, codes: string[]): Promise<void> {
  const cs = colorScheme(io, 'stderr');
  let file: string | undefined;
  if (opts.saveRecoveryCodes !== undefined) {
    try {
      await writeNewPrivateFile(opts.saveRecoveryCodes, `${codes.join('\n')}\n`);
      file = opts.saveRecoveryCodes;
    } catch (err) {
      io.err(`${cs.warning} Could not write ${opts.saveRecoveryCodes} (${(err as Error).message}); printing the recovery codes instead.\n`);
    }
  }
  io.err(`${cs.success} Two-factor authentication is enabled (${mode}).\n`);
  if (file) {
    io.err(`Your ${codes.length} recovery codes are in ${file} (mode 0600). Move them somewhere safe; they are not shown again.\n`);
    if (opts.json) writeJson(io, { mode, recoveryCodesFile: file });
    return;
  }
  io.err(
    `${cs.warning} Store these ${codes.length} recovery codes somewhere safe now: they are shown only this once. ` +
      'Each works once in place of a code if you lose your authenticator.\n',
  );
  if (opts.json) writeJson(io, { mode, recoveryCodes: codes });
  else io.out(codes.map((c) => `${visible(c)}\n`).join(''));
}

/** Creates `path` with mode 0600; refuses to overwrite (an existing file is an error). */
async function writeNewPrivateFile(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
}
