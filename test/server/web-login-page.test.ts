// The web login page (docs/registry-api.md §3.3): a strict page (CSP, no framing, no referrer),
// and a form that only this registry's own page can submit (same origin, CSRF token).
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { registryPerTest } from '../helpers/registry.js';
import { call, submitLoginForm } from '../helpers/http.js';
import { BOB } from '../helpers/fixtures.js';

const srv = registryPerTest();

/** A web login session: the page's URL, the CLI's done URL, and the form's hidden token. */
async function startLogin(): Promise<{ loginUrl: string; doneUrl: string; csrf: string }> {
  const start = await call(srv.reg.url, 'POST', '/-/v1/login', { body: {} });
  const { loginUrl, doneUrl } = start.body as { loginUrl: string; doneUrl: string };
  const html = await (await fetch(loginUrl)).text();
  const m = /<input type="hidden" name="csrf" value="([A-Za-z0-9_-]+)">/.exec(html);
  if (!m) throw new Error(`no csrf field in the page:\n${html}`);
  return { loginUrl, doneUrl, csrf: m[1]! };
}

/** Posts the login form with exactly these fields and headers (as a browser or an attacker would). */
async function postForm(loginUrl: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

const bob = (csrf: string) => ({ username: 'bob', password: BOB.password, csrf });

/** Nobody is logged in: the CLI's poll is still pending and the page still shows the form. */
async function expectStillPending(loginUrl: string, doneUrl: string) {
  expect((await fetch(doneUrl)).status).toBe(202);
  expect(await (await fetch(loginUrl)).text()).toContain('<form method="post"');
}

function expectStrictPage(h: Headers, html: string) {
  const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
  const hash = createHash('sha256').update(style).digest('base64');
  expect(h.get('content-security-policy')).toBe(`default-src 'none'; style-src 'sha256-${hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('content-type')).toBe('text/html; charset=utf-8');
  expect(html).not.toMatch(/<script|\son\w+=/i);
}

describe('the login page is strict', () => {
  it('the form page has a CSP (no framing, form posts to itself only, the one inline style hashed), X-Frame-Options DENY, no referrer, nosniff', async () => {
    const { loginUrl } = await startLogin();
    const res = await fetch(loginUrl);
    expectStrictPage(res.headers, await res.text());
  });

  it('so do the expired-link page and the answers to the form', async () => {
    const expired = await fetch(`${srv.reg.url}-/v1/login/web/${'0'.repeat(32)}`);
    expect(expired.status).toBe(404);
    expectStrictPage(expired.headers, await expired.text());
    const { loginUrl, csrf } = await startLogin();
    const wrong = await postForm(loginUrl, { username: 'bob', password: 'nope', csrf });
    expect(wrong.status).toBe(401);
    expectStrictPage(wrong.headers, wrong.html);
    const refused = await postForm(loginUrl, bob(csrf), { origin: 'http://evil.example' });
    expectStrictPage(refused.headers, refused.html);
    const ok = await postForm(loginUrl, bob(csrf));
    expect(ok.status).toBe(200);
    expectStrictPage(ok.headers, ok.html);
  });
});

describe('a cross-site form POST is refused with 403, and logs nobody in', () => {
  /** stands for the registry's own origin (known only once it listens) */
  const SAME = '<this registry>';
  it.each<[string, Record<string, string>]>([
    ['an Origin of another site', { origin: 'http://evil.example' }],
    ['an Origin on another port of the same host', { origin: 'http://127.0.0.1:1' }],
    ['Origin: null without Sec-Fetch-Site', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site (no Origin)', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (no Origin)', { 'sec-fetch-site': 'same-site' }],
    ['Origin: null with Sec-Fetch-Site: cross-site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['a same-origin Origin contradicted by Sec-Fetch-Site: cross-site', { origin: SAME, 'sec-fetch-site': 'cross-site' }],
  ])('%s', async (_label, headers) => {
    const { loginUrl, doneUrl, csrf } = await startLogin();
    const h = headers.origin === SAME ? { ...headers, origin: new URL(loginUrl).origin } : headers;
    const r = await postForm(loginUrl, bob(csrf), h);
    expect(r.status).toBe(403);
    expect(r.html).toContain('Refused: this form was sent from another site. Open the login link from your terminal in the browser and log in there.');
    expect(r.headers.get('connection')).toBe('close'); // the body was not read
    await expectStillPending(loginUrl, doneUrl);
  });

  it('the same origin, or a browser hiding it (Origin: null, as no-referrer makes it) that says same-origin, is accepted', async () => {
    const browsers: Record<string, string>[] = [{ origin: srv.reg.url.replace(/\/$/, '') }, { origin: 'null', 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'same-origin' }];
    for (const headers of browsers) {
      const { loginUrl, csrf } = await startLogin();
      const r = await postForm(loginUrl, bob(csrf), headers);
      expect([JSON.stringify(headers), r.status]).toEqual([JSON.stringify(headers), 200]);
      expect(r.html).toContain('Logged in as bob');
    }
  });
});

describe('the form carries a CSRF token bound to its login session', () => {
  it.each<[string, (t: { csrf: string; other: string }) => Record<string, string>]>([
    ['missing', () => ({ username: 'bob', password: BOB.password })],
    ['empty', () => bob('')],
    ['wrong', ({ csrf }) => bob(`${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`)],
    ['too short', ({ csrf }) => bob(csrf.slice(0, 10))],
    ["another session's", ({ other }) => bob(other)],
  ])('%s token → 403, nobody logged in', async (_label, fields) => {
    const { loginUrl, doneUrl, csrf } = await startLogin();
    const { csrf: other } = await startLogin();
    expect(other).not.toBe(csrf);
    const r = await postForm(loginUrl, fields({ csrf, other }));
    expect(r.status).toBe(403);
    expect(r.html).toContain('This form is out of date or was not served by this registry. Reload the page and log in again.');
    await expectStillPending(loginUrl, doneUrl);
  });

  it('the page a browser loads carries the token, and submitting it completes the login', async () => {
    const { loginUrl, doneUrl } = await startLogin();
    const res = await submitLoginForm(loginUrl, { username: 'bob', password: BOB.password });
    expect(res.status).toBe(200);
    const done = await fetch(doneUrl);
    expect(done.status).toBe(200);
    const { token } = (await done.json()) as { token: string };
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token })).body).toEqual({ username: 'bob' });
  });
});
