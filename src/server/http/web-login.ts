import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CoreError } from '../core/errors.js';
import type { RegistryCore } from '../core/registry-core.js';
import { escapeHtml, type Reply } from './http-util.js';

/**
 * The browser half of web login (docs/registry-api.md §3.3): the page behind `loginUrl` and its
 * form. The page may not be framed, loads nothing, sends no referrer (its URL holds the login id),
 * and its form is accepted only from this registry's own page: a same-origin POST (Origin or
 * Sec-Fetch-Site) carrying the session's CSRF token.
 */

export const STYLE =
  'body{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.4rem;font:inherit}button{padding:.5rem 1rem;font:inherit}.error{color:#a00}.ok{color:#060}';

/** The CSP source of STYLE, for pages that share it. */
export const STYLE_SRC = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** On every login page: nothing but the hashed inline style, the form posts only to itself, no framing. */
export const LOGIN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src ${STYLE_SRC}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** Per process: a restart forgets the login sessions anyway. */
const CSRF_KEY = randomBytes(32);

/** The form's hidden token: an HMAC of the login id, so it is valid for that session only. */
export function csrfToken(loginId: string): string {
  return createHmac('sha256', CSRF_KEY).update(loginId).digest('base64url');
}

function csrfMatches(loginId: string, sent: string | null): boolean {
  const want = Buffer.from(csrfToken(loginId));
  const got = Buffer.from(sent ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * True when a browser says the form comes from another site: Sec-Fetch-Site other than
 * same-origin (or none), or an Origin whose host is not the Host the request was sent to.
 * `Origin: null` (what a browser sends for a page with Referrer-Policy no-referrer, and for
 * sandboxed or opaque origins) counts as same-origin only when Sec-Fetch-Site says so. A request
 * with neither header is not from a browser and relies on the CSRF token alone.
 */
export function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return site !== 'same-origin';
  try {
    return new URL(origin).host !== (req.headers.host ?? '').toLowerCase();
  } catch {
    return true;
  }
}

/** What the two handlers use of a route's context. */
interface LoginContext {
  req: IncomingMessage;
  params: Record<string, string>;
  core: RegistryCore;
  /** the client address is in `cred.ip` (password checks are throttled per address) */
  cred: { ip: string };
  text(): Promise<string>;
}

const page = (status: number, html: string): Reply => ({ status, raw: html, headers: { ...LOGIN_PAGE_HEADERS } });
const loggedIn = (user: string | null) => `Logged in as ${user}. You can close this window and return to your terminal.`;

/** GET /-/v1/login/web/:id */
export async function showLoginPage(c: LoginContext): Promise<Reply> {
  const id = c.params.id!;
  const s = c.core.webLoginPending(id);
  if (!s) return page(404, loginPage({ message: 'This login link has expired. Run the login command again.', closed: true }));
  if (s.done) return page(200, loginPage({ message: loggedIn(s.user), closed: true }));
  return page(200, loginPage({ create: s.create, csrf: csrfToken(id) }));
}

/** POST /-/v1/login/web/:id (form-encoded): the origin first (body unread), then the token, then the core. */
export async function submitLoginPage(c: LoginContext): Promise<Reply> {
  const id = c.params.id!;
  if (isCrossSite(c.req)) {
    return page(403, loginPage({ message: 'Refused: this form was sent from another site. Open the login link from your terminal in the browser and log in there.', error: true, closed: true }));
  }
  const form = new URLSearchParams(await c.text());
  if (!csrfMatches(id, form.get('csrf'))) {
    return page(403, loginPage({ message: 'This form is out of date or was not served by this registry. Reload the page and log in again.', error: true, closed: true }));
  }
  const fields = { username: form.get('username') ?? '', password: form.get('password') ?? '', otp: form.get('otp') ?? '', email: form.get('email') ?? '' };
  try {
    return page(200, loginPage({ message: loggedIn(await c.core.completeWebLogin(id, fields, c.cred.ip)), closed: true }));
  } catch (e) {
    if (!(e instanceof CoreError)) throw e;
    const status = e.kind === 'otp' || e.kind === 'unauthenticated' ? 401 : e.kind === 'rate_limited' ? 429 : e.kind === 'not_found' ? 404 : e.kind === 'conflict' ? 409 : e.kind === 'forbidden' ? 403 : 400;
    const authUrl = e.kind === 'otp' && typeof e.extra?.authUrl === 'string' ? e.extra.authUrl : undefined;
    if (authUrl) {
      // A user with a security key: the key step happens on its own page; the terminal gets the token once it is done.
      return page(401, loginPage({ message: 'Your password is right. Now confirm with your security key; then return to your terminal.', keyUrl: authUrl, closed: true }));
    }
    return page(status, loginPage({ message: e.message, error: true, username: fields.username, email: fields.email, create: c.core.webLoginPending(id)?.create, askOtp: e.kind === 'otp', csrf: csrfToken(id) }));
  }
}

interface PageOptions {
  message?: string;
  error?: boolean;
  /** no form: the session is over, or the request was refused */
  closed?: boolean;
  create?: boolean;
  username?: string;
  /** a sign-up page also asks for an email address (notices go there) */
  email?: string;
  askOtp?: boolean;
  csrf?: string;
  /** the security-key step's page (a second-factor challenge's authUrl) */
  keyUrl?: string;
}

function loginPage(o: PageOptions): string {
  const msg = o.message ? `<p class="${o.error ? 'error' : 'ok'}" role="${o.error ? 'alert' : 'status'}">${escapeHtml(o.message)}</p>` : '';
  const form = o.keyUrl
    ? `<p><a id="security-key" href="${escapeHtml(o.keyUrl)}">Use your security key</a></p>`
    : o.closed
    ? ''
    : `<form method="post" autocomplete="off">
  <input type="hidden" name="csrf" value="${escapeHtml(o.csrf ?? '')}">
  <label>Username <input name="username" required autofocus value="${escapeHtml(o.username ?? '')}"></label>
  <label>Password <input name="password" type="password" required></label>
${o.create ? `  <label>Email (for a new account: notices go there) <input name="email" type="email" autocomplete="email" value="${escapeHtml(o.email ?? '')}"></label>\n` : ''}  <label>One-time code${o.askOtp ? '' : ' (if you use two-factor authentication)'} <input name="otp" inputmode="numeric" autocomplete="one-time-code"></label>
  <button type="submit">${o.create ? 'Create account and log in' : 'Log in'}</button>
</form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgctl registry login</title>
<style>${STYLE}</style>
</head><body><h1>Log in to the orgctl registry</h1>${msg}${form}</body></html>`;
}
