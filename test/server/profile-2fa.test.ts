import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { FileStore } from '../../src/server/store/file-store.js';
import type { UserRec } from '../../src/server/core/types.js';
import { registryPerTest, startRegistry } from '../helpers/registry.js';
import { useTempDirs } from '../helpers/reliability.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, DAVE } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

const profile = (token: string) => call(srv.reg.url, 'GET', '/-/npm/v1/user', { token });
const post = (token: string, body: unknown, otp?: string) => call(srv.reg.url, 'POST', '/-/npm/v1/user', { token, body, otp });

/** Enrols bob in 2FA and returns the secret and recovery codes. */
async function enrolBob(mode = 'auth-and-writes'): Promise<{ secret: string; codes: string[] }> {
  const start = await post(BOB.token, { tfa: { password: BOB.password, mode } });
  expect(start.status).toBe(200);
  expect(start.body.tfa).toMatch(/^otpauth:\/\/totp\/orgctl:bob\?secret=[A-Z2-7]+/);
  const secret = new URL(start.body.tfa).searchParams.get('secret')!;
  const done = await post(BOB.token, { tfa: [totp(secret, clock.now())] });
  expect(done.status).toBe(200);
  return { secret, codes: done.body.tfa };
}

describe('profile', () => {
  it('GET answers the profile in npm shape with no OTP, even for a 2FA user', async () => {
    const r = await profile(ALICE.token);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ name: 'alice', email: 'alice@example.com', email_verified: true, tfa: { mode: 'auth-and-writes', pending: false } });
    expect((await profile(BOB.token)).body.tfa).toBeNull();
  });

  it('changes fields (OTP needed with 2FA, even auth-only), and a changed email is unverified', async () => {
    const r = await post(BOB.token, { fullname: 'Bob B', email: 'bob@new.example' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ fullname: 'Bob B', email: 'bob@new.example', email_verified: false });
    expect((await post(DAVE.token, { fullname: 'Dave' })).status).toBe(401);
    expect((await post(DAVE.token, { fullname: 'Dave' }, totp(DAVE.secret, clock.now()))).body.fullname).toBe('Dave');
    expect((await post(BOB.token, { email: 'not-an-email' })).status).toBe(400);
    expect((await post(BOB.token, { nickname: 'x' })).status).toBe(400);
  });

  it('accepts npm profile set\'s resent null email for an account without one', async () => {
    const created = await call(srv.reg.url, 'PUT', '/-/user/org.couchdb.user:noemail', { body: { name: 'noemail', password: 'noemail-password' } });
    const r = await post(created.body.token, { email: null, fullname: 'No Email' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: null, fullname: 'No Email' });
  });

  it('changes the password only with the old one', async () => {
    expect((await post(BOB.token, { password: { old: 'wrong-password', new: 'new-password-1' } })).status).toBe(401);
    expect((await post(BOB.token, { password: { old: BOB.password, new: 'new-password-1' } })).status).toBe(200);
    expect((await call(srv.reg.url, 'GET', '/-/whoami', { basic: ['bob', 'new-password-1'] })).status).toBe(200);
  });
});

