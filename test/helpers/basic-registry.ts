import { afterAll, beforeAll } from '@jest/globals';
import { startRegistry, type TestRegistry } from './registry.js';
import { testClock, type TestClock } from './clock.js';
import { BASIC as BASIC_SEED } from './fixtures.js';

/**
 * Starts the reference registry with the basic seed for the current test file (beforeAll/afterAll),
 * on a controlled clock so TOTP codes are deterministic: `totp(secret, ctx.clock.now())`.
 */
export function useBasicRegistry(): { readonly reg: TestRegistry; readonly url: string; clock: TestClock } {
  const clock = testClock();
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
