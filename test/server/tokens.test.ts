import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { registryPerTest } from '../helpers/registry.js';
import { call, submitLoginForm } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, CAROL } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');

describe('tokens', () => {
  it('lists in the page shape npm reads: urls always present, key = sha512, token redacted', async () => {
    const r = await call(srv.reg.url, 'GET', '/-/npm/v1/tokens', { token: BOB.token });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.urls).toEqual({ next: null, prev: null });
    expect(r.body.objects[0].key).toBe(sha512(BOB.token));
    expect(r.body.objects[0].token).toBe('npm_Test'); // npm appends its own '…'
    expect(r.text).not.toContain(BOB.token);
  });

  it('paginates with perPage/page and relative next links; a bad page is 400', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, readonly: false, cidr_whitelist: [] } })).status).toBe(201);
    }
    const p0 = await call(srv.reg.url, 'GET', '/-/npm/v1/tokens?perPage=2', { token: BOB.token });
    expect(p0.body.objects).toHaveLength(2);
    expect(p0.body.total).toBe(3);
    expect(p0.body.urls.next).toBe('/-/npm/v1/tokens?page=1&perPage=2');
    const p1 = await call(srv.reg.url, 'GET', p0.body.urls.next, { token: BOB.token });
    expect(p1.body.objects).toHaveLength(1);
    expect(p1.body.urls.next).toBeNull();
    expect((await call(srv.reg.url, 'GET', '/-/npm/v1/tokens?page=-1', { token: BOB.token })).status).toBe(400);
  });

  it('creates with the npm 11 body, needs the password, and an OTP when 2FA is on', async () => {
    expect((await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { name: 'ci', password: 'wrong-password' } })).status).toBe(401);
    const ok = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { name: 'ci', password: BOB.password, expires: 30 } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: 'ci', readonly: false, key: sha512(ok.body.token) });
    expect(Date.parse(ok.body.expires)).toBe(clock.now() + 30 * 86_400_000);
    expect((await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: ALICE.token, body: { password: ALICE.password } })).status).toBe(401);
    expect((await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { password: ALICE.password } })).status).toBe(201);
  });

  it('a read-only token can read but not write', async () => {
    const ro = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, readonly: true, cidr_whitelist: [] } });
    expect(ro.body.readonly).toBe(true);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ro.body.token })).status).toBe(200);
    const w = await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: ro.body.token, body: { user: 'bob' } });
    expect(w.status).toBe(403);
    expect(w.body.error).toMatch(/read-only/);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).body.bob).toBe('developer');
  });

  it('a granular npm 11 token limited to other orgs cannot touch this one', async () => {
    const t = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, orgs: ['other'], orgs_permission: 'read-write' } });
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: t.body.token })).status).toBe(403);
  });

  it('enforces cidr_whitelist with npm\'s EAUTHIP challenge', async () => {
    const away = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, cidr_whitelist: ['10.0.0.0/8'] } });
    const r = await call(srv.reg.url, 'GET', '/-/whoami', { token: away.body.token });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('ipaddress');
    const here = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, cidr_whitelist: ['127.0.0.0/8'] } });
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token: here.body.token })).status).toBe(200);
    expect((await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, cidr_whitelist: ['::1/128'] } })).status).toBe(400);
  });

  it('an expired token is refused', async () => {
    const t = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, expires: 1 } });
    clock.advance(86_400_000 + 1);
    const r = await call(srv.reg.url, 'GET', '/-/whoami', { token: t.body.token });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/expired/);
  });

  it('deletes by key (only the owner\'s), and the token stops working', async () => {
    const t = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password } });
    expect((await call(srv.reg.url, 'DELETE', `/-/npm/v1/tokens/token/${t.body.key}`, { token: ALICE.token })).status).toBe(404);
    expect((await call(srv.reg.url, 'DELETE', `/-/npm/v1/tokens/token/${t.body.key}`, { token: BOB.token })).status).toBe(204);
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token: t.body.token })).status).toBe(401);
  });

  it('a wrong password when creating a token is 401 without a Bearer challenge (npm would blame the token)', async () => {
    const r = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: 'wrong-password' } });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('EPASSWORD');
    expect(r.headers.get('www-authenticate')).toBeNull();
  });

  it('logout by a read-only token: it may revoke itself, not other tokens; with auth-and-writes 2FA another token needs an OTP', async () => {
    const ro = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, readonly: true } });
    expect((await call(srv.reg.url, 'DELETE', `/-/user/token/${BOB.token}`, { token: ro.body.token })).status).toBe(403);
    expect((await call(srv.reg.url, 'DELETE', `/-/user/token/${ro.body.token}`, { token: ro.body.token })).status).toBe(200);
    const other = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { password: ALICE.password } });
    clock.advance(30_000);
    expect((await call(srv.reg.url, 'DELETE', `/-/user/token/${other.body.token}`, { token: ALICE.token })).status).toBe(401);
    expect((await call(srv.reg.url, 'DELETE', `/-/user/token/${ALICE.token}`, { token: ALICE.token })).status).toBe(200);
  });

  it('the log never shows a token, however the path is spelled', async () => {
    for (const p of [`//-/user/token/${BOB.token}`, `/%2D/user/token/${BOB.token}`, `/-/user/token/${encodeURIComponent(BOB.token)}?x=1`]) {
      await call(srv.reg.url, 'DELETE', p, { token: CAROL.token });
    }
    await call(srv.reg.url, 'GET', `/nowhere/${BOB.token}`);
    expect(srv.reg.logs.join('\n')).not.toContain('TestBob');
    expect(srv.reg.logs.filter((l) => l.startsWith('DELETE /-/user/token/*** 404'))).toHaveLength(3);
  });

  it('logout (DELETE /-/user/token/:token) revokes the token, and the log never shows it', async () => {
    expect((await call(srv.reg.url, 'DELETE', `/-/user/token/${BOB.token}`, { token: BOB.token })).status).toBe(200);
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token: BOB.token })).status).toBe(401);
    expect(srv.reg.logs.join('\n')).not.toContain(BOB.token);
    expect(srv.reg.logs.some((l) => l.startsWith('DELETE /-/user/token/*** 200'))).toBe(true);
  });
});

describe('web login', () => {
  it('login URL form → done URL polls 202 with Retry-After, then 200 with a token, once', async () => {
    const start = await call(srv.reg.url, 'POST', '/-/v1/login', { body: {} });
    expect(start.status).toBe(200);
    const { loginUrl, doneUrl } = start.body;
    expect(loginUrl).toMatch(new RegExp(`^${srv.reg.url}-/v1/login/web/[0-9a-f]{32}$`));
    const pending = await fetch(doneUrl);
    expect(pending.status).toBe(202);
    expect(pending.headers.get('retry-after')).toBe('1');
    const page = await fetch(loginUrl);
    expect(await page.text()).toContain('<form method="post"');
    const bad = await submitLoginForm(loginUrl, { username: 'alice', password: ALICE.password });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toMatch(/one-time password/);
    const good = await submitLoginForm(loginUrl, { username: 'alice', password: ALICE.password, otp: totp(ALICE.secret, clock.now()) });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('Logged in as alice');
    const done = await fetch(doneUrl);
    expect(done.status).toBe(200);
    const { token } = (await done.json()) as { token: string };
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token })).body).toEqual({ username: 'alice' });
    expect((await fetch(doneUrl)).status).toBe(404);
    expect(srv.reg.logs.join('\n')).not.toMatch(/[0-9a-f]{32}/);
  });
});
