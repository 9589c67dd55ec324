import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, CAROL, DAVE } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

describe('authentication', () => {
  it('whoami answers the token owner, and refuses no or bad tokens with the right challenge', async () => {
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
    const none = await call(srv.reg.url, 'GET', '/-/whoami');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('ENEEDAUTH');
    expect(none.headers.get('www-authenticate')).toBeNull();
    const bad = await call(srv.reg.url, 'GET', '/-/whoami', { token: 'npm_nope' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(bad.body.error).toMatch(/invalid or revoked token/i);
  });

  it('accepts Basic credentials, and demands an OTP with them when the user has 2FA', async () => {
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['bob', BOB.password] })).body).toEqual({ username: 'bob' });
    const wrong = await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['bob', 'wrong-password'] });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    // a 2FA user's password is only a first factor: even a read needs the OTP with Basic
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['alice', ALICE.password] })).status).toBe(401);
    const code = totp(ALICE.secret, clock.now());
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { basic: ['alice', ALICE.password], otp: code })).status).toBe(200);
    clock.advance(30_000);
    const r = await call(srv.reg.url, 'PUT', '/-/org/acme/user', { basic: ['alice', ALICE.password], body: { user: 'carol' } });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('OTP');
    // one OTP covers the whole request (it is not checked twice and refused as a replay)
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { basic: ['alice', ALICE.password], otp: totp(ALICE.secret, clock.now()), body: { user: 'carol' } })).status).toBe(201);
  });
});

describe('legacy login', () => {
  const login = (name: string, password: string, otp?: string) =>
    call(srv.reg.url, 'PUT', `/-/user/org.couchdb.user:${name}`, { otp, body: { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() } });

  it('creates an account for a new name and the token works', async () => {
    const r = await login('newbie', 'newbie-password');
    expect(r.status).toBe(201);
    expect(r.body.ok).toBe(true);
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { token: r.body.token })).body).toEqual({ username: 'newbie' });
    // and the same name with another password is refused, not overwritten
    expect((await login('newbie', 'another-password')).status).toBe(401);
  });

  it('checks the password of an existing account', async () => {
    expect((await login('bob', 'nope-nope-nope')).status).toBe(401);
    const ok = await login('bob', BOB.password);
    expect(ok.status).toBe(201);
    expect(ok.body.token).not.toBe(BOB.token);
  });

  it('challenges a 2FA user for an OTP, says when it is wrong, and accepts the right one', async () => {
    const first = await login('alice', ALICE.password);
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toBe('OTP');
    expect(first.body.code).toBe('EOTP');
    const wrong = await login('alice', ALICE.password, '000000' === totp(ALICE.secret, clock.now()) ? '111111' : '000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/wrong or has expired/);
    const ok = await login('alice', ALICE.password, totp(ALICE.secret, clock.now()));
    expect(ok.status).toBe(201);
  });
});

describe('OTP rules', () => {
  it('governance needs an OTP whenever the actor has 2FA, even in auth-only mode; reads never do', async () => {
    // dave is an admin of acme with auth-only 2FA: team changes are governance.
    const noOtp = await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: DAVE.token, body: { name: 'ops' } });
    expect(noOtp.status).toBe(401);
    expect(noOtp.headers.get('www-authenticate')).toBe('OTP');
    const ok = await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { name: 'ops' } });
    expect(ok.status).toBe(201);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: DAVE.token })).status).toBe(200);
    expect((await call(srv.reg.url, 'GET', '/-/npm/v1/user', { token: DAVE.token })).status).toBe(200);
  });

  it('a user without 2FA needs no OTP', async () => {
    // bob is a developer: allowed to leave the org by himself without any OTP
    const r = await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: BOB.token, body: { user: 'bob' } });
    expect(r.status).toBe(204);
  });

  it('the same token may reuse an accepted code; another credential may not (replay)', async () => {
    const code = totp(ALICE.secret, clock.now());
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: code, body: { user: 'carol' } })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: code, body: { name: 'web' } })).status).toBe(201);
    const replay = await call(srv.reg.url, 'PUT', '/-/user/org.couchdb.user:alice', { otp: code, body: { name: 'alice', password: ALICE.password } });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/already been used/);
    // the next step's code works for the password login
    clock.advance(30_000);
    const next = await call(srv.reg.url, 'PUT', '/-/user/org.couchdb.user:alice', { otp: totp(ALICE.secret, clock.now()), body: { name: 'alice', password: ALICE.password } });
    expect(next.status).toBe(201);
    // with the new session token, the first code is a replay too
    const other = await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: next.body.token, otp: code, body: { name: 'api' } });
    expect(other.status).toBe(401);
  });

  it('accepts codes one step either side, and refuses older ones', async () => {
    const prev = totp(ALICE.secret, clock.now() - 30_000);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: prev, body: { name: 't1' } })).status).toBe(201);
    const old = totp(ALICE.secret, clock.now() - 90_000);
    const r = await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: old, body: { name: 't2' } });
    expect(r.status).toBe(401);
  });

  it('after 5 free wrong codes each further one doubles the wait (429 + Retry-After, even for the right code); the right code works once it passes', async () => {
    const right = totp(ALICE.secret, clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    const team = (otp: string) => call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp, body: { name: 'x' } });
    for (let i = 0; i < 5; i++) expect((await team(wrong)).status).toBe(401);
    expect((await team(wrong)).status).toBe(401); // the sixth is checked, then costs a 1 s wait
    const waiting = await team(right);
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get('retry-after')).toBe('1');
    clock.advance(1_000);
    expect((await team(wrong)).status).toBe(401); // the seventh: 2 s
    const longer = await team(right);
    expect(longer.status).toBe(429);
    expect(longer.headers.get('retry-after')).toBe('2');
    clock.advance(2_000);
    expect((await team(totp(ALICE.secret, clock.now()))).status).toBe(201);
  });

  it('password guessing from one address waits too, with growing delays', async () => {
    for (let i = 0; i < 6; i++) expect((await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['carol', `guess-${i}`] })).status).toBe(401);
    const r = await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
  });
});
