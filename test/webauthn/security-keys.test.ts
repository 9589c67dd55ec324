/**
 * Security keys (WebAuthn) as a second factor, end to end: a real Chromium (puppeteer-core) with
 * the DevTools virtual authenticator adds a key on the registry's page and answers second-factor
 * challenges; the real npm 11 CLI meets the web-auth challenge (401 + WWW-Authenticate: OTP +
 * {authUrl, doneUrl}) as a key-only user and finishes once the browser confirms. The refusals a
 * browser never sends (a replayed answer, another origin, a lower counter) are signed in the test
 * with the virtual key's own private key. Screenshots of each page: test-artifacts/security-key-*.png.
 */
import { afterAll, beforeAll, describe, expect, jest } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { browserIt, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, DAVE } from '../helpers/fixtures.js';
import { publishBody } from '../helpers/packages.js';
import { call, type CallResult } from '../helpers/http.js';
import { NpmClient } from '../helpers/npm.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { keyPageCall, openKeyPage, signAssertion } from '../helpers/webauthn.js';

jest.setTimeout(120_000);

let reg: TestRegistry;
let b: TestBrowser;
let bobRecovery: string[] = [];

const aliceOtp = () => totp(ALICE.secret, reg.clock.now());

beforeAll(async () => {
  reg = await startRegistry();
});

afterAll(async () => {
  await b?.close();
  await reg?.close();
});

/** Opens `url` in the browser (started on first use), confirms with the virtual key; screenshots security-key-<name>*.png. */
async function confirmInBrowser(url: string, name: string): Promise<string> {
  b ??= await launchBrowser({ authenticator: true });
  return b.confirmKeyPage(url, `security-key-${name}`);
}

/** Polls a doneUrl the way npm does (202 + Retry-After, then 200), with no waiting: the browser step is already over. */
async function poll(doneUrl: string): Promise<CallResult> {
  const u = new URL(doneUrl);
  return call(u.origin + '/', 'GET', u.pathname);
}

async function member(org: string, user: string) {
  const r = await call(reg.url, 'GET', `/-/orgctl/v1/orgs/${org}/members?user=${user}`, { token: ALICE.token });
  return r.body[0];
}

