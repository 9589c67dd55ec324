/**
 * Security round 2, findings 2 and 3: decisions are made on the state as it is when a change
 * commits. Each test forces its interleaving with the password-check gate (no timing): a request
 * waits on its password check while the account changes under it.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { RegistryCore } from '../../src/server/core/registry-core.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { passwordGate, type PasswordGate } from '../helpers/gate.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';

const clock = testClock();
const start = clock.now();
let reg: TestRegistry;
let gate: PasswordGate;

beforeEach(async () => {
  clock.set(start);
  gate = passwordGate();
  reg = await startRegistry({ seed: BASIC, clock, passwords: { gate: gate.gate, perAddress: 8, concurrency: 8 } });
});
afterEach(() => reg.close());

const profilePost = (body: unknown, otp?: string) => call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body, otp });

/** Enrols bob in 2FA (auth-and-writes): his secret and recovery codes. */
async function enrolBob(): Promise<{ secret: string; codes: string[] }> {
  const started = await profilePost({ tfa: { password: BOB.password, mode: 'auth-and-writes' } });
  expect(started.status).toBe(200);
  const secret = new URL(started.body.tfa).searchParams.get('secret')!;
  const done = await profilePost({ tfa: [totp(secret, clock.now())] });
  expect(done.status).toBe(200);
  clock.nextStep();
  return { secret, codes: done.body.tfa };
}

