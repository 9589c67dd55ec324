/**
 * Interactive paths of the built CLI under a pseudo-terminal (test/helpers/pty.ts): prompts appear
 * only when stdin and stdout are TTYs, an OTP challenge is answered with one prompt, and Ctrl-C
 * at a prompt exits 3.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { totp } from '../helpers/clock.js';
import { registryPerFile } from '../helpers/registry.js';
import { ALICE } from '../helpers/fixtures.js';
import { isolatedDirs, ptyCli } from '../helpers/run-cli.js';

const ctx = registryPerFile();

/** `orgctl login --auth-type legacy` in a pseudo-terminal, with its own isolated temp tree. */
function legacyLoginOnTty() {
  const dirs = isolatedDirs();
  const s = ptyCli(['login', '--auth-type', 'legacy'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
  return { dirs, s };
}

describe('on a terminal', () => {
  it('legacy login prompts for user name and password, then once for the OTP, and stores the token', async () => {
    const { dirs, s } = legacyLoginOnTty();
    await s.expect(/Username:/);
    s.sendLine('alice');
    await s.expect(/Password:/);
    s.sendLine(ALICE.password);
    await s.expect(/Enter OTP/);
    s.sendLine(totp(ALICE.secret, ctx.clock.now()));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toContain(`Logged in as alice on ${ctx.url}`);
    const stored = JSON.parse(readFileSync(join(dirs.configDir, 'credentials.json'), 'utf8'));
    expect(stored[ctx.url].username).toBe('alice');
  });

  it('Ctrl-C at a prompt cancels with exit 3 and stores nothing', async () => {
    const { dirs, s } = legacyLoginOnTty();
    await s.expect(/Username:/);
    s.send('\x03');
    const r = await s.wait();
    expect(r.code).toBe(3);
    expect(r.output).toContain('Cancelled.');
    expect(() => readFileSync(join(dirs.configDir, 'credentials.json'))).toThrow();
  });
});
