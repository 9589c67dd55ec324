import { describe, expect, it } from '@jest/globals';
import { inquirerPrompter, validateOtp } from '../../../src/ui/prompter.js';
import { writeJson } from '../../../src/ui/json.js';
import { colorScheme } from '../../../src/ui/color.js';
import { colorFromEnv } from '../../../src/ui/io.js';
import { startSpinner } from '../../../src/ui/spinner.js';
import { UsageError } from '../../../src/errors.js';
import { testIO } from '../../helpers/test-io.js';

describe('inquirerPrompter', () => {
  it('refuses to prompt unless stdin and stdout are TTYs', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: false });
    await expect(inquirerPrompter(io).input('Username:')).rejects.toBeInstanceOf(UsageError);
  });

  it('reads an answer from the IO stdin and draws the prompt on stderr, not stdout', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const answer = inquirerPrompter(io).input('Username:');
    setImmediate(() => io.stdinWriter!.write('alice\n'));
    await expect(answer).resolves.toBe('alice');
    expect(io.stdoutText()).toBe('');
  });

  it('strips spaces from an OTP', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const answer = inquirerPrompter(io).otp();
    setImmediate(() => io.stdinWriter!.write('123 456\n'));
    await expect(answer).resolves.toBe('123456');
  });

  it('accepts TOTP codes and recovery codes, rejects junk', () => {
    expect(validateOtp('123456')).toBe(true);
    expect(validateOtp('123 456')).toBe(true);
    expect(validateOtp('a1b2c3d4e5')).toBe(true);
    expect(validateOtp('12')).not.toBe(true);
    expect(validateOtp('!!!!!!!!')).not.toBe(true);
  });
});

describe('output helpers', () => {
  it('writeJson prints compact JSON when piped and pretty JSON on a TTY', () => {
    const piped = testIO();
    writeJson(piped, { a: 1 });
    expect(piped.stdoutText()).toBe('{"a":1}\n');
    const tty = testIO({ stdoutTTY: true });
    writeJson(tty, { a: 1 });
    expect(tty.stdoutText()).toBe('{\n  "a": 1\n}\n');
  });

  it('colour follows the TTY, NO_COLOR, FORCE_COLOR and --no-color', () => {
    expect(colorFromEnv({}, true)).toBe(true);
    expect(colorFromEnv({}, false)).toBe(false);
    expect(colorFromEnv({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorFromEnv({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorFromEnv({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorFromEnv({ FORCE_COLOR: '1' }, true, true)).toBe(false);
    expect(colorFromEnv({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('colorScheme emits ANSI codes only when colour is on for the stream written to', () => {
    expect(colorScheme({ colorEnabled: false, stderrColor: true }, 'stdout').c.red('x')).toBe('x');
    expect(colorScheme({ colorEnabled: true, stderrColor: false }, 'stdout').c.red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(colorScheme({ colorEnabled: true, stderrColor: false }, 'stderr').success).toBe('✓');
    expect(colorScheme({ colorEnabled: false, stderrColor: true }, 'stderr').c.red('x')).toBe('\u001b[31mx\u001b[39m');
  });

  it('the spinner draws nothing when stderr is not a TTY or under CI', async () => {
    for (const io of [testIO({ stderrTTY: false }), testIO({ stderrTTY: true, env: { CI: '1' } })]) {
      const s = await startSpinner(io, 'working');
      s.update('still working');
      s.stop();
      expect(io.stderrText()).toBe('');
    }
  });
});
