import { AuthError } from '../errors.js';
import type { IO } from '../ui/io.js';
import type { Prompter } from '../ui/prompter.js';
import { visible } from '../ui/visible.js';
import type { RegistryClient } from './client.js';
import { OtpRequiredError } from './errors.js';
import { waitForWebAuth, webAuthUrls } from './web-auth.js';

export const OTP_HINT = 'Pass a one-time password from your authenticator (or a recovery code) with --otp <code>.';

/**
 * npm's `otplease`: run `fn` with `--otp` if one was given; if the registry still asks for a
 * one-time password, prompt once (only when stdin and stdout are TTYs) and run the whole `fn`
 * again with it. Without a TTY, or when the second code is refused too, fail with exit 4.
 *
 * A challenge with `authUrl` and `doneUrl` (a user with security keys, npm's web OTP) is answered
 * in the browser instead, when `webAuth` is given and there is a TTY: the URL is printed, the
 * `doneUrl` polled, and its one-time code sent as the OTP.
 */
export async function withOtp<T>(
  fn: (otp: string | undefined) => Promise<T>,
  deps: { otp?: string; io: Pick<IO, 'canPrompt' | 'err'>; prompter: Pick<Prompter, 'otp'>; webAuth?: { client: Pick<RegistryClient, 'raw' | 'clock'>; io: IO } },
): Promise<T> {
  try {
    return await fn(deps.otp || undefined);
  } catch (err) {
    if (!(err instanceof OtpRequiredError)) throw err;
    if (!deps.io.canPrompt()) {
      throw otpError(otpMessage(err, !!deps.otp), !!deps.otp);
    }
    if (deps.otp) deps.io.err('The one-time password was not accepted (wrong or expired).\n');
    const urls = deps.webAuth ? webAuthUrls(err.body) : null;
    const code = urls
      ? await waitForWebAuth(deps.webAuth!.client, deps.webAuth!.io, urls)
      : await deps.prompter.otp(
          `${err.serverMessage === undefined ? 'This operation requires a one-time password.' : visible(err.serverMessage)}\nEnter OTP (or a recovery code):`,
        );
    try {
      return await fn(code);
    } catch (again) {
      if (again instanceof OtpRequiredError) throw otpError(otpMessage(again, true), true);
      throw again;
    }
  }
}

/**
 * Exit 4, with a hint that adds to the message instead of repeating it: how to pass a code, unless
 * the registry's words already say so; after a refused code, that a recovery code is another way.
 */
function otpError(message: string, supplied: boolean): AuthError {
  if (supplied) return new AuthError(message, 'Use the current code from your authenticator, or an unused recovery code.');
  return new AuthError(message, /--otp\b/.test(message) ? 'A recovery code works in place of the code.' : OTP_HINT);
}

function otpMessage(err: OtpRequiredError, supplied: boolean): string {
  const said = err.serverMessage === undefined ? undefined : visible(err.serverMessage);
  if (supplied) return `the one-time password was refused${said ? `: ${said}` : ''}`;
  return said ?? 'this operation requires a one-time password';
}
