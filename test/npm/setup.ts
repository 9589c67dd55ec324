// Shared fixtures for the npm CLI tests: the seed users, a registry per test
// context with a controllable clock, and npm clients logged in as a seed user.
import { expect } from '@jest/globals';
import { startRegistry, withFresh } from '../helpers/registry.js';
import { ACME_ROSTER, BASIC as SEED, USERS, type SeedUserName } from '../helpers/fixtures.js';
import { totp, type TestClock } from '../helpers/clock.js';
import { NpmClient, npmErrorCode, type NpmResult } from '../helpers/npm.js';
import { call, type CallResult } from '../helpers/http.js';
import type { PtySession } from '../helpers/pty.js';

export { ACME_ROSTER, SEED, USERS };
export type SeedUser = SeedUserName;

export interface RegistryContext {
  url: string;
  clock: TestClock;
  /** A fresh npm home logged in as `user` (seed token), or with no credentials (null). */
  npmAs(user: SeedUser | null): Promise<NpmClient>;
  /** A fresh npm home holding an arbitrary token. */
  npmWithToken(token: string): Promise<NpmClient>;
  /** TOTP code for a seed user (or a raw secret) at the registry's current time. */
  otp(userOrSecret: SeedUser | string, timeMs?: number): string;
  /** Direct request to the registry, authenticated as a seed user or with a token. */
  api(path: string, opts?: { as?: SeedUser; token?: string; method?: string; body?: unknown; otp?: string }): Promise<CallResult>;
  /** Current roster of an org, read as bob (no 2FA, member of acme) unless `as` is given. */
  roster(org: string, as?: SeedUser): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startContext(opts: { seed?: string | object } = {}): Promise<RegistryContext> {
  const reg = await startRegistry({ seed: opts.seed ?? SEED });
  const { clock } = reg;
  const clients: NpmClient[] = [];
  const track = (c: NpmClient) => {
    clients.push(c);
    return c;
  };
  const ctx: RegistryContext = {
    url: reg.url,
    clock,
    async npmAs(user) {
      return track(await NpmClient.create(reg.url, { token: user ? USERS[user].token : undefined }));
    },
    async npmWithToken(token) {
      return track(await NpmClient.create(reg.url, { token }));
    },
    otp(userOrSecret, timeMs) {
      const secret = userOrSecret in USERS ? USERS[userOrSecret as SeedUser].secret : userOrSecret;
      if (!secret) throw new Error(`${userOrSecret} has no 2FA secret`);
      return totp(secret, timeMs ?? clock.now());
    },
    api(path, o = {}) {
      return call(reg.url, o.method ?? 'GET', path, { token: o.token ?? (o.as ? USERS[o.as].token : undefined), body: o.body, otp: o.otp });
    },
    async roster(org, as = 'bob') {
      const r = await call(reg.url, 'GET', `/-/org/${org}/user`, { token: USERS[as].token });
      expect(r.status).toBe(200);
      return r.body as Record<string, string>;
    },
    async close() {
      await Promise.all(clients.map((c) => c.cleanup()));
      await reg.close();
    },
  };
  return ctx;
}

/**
 * Wrap a test body so it gets its own registry (fresh seed state, own clock) and
 * its own npm homes, closed afterwards. Such tests are independent, so files run
 * them with it.concurrent: npm startup dominates, and two npm processes overlap well.
 */
export function withRegistry(fn: (ctx: RegistryContext) => Promise<void>): () => Promise<void> {
  return withFresh(startContext, fn);
}

/** Per-test timeout for the npm suites (concurrent tests share the CPU). */
export const NPM_TEST_TIMEOUT = 60_000;

/** Assert success, showing stderr on failure. */
export function expectOk(r: NpmResult): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/npm error/) });
}

/** Assert npm failed with exit code 1 and `npm error code <code>` (string or regex). */
export function expectNpmError(r: NpmResult, code: string | RegExp): void {
  expect(r.code).toBe(1);
  const actual = npmErrorCode(r.stderr);
  if (typeof code === 'string') expect({ code: actual, stderr: r.stderr }).toEqual({ code, stderr: r.stderr });
  else expect({ code: actual, stderr: r.stderr }).toEqual({ code: expect.stringMatching(code), stderr: r.stderr });
}

/** The four lines npm prints on stderr for an OTP challenge it cannot prompt for. */
export const EOTP_LINES = [
  'code EOTP',
  'This operation requires a one-time password from your authenticator.',
  'You can provide a one-time password by passing --otp=<code> to the command you ran.',
  'If you already provided a one-time password then it is likely that you either typoed it, or it timed out. Please try again.',
];

/** npm's OTP prompt after a challenge. */
export const OTP_PROMPT = /This operation requires a one-time password\.\nEnter OTP: ?/;

/** Answers npm's OTP prompt on a pseudo-terminal. */
export async function answerOtp(s: PtySession, code: string): Promise<void> {
  await s.expect(OTP_PROMPT);
  s.sendLine(code);
}

/** Answers `npm password:`, then the OTP prompt that follows the challenge. */
export async function answerPasswordThenOtp(s: PtySession, password: string, code: string): Promise<void> {
  await s.expect(/npm password: ?/);
  s.sendLine(password);
  await answerOtp(s, code);
}
