import { afterAll, beforeAll } from '@jest/globals';
import { loadSeed, startRegistry, type TestRegistry } from './registry.js';
import { TestClock } from './totp.js';
import { BASIC as BASIC_SEED } from './fixtures.js';

export { BASIC_SEED };

interface SeedUser {
  name: string;
  password: string;
  token: string;
  tfa?: { mode: string; secret: string };
}

/** A user of fixtures/registry/basic.json (password, pre-issued token, TOTP secret when 2FA is on). */
export function basicUser(name: string): SeedUser {
  const u = (loadSeed(BASIC_SEED) as { users: SeedUser[] }).users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name} in ${BASIC_SEED}`);
  return u;
}

/**
 * Starts the reference registry with the basic seed for the current test file (beforeAll/afterAll),
 * on a controlled clock so TOTP codes are deterministic: `totp(secret, ctx.clock.now())`.
 */
export function useBasicRegistry(): { readonly reg: TestRegistry; readonly url: string; clock: TestClock } {
  const clock = TestClock.atStepStart();
  let reg: TestRegistry | undefined;
  beforeAll(async () => {
    reg = await startRegistry({ seed: BASIC_SEED, now: clock.now });
  });
  afterAll(async () => {
    await reg?.close();
  });
  return {
    clock,
    get reg() {
      if (!reg) throw new Error('the registry is not started yet (use it inside a test)');
      return reg;
    },
    get url() {
      return this.reg.url;
    },
  };
}