describe('2FA state machine', () => {
  it('enrolment: otpauth URI, pending, one valid code finishes it with 5 recovery codes', async () => {
    const start = await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-only' } });
    expect(start.body.tfa).toMatch(/^otpauth:\/\//);
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-only', pending: true });
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;
    const wrong = await post(BOB.token, { tfa: ['000000' === totp(secret, clock.now()) ? '111111' : '000000'] });
    expect(wrong.status).toBe(403);
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-only', pending: true });
    const done = await post(BOB.token, { tfa: [totp(secret, clock.now())] });
    expect(done.body.tfa).toHaveLength(5);
    for (const c of done.body.tfa) expect(c).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-only', pending: false });
  });

  it('a wrong password does not start enrolment', async () => {
    const r = await post(BOB.token, { tfa: { password: 'wrong-password', mode: 'auth-only' } });
    expect(r.status).toBe(403);
    expect((await profile(BOB.token)).body.tfa).toBeNull();
  });

  it('resetting a pending enrolment (npm does this first) turns it off without an OTP', async () => {
    await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-only' } });
    const r = await post(BOB.token, { tfa: { password: BOB.password, mode: 'disable' } });
    expect(r.status).toBe(200);
    expect((await profile(BOB.token)).body.tfa).toBeNull();
  });

  it('mode change and disable need an OTP; the answer shapes match what npm reads', async () => {
    const { secret } = await enrolBob('auth-and-writes');
    clock.advance(30_000);
    const ch = await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-only' } });
    expect(ch.status).toBe(401);
    expect(ch.headers.get('www-authenticate')).toBe('OTP');
    const ok = await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-only' } }, totp(secret, clock.now()));
    expect(ok.body.tfa).toEqual({ mode: 'auth-only', pending: false });
    clock.advance(30_000);
    expect((await post(BOB.token, { tfa: { password: BOB.password, mode: 'disable' } })).status).toBe(401);
    const off = await post(BOB.token, { tfa: { password: BOB.password, mode: 'disable' } }, totp(secret, clock.now()));
    expect(off.status).toBe(200);
    expect(off.body.tfa).toBe(false);
    expect((await profile(BOB.token)).body.tfa).toBeNull();
  });

  it('recovery codes are short and typeable: 10 base32 characters in two groups, distinct', async () => {
    const { codes } = await enrolBob();
    expect(codes).toHaveLength(5);
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect(new Set(codes).size).toBe(5);
  });

  it('a recovery code is accepted without the dash, in lower case, with spaces, with 0/1/8 for O/I/B; each once', async () => {
    const { codes } = await enrolBob();
    const typo = (c: string) => c.replace(/O/g, '0').replace(/I/g, '1').replace(/B/g, '8');
    const forms = [codes[0]!.replace('-', ''), codes[1]!.toLowerCase(), codes[2]!.replace('-', ' '), typo(codes[3]!), ` ${codes[4]} `];
    for (const [i, otp] of forms.entries()) {
      expect((await post(BOB.token, { fullname: `B${i}` }, otp)).status).toBe(200);
      expect((await post(BOB.token, { fullname: `C${i}` }, codes[i])).status).toBe(401); // used up
    }
    expect(srv.reg.registry.core.user('bob')!.tfa!.recovery).toEqual([]);
  });

  it('the store keeps recovery codes only as hashes', async () => {
    const { codes } = await enrolBob();
    const stored = JSON.stringify(srv.reg.registry.core.user('bob')!.tfa!.recovery);
    for (const c of codes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace('-', ''));
    }
    expect(srv.reg.registry.core.user('bob')!.tfa!.recovery.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('a recovery code works once as an OTP', async () => {
    const { codes } = await enrolBob();
    expect((await post(BOB.token, { fullname: 'B' }, codes[0])).status).toBe(200);
    const again = await post(BOB.token, { fullname: 'C' }, codes[0]);
    expect(again.status).toBe(401);
    expect((await post(BOB.token, { fullname: 'C' }, codes[1]!.toUpperCase())).status).toBe(200);
  });

  it('refuses to disable 2FA while the user is in an org that requires it, naming the org', async () => {
    const r = await post(DAVE.token, { tfa: { password: DAVE.password, mode: 'disable' } }, totp(DAVE.secret, clock.now()));
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/secure/);
    expect(r.body.code).toBe('ETFAREQUIRED');
    expect((await profile(DAVE.token)).body.tfa).toEqual({ mode: 'auth-only', pending: false });
  });
});

describe('recovery codes issued before the short form (64 hex characters)', () => {
  const tempDir = useTempDirs('orgctl-legacy-recovery-');

  it('are still accepted from a store that holds them, once each, in any case', async () => {
    const dir = tempDir();
    const legacy = ['3b5e'.padEnd(64, '7'), 'a0c1'.padEnd(64, 'f')];
    // A registry enrols bob, then his stored codes are replaced by hashes of old-style codes, as
    // an older version would have left them.
    let reg = await startRegistry({ dataDir: dir });
    const start = await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-and-writes' } } });
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;
    expect((await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: [totp(secret, reg.clock.now())] } })).status).toBe(200);
    await reg.close();
    const store = await FileStore.open(dir);
    const bob = store.data.get('users')!.get('bob') as UserRec;
    const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
    await store.commit([{ c: 'users', k: 'bob', v: { ...bob, tfa: { ...bob.tfa!, recovery: legacy.map(sha256) } } }]);
    await store.close();

    reg = await startRegistry({ dataDir: dir });
    try {
      let n = 0;
      const write = (otp: string) => call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { fullname: `Bob ${n++}` }, otp });
      expect((await write(legacy[0]!)).status).toBe(200);
      expect((await write(legacy[0]!)).status).toBe(401);
      expect((await write(legacy[1]!.toUpperCase())).status).toBe(200);
      expect(reg.registry.core.user('bob')!.tfa!.recovery).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});