describe('finding 2: a member of a 2FA-required org cannot end up with 2FA off', () => {
  it('a disable sent while enrolment was pending, held on its password check, is decided on the state after it (OTP asked), not on the stale pending state', async () => {
    const started = await profilePost({ tfa: { password: BOB.password, mode: 'auth-and-writes' } });
    const secret = new URL(started.body.tfa).searchParams.get('secret')!;
    gate.hold('bob', 1);
    const disable = profilePost({ tfa: { password: BOB.password, mode: 'disable' } });
    await gate.arrived('bob', 1);
    // Meanwhile bob finishes enrolment and joins `secure`, which requires 2FA.
    expect((await profilePost({ tfa: [totp(secret, clock.now())] })).status).toBe(200);
    const invited = await call(reg.url, 'PUT', '/-/org/secure/user', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { user: 'bob' } });
    expect(invited.status).toBe(201);
    clock.nextStep();
    const accepted = await call(reg.url, 'POST', '/-/orgctl/v1/invitations/secure/accept', { token: BOB.token, otp: totp(secret, clock.now()) });
    expect(accepted.status).toBe(200);
    gate.release('bob');
    const r = await disable;
    expect(r.status).toBe(401); // 2FA is on now: turning it off needs the second factor
    expect(r.headers.get('www-authenticate')).toBe('OTP');
    expect((await call(reg.url, 'GET', '/-/npm/v1/user', { token: BOB.token })).body.tfa).toEqual({ mode: 'auth-and-writes', pending: false });
    clock.nextStep();
    const status = await call(reg.url, 'GET', '/-/orgctl/v1/orgs/secure/tfa', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()) });
    expect(status.body).toMatchObject({ required: true, withoutTwoFactor: [] });
  });

  it('the core refuses at commit any change that leaves a member of a 2FA-required org without 2FA (EINVARIANT), whatever path it takes', async () => {
    const core = reg.registry.core;
    const dave = core.user('dave')!; // a member of `secure`
    await expect(core.applySeedOps([{ c: 'users', k: 'dave', v: { ...dave, tfa: null } }])).rejects.toMatchObject({ kind: 'conflict', code: 'EINVARIANT' });
    expect(core.user('dave')!.tfa).not.toBeNull();
    const bob = core.user('bob')!; // no 2FA
    await expect(core.applySeedOps([{ c: 'members', k: 'secure:bob', v: { role: 'developer', joined: new Date(clock.now()).toISOString() } }])).rejects.toMatchObject({
      code: 'EINVARIANT',
    });
    expect(core.roleIn('secure', 'bob')).toBeUndefined();
    const acme = core.org('acme')!; // bob and erin have no 2FA
    await expect(core.applySeedOps([{ c: 'orgs', k: 'acme', v: { ...acme, requireTfa: true } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    expect(core.org('acme')!.requireTfa).toBe(false);
    void bob;
  });

  it('a security key counts as 2FA at commit; keys without a 2FA record that is on, or a key-only record without keys, are refused (EINVARIANT)', async () => {
    const core = reg.registry.core;
    const dave = core.user('dave')!; // a member of `secure`
    const key = { id: 'AAAAAAAAAAAAAAAAAAAAAA', publicKey: 'pQECAyYgASFYIDL9P_0FYsCIzQLSZvZN-kcoFAix8a1aDBlj4f2pzCjRIlgg7I6L5nyTfXupJeumP89ZWu4-SAXtWvzqUvrELvVLgMQ', counter: 0, transports: [], name: 'k', created: dave.created, lastUsed: null };
    // key only: allowed for a member of `secure`
    await core.applySeedOps([{ c: 'users', k: 'dave', v: { ...dave, tfa: { ...dave.tfa!, secret: null }, keys: [key] } }]);
    expect(RegistryCore.tfaOn(core.user('dave')!)).toBe(true);
    const keyOnly = core.user('dave')!;
    await expect(core.applySeedOps([{ c: 'users', k: 'dave', v: { ...keyOnly, keys: [] } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    await expect(core.applySeedOps([{ c: 'users', k: 'dave', v: { ...keyOnly, tfa: null } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    await expect(core.applySeedOps([{ c: 'users', k: 'dave', v: { ...keyOnly, tfa: null, keys: [] } }])).rejects.toMatchObject({ code: 'EINVARIANT' }); // secure requires 2FA
    expect(core.user('dave')!.keys).toHaveLength(1);
  });
});

describe('finding 3: recovery codes are single-use under concurrency; a password change is never rolled back', () => {
  it('five logins sent at once with one recovery code: exactly one gets a token', async () => {
    const { codes } = await enrolBob();
    gate.hold('bob', 5);
    const logins = Array.from({ length: 5 }, () =>
      call(reg.url, 'PUT', '/-/user/org.couchdb.user:bob', { otp: codes[0], body: { _id: 'org.couchdb.user:bob', name: 'bob', password: BOB.password } }),
    );
    await gate.arrived('bob', 5);
    gate.release('bob');
    const statuses = (await Promise.all(logins)).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 401, 401, 401, 401]);
    const tokens = await call(reg.url, 'GET', '/-/npm/v1/tokens', { token: BOB.token });
    expect(tokens.body.total).toBe(2); // the seed's token and the one login
  });

  it('a login with the old password and a recovery code, held while the password changes, is refused and does not bring the old password back', async () => {
    const { secret, codes } = await enrolBob();
    gate.hold('bob', 1);
    const stale = call(reg.url, 'PUT', '/-/user/org.couchdb.user:bob', { otp: codes[1], body: { _id: 'org.couchdb.user:bob', name: 'bob', password: BOB.password } });
    await gate.arrived('bob', 1);
    const changed = await profilePost({ password: { old: BOB.password, new: 'bob-new-password' } }, totp(secret, clock.now()));
    expect(changed.status).toBe(200);
    gate.release('bob');
    const r = await stale;
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('EPASSWORD');
    clock.nextStep();
    const withNew = await call(reg.url, 'GET', '/-/whoami', { basic: ['bob', 'bob-new-password'], otp: totp(secret, clock.now()) });
    expect(withNew.status).toBe(200);
    clock.nextStep();
    const withOld = await call(reg.url, 'GET', '/-/whoami', { basic: ['bob', BOB.password], otp: totp(secret, clock.now()) });
    expect(withOld.status).toBe(401);
    // the recovery code was not used up by the refused login
    const profile = reg.registry.core.user('bob')!;
    expect(profile.tfa!.recovery).toHaveLength(5);
  });

  it('two password changes with the same old password, the first held on its check: the second wins and the held one is refused', async () => {
    const { secret } = await enrolBob();
    gate.hold('bob', 1);
    const first = profilePost({ password: { old: BOB.password, new: 'first-new-password' } }, totp(secret, clock.now()));
    await gate.arrived('bob', 1);
    expect((await profilePost({ password: { old: BOB.password, new: 'second-new-password' } }, totp(secret, clock.now()))).status).toBe(200);
    gate.release('bob');
    expect((await first).status).toBe(401);
    clock.nextStep();
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['bob', 'second-new-password'], otp: totp(secret, clock.now()) })).status).toBe(200);
  });
});
