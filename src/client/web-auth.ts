import { CancelError, CliError } from '../errors.js';
import type { IO } from '../ui/io.js';
import { parseRetryAfter, type RegistryClient } from './client.js';
import { errorForResponse } from './errors.js';

/** How long a command waits for the browser step of a security-key challenge (the registry keeps it ten minutes). */
export const WEB_AUTH_TIMEOUT_MS = 10 * 60_000;

export interface WebAuthUrls {
  authUrl: string;
  doneUrl: string;
}

/** The `{authUrl, doneUrl}` of a second-factor challenge's body (npm's web OTP), or null. */
export function webAuthUrls(body: unknown): WebAuthUrls | null {
  const b = body as { authUrl?: unknown; doneUrl?: unknown } | null;
  return b && isHttpUrl(b.authUrl) && isHttpUrl(b.doneUrl) ? { authUrl: b.authUrl, doneUrl: b.doneUrl } : null;
}

/**
 * npm's web OTP: prints the `authUrl` to open (confirm with the security key there), then polls
 * the `doneUrl` until it answers 200 `{token}`: the one-time code, returned.
 */
export async function waitForWebAuth(client: Pick<RegistryClient, 'raw' | 'clock'>, io: IO, urls: WebAuthUrls): Promise<string> {
  const body = await pollDoneUrl(client, io, { title: 'This operation needs your security key. Authenticate your account at', url: urls.authUrl }, urls.doneUrl);
  const t = (body as { token?: unknown } | undefined)?.token;
  if (typeof t !== 'string' || !t) throw new CliError('the security key check finished without a one-time code.');
  return t;
}

/** How a browser step is waited for; the defaults are a security-key step's. */
export interface DonePollOptions {
  waiting?: string;
  /** the message of the CancelError (exit 3) on Ctrl-C */
  cancelled?: string;
  /** headers of each poll (web login sends `npm-auth-type: web`) */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** the error when the time is up */
  timedOut?: () => CliError;
}

/**
 * Prints `page.title` and the page's URL (on a terminal: "Press Enter to open the browser", Ctrl-C
 * cancels), then polls `doneUrl` under a spinner: 202 (+ Retry-After, at least 250 ms, at most
 * 30 s; npm re-polls at once without one) until 200, whose body is returned; any other status is
 * its error. Gives up after `timeoutMs` (WEB_AUTH_TIMEOUT_MS). Used by web login and security keys.
 */
export async function pollDoneUrl(client: Pick<RegistryClient, 'raw' | 'clock'>, io: IO, page: { title: string; url: string }, doneUrl: string, opts: DonePollOptions = {}): Promise<unknown> {
  const { clock } = client;
  const deadline = clock.now() + (opts.timeoutMs ?? WEB_AUTH_TIMEOUT_MS);
  const cancelled = opts.cancelled ?? 'cancelled; nothing was changed.';
  const timedOut = opts.timedOut ?? (() => new CliError('timed out waiting for the browser.', undefined, 'Run the command again (or, for a second factor, pass a recovery code with --otp).'));
  const { waitForBrowser } = await import('../ui/browser-wait.js'); // with the browser opener: only when a browser step comes
  return waitForBrowser(io, {
    ...page,
    waiting: opts.waiting ?? 'Waiting for your security key in the browser…',
    cancelled,
    wait: async (signal) => {
      for (;;) {
        if (signal.aborted) throw new CancelError(cancelled);
        const res = await client.raw('GET', doneUrl, { sensitive: true, ...(opts.headers ? { headers: opts.headers } : {}) });
        if (res.status === 200) return res.body;
        if (res.status !== 202) throw errorForResponse({ status: res.status, method: 'GET', url: res.url, body: res.body, headers: res.headers });
        if (clock.now() >= deadline) throw timedOut();
        const wait = parseRetryAfter(res.headers['retry-after'], clock.now());
        await clock.sleep(Math.min(30_000, Math.max(wait ?? 1000, 250)));
      }
    },
  });
}

export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
