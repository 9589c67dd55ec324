/**
 * Security round 2, findings 4 and 5: password hashing cannot be flooded, and nobody can lock
 * an account's owner out. Client addresses are real: requests come from several loopback
 * addresses (127.0.0.2, 127.0.0.3, …), and the password-check gate holds checks where a test
 * needs a flood in flight, so nothing depends on timing.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { passwordGate } from '../helpers/gate.js';
import { ALICE, BASIC, CAROL } from '../helpers/fixtures.js';

const clock = testClock();
let reg: TestRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

describe('finding 4: unauthenticated scrypt flood', () => {
  it('64 Basic logins with random names from one address: 4 are checked, 60 get 429 at once; other addresses share a bounded queue; hashing never runs more than 2 at a time; a token write goes through meanwhile', async () => {
    const gate = passwordGate();
    const names = Array.from({ length: 64 }, (_, i) => `rnd${i}x${Math.random().toString(36).slice(2, 8)}`);
    for (const n of names) gate.hold(n);
    const extra = Array.from({ length: 12 }, (_, i) => `other${i}`);
    for (const n of extra) gate.hold(n);
    reg = await startRegistry({ seed: BASIC, clock, passwords: { gate: gate.gate, concurrency: 2, perAddress: 4, queue: 6 } });
    const url = reg.url;
    const flood = names.map((n) => call(url, 'GET', '/-/whoami', { basic: [n, 'guess'], from: '127.0.0.2' }));
    // the refused ones answer without waiting for anything
    const refused = (await Promise.all(flood.slice(4))).map((r) => r.status);
    expect(refused).toEqual(Array(60).fill(429));
    // from 3 more addresses, 4 each: 2 of the flood's checks run and 2 wait, so 4 more may wait
    // (queue 6) and the other 8 are refused: the queue is bounded
    const others = extra.map((n, i) => call(url, 'GET', '/-/whoami', { basic: [n, 'guess'], from: `127.0.0.${3 + Math.floor(i / 4)}` }));
    await gate.arrived(names[0]!, 1);
    // a token-authenticated write from yet another client is not queued behind the hashing
    const write = await call(url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { name: 'during-flood' } });
    expect(write.status).toBe(201);
    for (const n of [...names, ...extra]) gate.release(n);
    const first = (await Promise.all(flood.slice(0, 4))).map((r) => r.status);
    expect(first).toEqual([401, 401, 401, 401]);
    const otherStatuses = (await Promise.all(others)).map((r) => r.status);
    expect(otherStatuses.filter((s) => s === 401)).toHaveLength(4);
    expect(otherStatuses.filter((s) => s === 429)).toHaveLength(8);
    expect(reg.registry.core.passwords.peak).toBe(2);
  });

  it('an unknown name costs a full hash (it goes through the pool like a real one)', async () => {
    const gate = passwordGate();
    gate.hold('nobody-here', 1);
    reg = await startRegistry({ seed: BASIC, clock, passwords: { gate: gate.gate } });
    const r = call(reg.url, 'GET', '/-/whoami', { basic: ['nobody-here', 'guess'] });
    await gate.arrived('nobody-here', 1);
    gate.release('nobody-here');
    expect((await r).status).toBe(401);
  });
});

describe('finding 5: lockouts triggered by others', () => {
  it('10 wrong passwords from another address do not stop the owner from another address: Basic auth, token creation and npm login all work', async () => {
    reg = await startRegistry({ seed: BASIC, clock });
    // 10 wrong passwords checked from 127.0.0.2: after the 5th each one makes that address wait,
    // longer each time (1, 2, 4, 8, 16 s), and a guess sent while it waits is refused unchecked
    const waits: string[] = [];
    for (let i = 0; i < 10; i++) {
      expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', `guess-${i}`], from: '127.0.0.2' })).status).toBe(401);
      if (i < 5) continue;
      const r = await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', `again-${i}`], from: '127.0.0.2' });
      expect(r.status).toBe(429);
      waits.push(r.headers.get('retry-after')!);
      clock.advance(Number(r.headers.get('retry-after')) * 1000);
    }
    expect(waits).toEqual(['1', '2', '4', '8', '16']);
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', 'guess-10'], from: '127.0.0.2' })).status).toBe(401); // now 32 s
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password], from: '127.0.0.1' })).status).toBe(200);
    const created = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: CAROL.token, body: { password: CAROL.password }, from: '127.0.0.1' });
    expect(created.status).toBe(201);
    const login = await call(reg.url, 'PUT', '/-/user/org.couchdb.user:carol', { body: { name: 'carol', password: CAROL.password }, from: '127.0.0.1' });
    expect(login.status).toBe(201);
    // while the attacker's address still waits
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password], from: '127.0.0.2' })).status).toBe(429);
  });

  it('guesses spread over many addresses meet a per-account backstop, which spares addresses the owner logged in from before', async () => {
    reg = await startRegistry({ seed: BASIC, clock });
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password], from: '127.0.0.1' })).status).toBe(200);
    // 50 free failures per account from unknown addresses: 5 each from 10 addresses
    for (let a = 0; a < 10; a++) {
      for (let i = 0; i < 5; i++) expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', `g${a}-${i}`], from: `127.0.1.${a + 1}` })).status).toBe(401);
    }
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', 'one-more'], from: '127.0.1.99' })).status).toBe(401);
    const fresh = await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password], from: '127.0.1.100' });
    expect(fresh.status).toBe(429); // a new address waits now
    expect((await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', CAROL.password], from: '127.0.0.1' })).status).toBe(200); // the known one does not
  });

  it('wrong OTPs through one token delay that token only; the owner’s other credentials keep working', async () => {
    reg = await startRegistry({ seed: BASIC, clock });
    const code = totp(ALICE.secret, clock.now());
    const created = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: ALICE.token, otp: code, body: { password: ALICE.password } });
    expect(created.status).toBe(201);
    const leaked = created.body.token as string;
    clock.nextStep();
    const right = totp(ALICE.secret, clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 6; i++) expect((await call(reg.url, 'PUT', '/-/org/acme/team', { token: leaked, otp: wrong, body: { name: 'x' } })).status).toBe(401);
    expect((await call(reg.url, 'PUT', '/-/org/acme/team', { token: leaked, otp: right, body: { name: 'x' } })).status).toBe(429);
    expect((await call(reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: right, body: { name: 'x' } })).status).toBe(201);
  });

  it('a read-only token cannot spend its owner’s OTP budget: it revokes itself without an OTP, and is refused (403) before any OTP check elsewhere', async () => {
    reg = await startRegistry({ seed: BASIC, clock });
    const created = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { password: ALICE.password, readonly: true } });
    const ro = created.body.token as string;
    clock.nextStep();
    const right = totp(ALICE.secret, clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 12; i++) {
      const r = await call(reg.url, 'PUT', '/-/org/acme/team', { token: ro, otp: wrong, body: { name: 'x' } });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('EREADONLY');
    }
    expect((await call(reg.url, 'DELETE', `/-/npm/v1/tokens/token/${created.body.key}`, { token: ro, otp: wrong })).status).toBe(204);
    expect((await call(reg.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: right, body: { name: 'x' } })).status).toBe(201);
  });
});

describe('issue 18: lockout messages', () => {
  it('a wait under a minute is said in seconds, a longer one in minutes (Retry-After keeps the seconds)', async () => {
    reg = await startRegistry({ seed: BASIC, clock });
    const seen: { retryAfter: number; message: string }[] = [];
    for (let i = 0; i < 20 && !seen.some((s) => s.retryAfter >= 60); i++) {
      const r = await call(reg.url, 'GET', '/-/whoami', { basic: ['carol', 'not-her-password'], from: '127.0.0.9' });
      if (r.status !== 429) continue;
      const retryAfter = Number(r.headers.get('retry-after'));
      seen.push({ retryAfter, message: (r.body as { error: string }).error });
      clock.advance(retryAfter * 1000);
    }
    const short = seen.find((s) => s.retryAfter < 60)!;
    const long = seen.find((s) => s.retryAfter >= 60)!;
    expect(short.message).toBe(`Too many failed password attempts for carol. Try again in ${short.retryAfter} second${short.retryAfter === 1 ? '' : 's'}.`);
    expect(long.message).toBe(`Too many failed password attempts for carol. Try again in ${Math.ceil(long.retryAfter / 60)} minutes.`);
  });
});