describe('security keys (WebAuthn) with a real browser and the real npm CLI', () => {
  browserIt('bob adds a key on the registry page: the poll answers 202 until then, then the key and five recovery codes once; owners see his 2FA as webauthn', async () => {
    const start = await call(reg.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token: BOB.token, body: { password: BOB.password, name: 'yubikey' } });
    expect(start.status).toBe(200);
    const { authUrl, doneUrl } = start.body;
    expect(authUrl).toMatch(/^http:\/\/localhost:\d+\/-\/orgctl\/webauthn\/register\/[0-9a-f]{32}$/);
    const pending = await poll(doneUrl);
    expect({ status: pending.status, retry: pending.headers.get('retry-after') }).toEqual({ status: 202, retry: '1' });

    const shown = await openKeyPage(authUrl);
    expect(shown.status).toBe(200);
    expect(shown.cookie).toMatch(/^orgctl_webauthn=/);
    const rawCookie = (await fetch(authUrl)).headers.get('set-cookie')!;
    expect(rawCookie).toMatch(/^orgctl_webauthn=[\w-]+; HttpOnly; SameSite=Strict; Max-Age=600$/);
    const csp = (await fetch(authUrl)).headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");

    expect(await confirmInBrowser(authUrl, 'add')).toBe('The key “yubikey” is added. You can close this window and return to your terminal.');
    const done = await poll(doneUrl);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ key: { name: 'yubikey', created: expect.any(String), lastUsed: null, transports: expect.any(Array) }, recoveryCodes: expect.any(Array), tfaMethods: ['webauthn'] });
    bobRecovery = done.body.recoveryCodes;
    expect(bobRecovery).toHaveLength(5);
    expect((await poll(doneUrl)).status).toBe(404);

    expect(await member('acme', 'bob')).toEqual({ user: 'bob', role: 'developer', twoFactor: true, tfaMethods: ['webauthn'], teams: ['core'] });
    expect(await member('acme', 'alice')).toEqual(expect.objectContaining({ twoFactor: true, tfaMethods: ['totp'] }));
    const keys = await call(reg.url, 'GET', '/-/orgctl/v1/webauthn/keys', { token: BOB.token });
    expect(keys.body).toEqual([{ name: 'yubikey', created: expect.any(String), lastUsed: null, transports: expect.any(Array) }]);
  });

  browserIt('a key-only user meets the web-auth challenge: 401, WWW-Authenticate: OTP, {authUrl, doneUrl}; the code works once, for that token only', async () => {
    const r = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password } });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('OTP');
    expect(r.body).toEqual(expect.objectContaining({ code: 'EOTP', authUrl: expect.stringMatching(/\/-\/orgctl\/webauthn\/verify\/[0-9a-f]{32}$/), doneUrl: expect.stringMatching(/\/-\/orgctl\/v1\/webauthn\/done\/[0-9a-f]{32}$/) }));
    expect((await poll(r.body.doneUrl)).status).toBe(202);
    expect(await confirmInBrowser(r.body.authUrl, 'verify')).toBe('Confirmed. You can close this window and return to your terminal.');
    const done = await poll(r.body.doneUrl);
    expect(done.status).toBe(200);
    const code = done.body.token as string;
    expect(code).toMatch(/^wa_[0-9a-f]{48}$/);
    expect((await poll(r.body.doneUrl)).status).toBe(404);

    // Another token of bob's (the seed token is the one that met the challenge): refused.
    const other = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, otp: bobRecovery.pop()!, body: { password: BOB.password } });
    expect(other.status).toBe(201);
    const elsewhere = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: other.body.token, otp: code, body: { password: BOB.password } });
    expect(elsewhere.status).toBe(401);
    const first = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, otp: code, body: { password: BOB.password } });
    expect(first.status).toBe(201);
    const again = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, otp: code, body: { password: BOB.password } });
    expect(again.status).toBe(401);
  });

  browserIt('web login of a key user: the password on the login page, then the security-key step; the terminal\'s poll gets the token', async () => {
    const start = await call(reg.url, 'POST', '/-/v1/login', { body: {} });
    expect(start.status).toBe(200);
    const { loginUrl, doneUrl } = start.body;
    b ??= await launchBrowser({ authenticator: true });
    const keyUrl = await b.webLoginForm(loginUrl, 'bob', BOB.password, 'security-key-web-login');
    expect(await (await b.page()).evaluate(() => document.body.innerText)).toContain('Your password is right. Now confirm with your security key; then return to your terminal.');
    expect((await poll(doneUrl)).status).toBe(202);
    expect(await confirmInBrowser(keyUrl!, 'web-login-verify')).toBe('Confirmed. You can close this window and return to your terminal.');
    const done = await poll(doneUrl);
    expect(done.status).toBe(200);
    expect((await call(reg.url, 'GET', '/-/whoami', { token: done.body.token })).body).toEqual({ username: 'bob' });
    expect((await poll(doneUrl)).status).toBe(404);
  });

  browserIt('npm 11 as key-only owner bob: `npm org set` and `npm publish` print the authUrl, the browser confirms, npm finishes', async () => {
    const promote = await call(reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: aliceOtp(), body: { user: 'bob', role: 'owner' } });
    expect(promote.status).toBe(201);
    const npm = await NpmClient.create(reg.url, { token: BOB.token });
    try {
      const set = npm.pty(['org', 'set', 'acme', 'erin', 'admin', '--browser=false']);
      const [, url] = await set.expect(/Authenticate your account at:\n(http:\/\/localhost:\d+\/\S+)\n/);
      await confirmInBrowser(url!, 'npm-org-set');
      const r = await set.wait();
      expect({ code: r.code, output: r.output }).toEqual({ code: 0, output: expect.stringMatching(/Added erin as admin to acme\. You now have 4 members in this org\./) });
      expect((await call(reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).body.erin).toBe('admin');

      const dir = join(npm.home, 'pkg');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@acme/keyed', version: '1.0.0', license: 'MIT' }));
      const pub = npm.pty(['publish', './pkg', '--browser=false']);
      const [, url2] = await pub.expect(/Authenticate your account at:\n(http:\/\/localhost:\d+\/\S+)\n/);
      await confirmInBrowser(url2!, 'npm-publish');
      const p = await pub.wait();
      expect({ code: p.code, output: p.output }).toEqual({ code: 0, output: expect.stringContaining('+ @acme/keyed@1.0.0') });
      expect((await call(reg.url, 'GET', '/@acme%2fkeyed', { token: BOB.token })).body['dist-tags']).toEqual({ latest: '1.0.0' });
    } finally {
      await npm.cleanup();
    }
  });

  browserIt('enforcement keeps bob (key only) and removes erin (no 2FA); bob cannot then remove his last key (ETFAREQUIRED)', async () => {
    const r = await call(reg.url, 'PUT', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token, otp: aliceOtp(), body: { required: true, maxRemovals: 5 } });
    expect(r.status).toBe(200);
    const roster = (await call(reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body;
    expect(roster.bob).toBe('owner');
    expect(roster.erin).toBeUndefined();

    const rm = await call(reg.url, 'DELETE', '/-/orgctl/v1/webauthn/keys/yubikey', { token: BOB.token, otp: bobRecovery.pop()! });
    expect({ status: rm.status, code: rm.body.code }).toEqual({ status: 403, code: 'ETFAREQUIRED' });
    expect(rm.body.error).toBe('yubikey is your last second factor, and you belong to an org that requires two-factor authentication: acme. Add another key or leave it first.');
    expect(await member('acme', 'bob')).toEqual(expect.objectContaining({ twoFactor: true, tfaMethods: ['webauthn'] }));

    // disable-2fa is refused the same way: the key is 2FA.
    const off = await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, otp: bobRecovery.pop()!, body: { tfa: { password: BOB.password, mode: 'disable' } } });
    expect({ status: off.status, code: off.body.code }).toEqual({ status: 403, code: 'ETFAREQUIRED' });
    const status = await call(reg.url, 'GET', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token });
    expect(status.body).toEqual(expect.objectContaining({ required: true, withoutTwoFactor: [] }));
  });

  browserIt('refused: a replayed assertion, an assertion for another origin, and a counter that went back (a cloned key)', async () => {
    const [cred] = await b.credentials();
    expect(cred).toBeDefined();
    const challenge = async () => {
      const r = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password } });
      expect(r.status).toBe(401);
      const p = await openKeyPage(r.body.authUrl);
      const options = await keyPageCall(r.body.authUrl, p, '/options');
      expect(options.status).toBe(200);
      return { url: r.body.authUrl as string, p, challenge: options.body.challenge as string, origin: new URL(r.body.authUrl).origin };
    };

    // A good assertion (signed like the key), then the very same answer again: the challenge is spent.
    const c1 = await challenge();
    const good = signAssertion(cred!, { challenge: c1.challenge, origin: c1.origin, counter: cred!.signCount + 1 });
    expect((await keyPageCall(c1.url, c1.p, '', good)).status).toBe(200);
    const replay = await keyPageCall(c1.url, c1.p, '', good);
    expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 409, error: 'This request is already confirmed. Return to your terminal.' });
    // ... and on a fresh challenge, the old answer (its old challenge) does not verify.
    const c2 = await challenge();
    const replayed = await keyPageCall(c2.url, c2.p, '', good);
    expect({ status: replayed.status, code: replayed.body.code }).toEqual({ status: 403, code: 'EWEBAUTHN' });

    const c3 = await challenge();
    const foreign = await keyPageCall(c3.url, c3.p, '', signAssertion(cred!, { challenge: c3.challenge, origin: 'http://evil.localhost:1', counter: cred!.signCount + 2 }));
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 403, code: 'EWEBAUTHN' });
    expect(foreign.body.error).toMatch(/origin/i);

    const c4 = await challenge();
    const cloned = await keyPageCall(c4.url, c4.p, '', signAssertion(cred!, { challenge: c4.challenge, origin: c4.origin, counter: 1 }));
    expect({ status: cloned.status, code: cloned.body.code }).toEqual({ status: 403, code: 'EWEBAUTHN' });
    expect(cloned.body.error).toMatch(/counter/i);

    // Cross-site calls and calls without the page's token are refused before anything is checked.
    const c5 = await challenge();
    expect((await keyPageCall(c5.url, c5.p, '/options', {}, 'http://evil.example')).status).toBe(403);
    expect((await keyPageCall(c5.url, { ...c5.p, csrf: 'x' }, '/options')).status).toBe(403);
  });

  browserIt('dave (TOTP) adds a key with his TOTP code: both methods, no new recovery codes; removing it leaves TOTP on', async () => {
    const daveOtp = () => totp(DAVE.secret, reg.clock.now());
    const bare = await call(reg.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token: DAVE.token, body: { password: DAVE.password, name: 'backup' } });
    expect({ status: bare.status, auth: bare.headers.get('www-authenticate'), authUrl: bare.body.authUrl }).toEqual({ status: 401, auth: 'OTP', authUrl: undefined });
    const start = await call(reg.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token: DAVE.token, otp: daveOtp(), body: { password: DAVE.password, name: 'backup' } });
    expect(start.status).toBe(200);
    await confirmInBrowser(start.body.authUrl, 'add-second-factor');
    const done = await poll(start.body.doneUrl);
    expect(done.body).toEqual({ key: expect.objectContaining({ name: 'backup' }), tfaMethods: ['totp', 'webauthn'] });
    const dup = await call(reg.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token: DAVE.token, otp: daveOtp(), body: { password: DAVE.password, name: 'backup' } });
    expect({ status: dup.status, error: dup.body.error }).toEqual({ status: 409, error: 'You already have a security key named backup. Choose another name.' });
    reg.clock.nextStep();
    const rm = await call(reg.url, 'DELETE', '/-/orgctl/v1/webauthn/keys/backup', { token: DAVE.token, otp: daveOtp() });
    expect({ status: rm.status, body: rm.body }).toEqual({ status: 200, body: { removed: 'backup', tfaMethods: ['totp'] } });
    expect((await call(reg.url, 'GET', '/-/npm/v1/user', { token: DAVE.token })).body.tfa).toEqual({ mode: 'auth-only', pending: false });
  });

  browserIt('a key-only user in auth-only mode writes without the key; disable-2fa (confirmed with the key) removes the keys with 2FA', async () => {
    const made = await call(reg.url, 'PUT', '/-/user/org.couchdb.user:kim', { body: { name: 'kim', password: 'kim-password', email: 'kim@example.com' } });
    expect(made.status).toBe(201);
    const token = made.body.token as string;
    const start = await call(reg.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token, body: { password: 'kim-password', name: 'kim-key', mode: 'auth-only' } });
    await confirmInBrowser(start.body.authUrl, 'add-auth-only');
    expect((await poll(start.body.doneUrl)).body.tfaMethods).toEqual(['webauthn']);
    const pub = await call(reg.url, 'PUT', '/kims-tool', { token, body: publishBody('kims-tool', '1.0.0') });
    expect(pub.status).toBe(201);

    const off = { tfa: { password: 'kim-password', mode: 'disable' } };
    const challenged = await call(reg.url, 'POST', '/-/npm/v1/user', { token, body: off });
    expect(challenged.status).toBe(401);
    await confirmInBrowser(challenged.body.authUrl, 'disable-2fa');
    const code = (await poll(challenged.body.doneUrl)).body.token;
    const r = await call(reg.url, 'POST', '/-/npm/v1/user', { token, otp: code, body: off });
    expect({ status: r.status, tfa: r.body.tfa }).toEqual({ status: 200, tfa: false });
    expect((await call(reg.url, 'GET', '/-/orgctl/v1/webauthn/keys', { token })).body).toEqual([]);
    expect((await call(reg.url, 'GET', '/-/npm/v1/user', { token })).body.tfa).toBeNull();
  });
});
