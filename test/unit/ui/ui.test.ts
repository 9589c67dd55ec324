import { describe, expect, it } from '@jest/globals';
import { stripVTControlCharacters } from 'node:util';
import { inquirerPrompter, validateOtp } from '../../../src/ui/prompter.js';
import { writeJson } from '../../../src/ui/json.js';
import { colorScheme } from '../../../src/ui/color.js';
import { colorFromEnv } from '../../../src/ui/io.js';
import { startSpinner } from '../../../src/ui/spinner.js';
import { wrapText } from '../../../src/ui/wrap.js';
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

  it('wrapText breaks long lines at spaces only, keeps indentation, ignores escape codes, leaves long words whole', () => {
    expect(wrapText('They are told by email when the registry sends mail.', 24)).toBe('They are told by email\nwhen the registry sends\nmail.');
    expect(wrapText('  indented prose that is far too long here', 22)).toBe('  indented prose that\n  is far too long here');
    expect(wrapText('\u001b[32m✓\u001b[39m fits in twenty cols', 21)).toBe('\u001b[32m✓\u001b[39m fits in twenty cols');
    expect(wrapText('see https://registry.example.com/a/very/long/path now', 20)).toBe('see\nhttps://registry.example.com/a/very/long/path\nnow');
    expect(wrapText('short\n\nlines stay', 20)).toBe('short\n\nlines stay');
    expect(wrapText('no width, no wrapping at all here', undefined)).toBe('no width, no wrapping at all here');
  });

  it('wrapText counts columns without the escape codes node:util strips (colour, cursor moves, OSC 8 links)', () => {
    const plain = 'a link to the registry page and some coloured words that go on';
    const codes = ['\u001b[1;31m', '\u001b[39m', '\u009b2K', '\u001b]8;;https://example.com/a?b=c\u0007', '\u001b]8;;\u001b\\', '\u001b]0;title\u009c', '\u001b[?25l'];
    const words = plain.split(' ');
    const escaped = words.map((w, i) => `${codes[i % codes.length]}${w}`).join(' ');
    for (const width of [20, 24, 31, 40]) {
      const wrapped = wrapText(escaped, width);
      expect(stripVTControlCharacters(wrapped)).toBe(wrapText(plain, width));
      expect(stripVTControlCharacters(escaped)).toBe(plain); // the same codes as node:util's
    }
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
