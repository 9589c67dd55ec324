/**
 * Issue 18a item 5: colour is decided per stream. stdout and stderr each get colour only when that
 * stream is a terminal (NO_COLOR, FORCE_COLOR and --no-color as documented), so `2>err.log`
 * gets no escape codes while stdout is a terminal; and prompts, drawn on stderr, follow the same
 * decision, --no-color included. The built CLI on a pseudo-terminal, with one stream redirected.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryPerTest } from '../helpers/registry.js';
import { BOB } from '../helpers/fixtures.js';
import { ptyCli } from '../helpers/run-cli.js';

const ctx = registryPerTest();
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/;
/** The CLI's environment with colour left to the streams (isolatedEnv sets NO_COLOR by default). */
const colorEnv = (extra: NodeJS.ProcessEnv = {}) => ({ NO_COLOR: undefined, ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: BOB.token, ...extra });

function tempFile(): { path: string; text(): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'orgctl-color-'));
  const path = join(dir, 'stream.log');
  return { path, text: () => readFileSync(path, 'utf8'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('colour per stream', () => {
  it('stderr redirected to a file gets no escape codes while stdout is a terminal', async () => {
    const file = tempFile();
    try {
      const r = await ptyCli(['logout'], { env: colorEnv(), stderrTo: file.path }).wait();
      expect(r.code).toBe(0);
      expect(file.text()).toContain(`✓ Logged out of ${ctx.url}`);
      expect(file.text()).not.toMatch(SGR);
    } finally {
      file.remove();
    }
  });

  it('stderr on a terminal is coloured while stdout goes to a file; --no-color and NO_COLOR turn it off', async () => {
    const file = tempFile();
    try {
      const coloured = await ptyCli(['logout'], { env: colorEnv(), stdoutTo: file.path }).wait();
      expect(coloured.code).toBe(0);
      expect(coloured.raw).toContain('\x1b[32m✓\x1b[39m Logged out');
      for (const [args, env] of [[['logout', '--no-color'], {}], [['--no-color', 'logout'], {}], [['logout'], { NO_COLOR: '1' }]] as const) {
        const plain = await ptyCli([...args], { env: colorEnv({ ORGCTL_TOKEN: BOB.token, ...env }), stdoutTo: file.path }).wait();
        expect(plain.raw).toContain('Logged out');
        expect(plain.raw).not.toMatch(SGR);
      }
    } finally {
      file.remove();
    }
  });

  it('prompts follow the decision too: coloured on a terminal, plain with --no-color or NO_COLOR', async () => {
    const prompt = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const s = ptyCli(args, { env: colorEnv({ ORGCTL_TOKEN: undefined, ...env }) });
      await s.expect(/Username:/);
      s.send('\x03');
      return s.wait();
    };
    expect((await prompt(['login', '--auth-type', 'legacy'])).raw).toMatch(SGR);
    expect((await prompt(['login', '--auth-type', 'legacy', '--no-color'])).raw).not.toMatch(SGR);
    expect((await prompt(['--no-color', 'login', '--auth-type', 'legacy'])).raw).not.toMatch(SGR);
    expect((await prompt(['login', '--auth-type', 'legacy'], { NO_COLOR: '1' })).raw).not.toMatch(SGR);
  });
});
