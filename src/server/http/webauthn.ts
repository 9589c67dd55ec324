import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { RegistryCore } from '../core/registry-core.js';
import { escapeHtml, HttpError, parseJsonObject, type Reply } from './http-util.js';
import { isCrossSite, STYLE, STYLE_SRC } from './web-login.js';

/**
 * The browser half of security keys (docs/registry-api.md "Security keys"): the page that adds a
 * key (`/-/orgctl/webauthn/register/:id`) and the page behind a second-factor challenge's
 * `authUrl` (`/-/orgctl/webauthn/verify/:id`). Each page loads two scripts from this registry
 * (the @simplewebauthn/browser bundle and the page's own), may not be framed and sends no
 * referrer. Its JSON calls are accepted only same-origin, with the flow's cookie (HttpOnly,
 * SameSite=Strict, ten minutes, set by the page) and the CSRF token derived from it.
 */

/** What the handlers use of a route's context. */
interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
  core: RegistryCore;
  text(): Promise<string>;
}

const COOKIE = 'orgctl_webauthn';
const CSRF_KEY = randomBytes(32);

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; script-src 'self'; connect-src 'self'; style-src ${STYLE_SRC}; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

type Kind = 'register' | 'verify';

function csrfFor(id: string, secret: string): string {
  return createHmac('sha256', CSRF_KEY).update(`${id}\n${secret}`).digest('base64url');
}

function cookieOf(c: RouteContext): string | null {
  for (const part of (c.req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

/** A page's JSON call: same-origin, with the flow's cookie and its CSRF token; else 403. */
function checkCall(c: RouteContext): void {
  if (isCrossSite(c.req)) throw new HttpError(403, 'Refused: this request came from another site.', 'ECROSSSITE');
  const secret = cookieOf(c);
  const sent = c.req.headers['x-csrf-token'];
  const want = secret ? Buffer.from(csrfFor(c.params.id!, secret)) : null;
  const got = Buffer.from(typeof sent === 'string' ? sent : '');
  if (!want || got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new HttpError(403, 'This page is out of date or was not served by this registry. Reload it and try again.', 'ECSRF');
  }
}

function page(status: number, o: { kind: Kind; heading: string; message: string; error?: boolean; id?: string; button?: string; cookie?: string }): Reply {
  const headers: Record<string, string> = { ...PAGE_HEADERS };
  let action = '';
  if (o.button && o.id && o.cookie) {
    // No Path: the cookie goes back only under the page's own folder (…/webauthn/register or …/verify),
    // whatever prefix a reverse proxy adds; the scripts are relative for the same reason.
    headers['set-cookie'] = `${COOKIE}=${o.cookie}; HttpOnly; SameSite=Strict; Max-Age=600`;
    action = `<div id="webauthn" data-kind="${o.kind}" data-csrf="${escapeHtml(csrfFor(o.id, o.cookie))}"><button id="go" type="button">${escapeHtml(o.button)}</button></div>
<script src="../static/simplewebauthn-browser.js"></script>
<script src="../static/page.js"></script>`;
  }
  const cls = o.error ? 'error' : 'ok';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgctl registry: security key</title>
<style>${STYLE}</style>
</head><body><h1>${escapeHtml(o.heading)}</h1><p id="status" class="${cls}" role="${o.error ? 'alert' : 'status'}">${escapeHtml(o.message)}</p>${action}</body></html>`;
  return { status, raw: html, headers };
}

const EXPIRED = 'This link has expired. Run the command again in your terminal.';

/** GET /-/orgctl/webauthn/register/:id */
export async function showRegisterPage(c: RouteContext): Promise<Reply> {
  const heading = 'Add a security key';
  const r = c.core.webauthn.registration(c.params.id!);
  if (!r) return page(404, { kind: 'register', heading, message: EXPIRED, error: true });
  if (r.done) return page(200, { kind: 'register', heading, message: 'The key is added. You can close this window and return to your terminal.' });
  return page(200, {
    kind: 'register',
    heading,
    id: c.params.id,
    cookie: randomBytes(24).toString('base64url'),
    message: `Add a security key named “${r.name}” to the account ${r.user}. Press the button, then touch or unlock your key.`,
    button: 'Add security key',
  });
}

/** GET /-/orgctl/webauthn/verify/:id (npm's authUrl) */
export async function showVerifyPage(c: RouteContext): Promise<Reply> {
  const heading = 'Confirm with your security key';
  const s = c.core.webauthn.challenge(c.params.id!);
  if (!s) return page(404, { kind: 'verify', heading, message: EXPIRED, error: true });
  if (s.done) return page(200, { kind: 'verify', heading, message: 'Confirmed. You can close this window and return to your terminal.' });
  return page(200, {
    kind: 'verify',
    heading,
    id: c.params.id,
    cookie: randomBytes(24).toString('base64url'),
    message: `A command run as ${s.user} needs your second factor. If you started it, press the button, then touch or unlock your key.`,
    button: 'Use security key',
  });
}

/** POST …/:id/options: the WebAuthn options for the browser. */
export async function keyOptions(c: RouteContext, kind: Kind): Promise<Reply> {
  checkCall(c);
  const id = c.params.id!;
  const options = kind === 'register' ? await c.core.webauthn.registrationOptions(id) : await c.core.webauthn.assertionOptions(id);
  return { status: 200, body: options };
}

/** POST …/:id: the browser's answer. */
export async function keyAnswer(c: RouteContext, kind: Kind): Promise<Reply> {
  checkCall(c);
  const id = c.params.id!;
  const response = parseJsonObject(await c.text());
  if (kind === 'register') {
    const key = await c.core.webauthn.finishRegistration(id, response);
    return { status: 200, body: { ok: true, message: `The key “${key.name}” is added. You can close this window and return to your terminal.` } };
  }
  await c.core.webauthn.finishAssertion(id, response);
  return { status: 200, body: { ok: true, message: 'Confirmed. You can close this window and return to your terminal.' } };
}

let bundle: Promise<Buffer> | null = null;

/** GET /-/orgctl/webauthn/static/:file: the browser library (from the installed package) and the page script. */
export async function staticFile(c: RouteContext): Promise<Reply> {
  const headers = { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' };
  if (c.params.file === 'page.js') return { status: 200, raw: PAGE_SCRIPT, headers };
  if (c.params.file === 'simplewebauthn-browser.js') {
    bundle ??= readFile(path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'));
    return { status: 200, raw: await bundle, headers };
  }
  throw new HttpError(404, 'Not found.', 'ENOTFOUND');
}

/** The pages' script: asks for options, runs the browser ceremony, sends the answer, shows the outcome. */
const PAGE_SCRIPT = `(function () {
  var root = document.getElementById('webauthn');
  var button = document.getElementById('go');
  var status = document.getElementById('status');
  var here = location.pathname;
  function show(text, ok) { status.textContent = text; status.className = ok ? 'ok' : 'error'; status.setAttribute('role', ok ? 'status' : 'alert'); }
  function post(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': root.getAttribute('data-csrf') }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status)); return j; }); });
  }
  button.addEventListener('click', function () {
    button.disabled = true;
    show('Waiting for your security key…', true);
    var register = root.getAttribute('data-kind') === 'register';
    post(here + '/options')
      .then(function (o) { return register ? SimpleWebAuthnBrowser.startRegistration({ optionsJSON: o }) : SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: o }); })
      .then(function (answer) { return post(here, answer); })
      .then(function (r) { show(r.message, true); button.remove(); document.body.setAttribute('data-done', 'true'); })
      .catch(function (e) { show(e.message || String(e), false); button.disabled = false; });
  });
})();
`;
