import type { AppDeps } from '../../factory.js';
import type { RegistryClient } from '../../client/client.js';
import { HttpError, OtpRequiredError } from '../../client/errors.js';
import { withOtp } from '../../client/otp.js';
import { AuthError, CliError } from '../../errors.js';
import type { PasswordDeps } from '../password.js';
import { TFA_MODES, type TfaMode } from '../../shared/names.js';
import { visible } from '../../ui/visible.js';

/**
 * What the profile commands share: the profile endpoint (`/-/npm/v1/user`, npm-profile), its wire
 * types, and the 2FA state as npm reads it (docs/registry-api.md, 2FA state machine).
 */

export { TFA_MODES, type TfaMode };

export const PROFILE_PATH = '-/npm/v1/user';

/** `GET /-/npm/v1/user` (npm-profile's Profile); only the fields orgctl reads are typed. */
export interface Profile {
  name: string;
  email?: string | null;
  email_verified?: boolean;
  created?: string;
  updated?: string;
  /** orgctl's registry adds `methods` and `totpPending` for a user with security keys. */
  tfa?: { mode?: string; pending?: boolean; methods?: unknown; totpPending?: unknown } | null | false;
  [key: string]: unknown;
}

/**
 * The 2FA state of a profile, as npm reads it: on iff `tfa` is set and not pending. When on,
 * `keyOnly`: security keys and no authenticator app; `appPending`: an app is being added beside them.
 */
export type TfaState = { state: 'off' } | { state: 'pending'; mode: string } | { state: 'on'; mode: string; keyOnly: boolean; appPending: boolean };

/** What the profile commands need: IO, registry, prompter (password, OTP) and a stdin reader for tests. */
export type ProfileDeps = Pick<AppDeps, 'io' | 'connect' | 'prompter'> & Pick<PasswordDeps, 'readStdin'>;

export function tfaState(p: Profile): TfaState {
  const t = p.tfa;
  if (!t || typeof t !== 'object') return { state: 'off' };
  const mode = typeof t.mode === 'string' ? t.mode : 'auth-and-writes';
  if (t.pending) return { state: 'pending', mode };
  const methods = Array.isArray(t.methods) ? t.methods : [];
  return { state: 'on', mode, keyOnly: methods.includes('webauthn') && !methods.includes('totp'), appPending: t.totpPending === true };
}

/** `GET /-/npm/v1/user` (never needs an OTP), checked to be a profile. */
export async function fetchProfile(client: Pick<RegistryClient, 'request'>): Promise<Profile> {
  const p = await client.request<Profile>('GET', PROFILE_PATH);
  if (!p || typeof p !== 'object' || typeof p.name !== 'string') {
    throw new CliError(`the registry answered GET /${PROFILE_PATH} without a profile.`);
  }
  return p;
}

/** An org of the caller's that will require 2FA (`GET /-/orgctl/v1/tfa-deadlines`). */
export interface TfaDeadline {
  org: string;
  at: string;
  state: 'pending' | 'held';
}

/**
 * The caller's orgs that will require 2FA, with the deadline (orgctl's extension; the list is
 * empty once 2FA is on). A registry without the endpoint (npm's, a plain Verdaccio) gives none.
 */
export async function tfaDeadlines(client: Pick<RegistryClient, 'request'>): Promise<TfaDeadline[]> {
  let list: unknown;
  try {
    list = await client.request<unknown>('GET', '-/orgctl/v1/tfa-deadlines');
  } catch (e) {
    if (e instanceof HttpError && [400, 404, 405, 501].includes(e.status)) return [];
    throw e;
  }
  if (!Array.isArray(list)) return [];
  return list.filter((d): d is TfaDeadline => typeof d?.org === 'string' && typeof d?.at === 'string' && (d.state === 'pending' || d.state === 'held'));
}

/** The `tfa` request bodies of `POST /-/npm/v1/user`: set a mode (or disable), or finish enrolment with a code. */
export type TfaChange = { password: string; mode: TfaMode | 'disable' } | [string];

/** `POST /-/npm/v1/user {tfa}` and the response's `tfa` (an otpauth URI, recovery codes, a state, or false). */
export async function postTfa(client: Pick<RegistryClient, 'request'>, tfa: TfaChange, otp?: string): Promise<unknown> {
  const res = await client.request<{ tfa?: unknown }>('POST', PROFILE_PATH, { body: { tfa }, otp, sensitive: !Array.isArray(tfa) });
  return res?.tfa;
}

/**
 * A password-bearing 2FA change (start, mode change, disable) inside npm's otplease: `--otp`
 * first, one prompt on a TTY, exit 4 with the `--otp` hint without one. A refused password is
 * exit 4 too, said plainly.
 */
export async function postTfaWithOtp(
  client: Pick<RegistryClient, 'request' | 'raw' | 'clock'>,
  tfa: Exclude<TfaChange, [string]>,
  deps: Pick<ProfileDeps, 'io' | 'prompter'> & { otp?: string },
): Promise<unknown> {
  try {
    return await withOtp((otp) => postTfa(client, tfa, otp), { otp: deps.otp, io: deps.io, prompter: deps.prompter, webAuth: { client, io: deps.io } });
  } catch (err) {
    if (err instanceof HttpError && !(err instanceof OtpRequiredError) && (err.code === 'EPASSWORD' || err.status === 401)) {
      throw new AuthError('the password was refused.', 'Check the password of the account you are logged in as (orgctl whoami).');
    }
    throw err;
  }
}

/** Statuses with which a registry says it has no 2FA enrolment (Verdaccio answers 503). */
const NO_TFA = new Set([404, 405, 501, 503]);

/**
 * Runs an enrolment; a registry that answers the profile endpoint with 404, 405, 501 or 503 has
 * no two-factor enrolment: one line says so (exit 1), the registry's own words in the hint.
 */
export async function withTfaSupport<T>(client: Pick<RegistryClient, 'registry'>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof HttpError) || !NO_TFA.has(err.status) || !new URL(err.url).pathname.endsWith(`/${PROFILE_PATH}`)) throw err;
    const said = err.serverMessage;
    throw new CliError(
      `this registry (${client.registry}) does not support two-factor enrolment`,
      undefined,
      `It answered ${err.method} /${PROFILE_PATH} with ${err.status}${said ? `: ${visible(said)}` : ''}. orgctl's registry or Verdaccio with the orgctl plugin support it (see README).`,
    );
  }
}
