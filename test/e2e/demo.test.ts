/**
 * `npm run demo` (scripts/demo.mjs) end to end: it starts the reference registry on a free port
 * with a temporary data folder, enforces 2FA on the demo org through the built CLI, shows the
 * result, stops the server and exits 0. Non-TTY (as in CI: it passes --yes and says so) and on a
 * pseudo-terminal (the typed confirmation).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import { isolatedDirs, ptyCli, runCli } from '../helpers/run-cli.js';
import { ROOT } from '../helpers/fixtures.js';
import { startSmtp } from '../helpers/smtp.js';

jest.setTimeout(90_000);

const DEMO = join(ROOT, 'scripts', 'demo.mjs');

/** `node scripts/demo.mjs` as `npm run demo` runs it, without a terminal. */
const runDemo = (args: string[] = []) => runCli(args, { script: DEMO, cwd: ROOT, timeoutMs: 80_000, dirs: isolatedDirs('orgctl-demo-test-') });

describe('npm run demo', () => {
  it('--smtp: the removal notices go to the SMTP server, and their delivery state is listed at the end; the password is not shown', async () => {
    const smtp = await startSmtp({ auth: { user: 'demo', pass: 'Demo-Pa55' } });
    const r = await runDemo(['--smtp', smtp.url(), '--mail-from', 'registry@example.com']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(smtp.received.map((m) => [m.envelope.to[0], m.mail.subject]).sort()).toEqual(
      ['bob', 'carol', 'frank'].map((u) => [`${u}@example.com`, 'You were removed from the acme organization']),
    );
    expect(r.stdout).toContain(`mail: notifications are sent by email through smtp://demo:***@127.0.0.1:${smtp.port}, from registry@example.com`);
    expect(r.stdout).toContain('$ orgctl registry mail ls --data ');
    for (const u of ['bob', 'carol', 'frank']) expect(r.stdout).toMatch(new RegExp(`^\\w+ +sent +1 +${u} +${u}@example\\.com +tfa-removal +sent `, 'm'));
    expect(`${r.stdout}${r.stderr}`).not.toContain('Demo-Pa55');
  });

  it('without a terminal: passes --yes and says so, removes the members without 2FA, shows mail, audit and reinstatement, exits 0', async () => {
    const r = await runDemo();
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.stdout).toMatch(/^Registry: http:\/\/127\.0\.0\.1:\d+\/ \(temporary data folder, seeded from fixtures\/demo\.json\)$/m);
    expect(r.stdout).toContain('derived from the TOTP secret in fixtures/demo.json');
    expect(r.stdout).toContain('$ orgctl org 2fa status acme');
    expect(r.stdout).toContain('Without 2FA: 3 (bob, carol, frank)');
    expect(r.stdout).toContain('Not on a terminal, so the demo passes --yes');
    expect(r.stdout).toContain('$ orgctl org 2fa enforce acme --otp <otp> --yes');
    expect(r.stdout).toContain('2FA is required for acme. Removed 3 members:');
    for (const user of ['bob', 'carol', 'frank']) {
      expect(r.stdout).toContain(`<${user}@example.com>  You were removed from the acme organization`);
      expect(r.stdout).toMatch(new RegExp(`org\\.member\\.remove {2}${user} .*reason=tfa_noncompliance`));
    }
    expect(r.stdout).toMatch(/org\.tfa\.require {2}- {2}removed=bob,carol,frank/);
    // heidi, an owner whose only second factor is a security key, stays.
    expect(r.stdout.split('Who was removed')[1]).toMatch(/^heidi +owner +yes \(key\) +-$/m);
    expect(out).toContain('orgctl org invite acme --reinstate');
    expect(r.stdout).toContain('Stopped the registry and removed its temporary data folder. Demo complete.');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('on a terminal: asks to type the org name, then enforces', async () => {
    const s = ptyCli([], { script: DEMO, cwd: ROOT, dirs: isolatedDirs('orgctl-demo-test-'), timeoutMs: 80_000, expectTimeoutMs: 40_000 });
    await s.expect(/enforce asks you to type the org name \("acme"\)/);
    await s.expect(/Type acme to confirm:/);
    s.sendLine('acme');
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toContain('2FA is required for acme. Removed 3 members:');
    expect(r.output).toContain('Demo complete.');
  });
});
