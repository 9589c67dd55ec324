import { describe, expect, it } from '@jest/globals';
import { recoveryCodeHash } from '../../src/server/core/secrets.js';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { BOB, KEY_ONLY, makeKeyOnly } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

const profile = (token: string) => call(srv.reg.url, 'GET', '/-/npm/v1/user', { token });
const post = (token: string, body: unknown, otp?: string) => call(srv.reg.url, 'POST', '/-/npm/v1/user', { token, body, otp });

const RECOVERY = KEY_ONLY.recovery;
const keyOnlyBob = () => makeKeyOnly(srv.reg.registry.core, 'bob');

describe('an authenticator app beside security keys', () => {
  it('a key-only user enrols TOTP: the start needs the second factor, 2FA stays on while pending, one code finishes it; keys and recovery codes stay', async () => {
    await keyOnlyBob();
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['webauthn'] });
    const startBody = { tfa: { password: BOB.password, mode: 'auth-and-writes' } };
    const challenged = await post(BOB.token, startBody);
    expect(challenged.status).toBe(401);
    expect(challenged.body.authUrl).toMatch(/^http:\/\//);
    const start = await post(BOB.token, startBody, RECOVERY[0]);
    expect(start.status).toBe(200);
    expect(start.body.tfa).toMatch(/^otpauth:\/\/totp\/orgctl:bob\?secret=[A-Z2-7]+/);
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;

    // Pending: still on, the key and the recovery codes work; the new secret is no second factor yet.
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['webauthn'], totpPending: true });
    expect(srv.reg.registry.core.user('bob')!.keys).toHaveLength(1);
    expect((await post(BOB.token, { fullname: 'Bob 1' }, totp(secret, clock.now()))).status).toBe(401);
    expect((await post(BOB.token, { fullname: 'Bob 1' }, RECOVERY[1])).status).toBe(200);
    const wrong = totp(secret, clock.now()) === '000000' ? '111111' : '000000';
    expect((await post(BOB.token, { tfa: [wrong] })).status).toBe(403);

    const done = await post(BOB.token, { tfa: [totp(secret, clock.now())] });
    expect(done.status).toBe(200);
    expect(done.body.tfa).toEqual([]); // no new recovery codes: the existing ones stay valid
    expect((await profile(BOB.token)).body.tfa).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['totp', 'webauthn'] });
    const bob = srv.reg.registry.core.user('bob')!;
    expect(bob.tfa).toEqual({ mode: 'auth-and-writes', pending: false, secret, recovery: [recoveryCodeHash(RECOVERY[2]!)] });
    expect(bob.keys).toHaveLength(1);

    // Both work now: a TOTP code, and the key's challenge is still offered.
    clock.nextStep();
    const needs = await post(BOB.token, { fullname: 'Bob 2' });
    expect(needs.status).toBe(401);
    expect(needs.body.authUrl).toMatch(/^http:\/\//);
    expect((await post(BOB.token, { fullname: 'Bob 2' }, totp(secret, clock.now()))).status).toBe(200);
    expect((await post(BOB.token, { fullname: 'Bob 3' }, RECOVERY[2])).status).toBe(200);
    // Asking again for the same mode is now "already on".
    expect((await post(BOB.token, startBody)).body.tfa).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['totp', 'webauthn'] });
  });

  it('a key-only user asking for the other mode changes the mode (no enrolment); nothing is pending to finish', async () => {
    await keyOnlyBob();
    const r = await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-only' } }, RECOVERY[0]);
    expect(r.status).toBe(200);
    expect(r.body.tfa).toEqual({ mode: 'auth-only', pending: false });
    expect((await post(BOB.token, { tfa: ['123456'] })).status).toBe(409);
  });

  it('removing the last key while the app is pending turns 2FA off (the pending secret goes with it)', async () => {
    await keyOnlyBob();
    const start = await post(BOB.token, { tfa: { password: BOB.password, mode: 'auth-and-writes' } }, RECOVERY[0]);
    expect(start.status).toBe(200);
    const gone = await call(srv.reg.url, 'DELETE', '/-/orgctl/v1/webauthn/keys/yubikey', { token: BOB.token, otp: RECOVERY[1] });
    expect(gone.status).toBe(200);
    expect(srv.reg.registry.core.user('bob')!.tfa).toBeNull();
    expect((await post(BOB.token, { tfa: [totp(new URL(start.body.tfa).searchParams.get('secret')!, clock.now())] })).status).toBe(409);
  });

  it('the commit refuses a pending app secret on a record with a secret or without keys (EINVARIANT)', async () => {
    await keyOnlyBob();
    const core = srv.reg.registry.core;
    const bob = core.user('bob')!;
    const pendingSecret = 'JBSWY3DPEHPK3PXPJBSWY3DP';
    await expect(core.applySeedOps([{ c: 'users', k: 'bob', v: { ...bob, tfa: { ...bob.tfa!, secret: pendingSecret, pendingSecret } } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    await expect(core.applySeedOps([{ c: 'users', k: 'bob', v: { ...bob, keys: [], tfa: { ...bob.tfa!, secret: pendingSecret, pendingSecret } } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    await core.applySeedOps([{ c: 'users', k: 'bob', v: { ...bob, tfa: { ...bob.tfa!, pendingSecret } } }]);
    expect(core.user('bob')!.tfa!.pendingSecret).toBe(pendingSecret);
  });
});
