/**
 * Security finding "the CLI prints registry data raw to the terminal": the one helper that makes
 * control and format characters visible, and the central places that use it (table renderer,
 * error printer, registry error messages, JSON writer). test/e2e/hostile-registry.test.ts drives
 * every command of the built CLI against a hostile registry.
 */
import { describe, expect, it } from '@jest/globals';
import { escapeJsonText, safe, visible } from '../../../src/ui/visible.js';
import { formatTable } from '../../../src/ui/table.js';
import { writeJson } from '../../../src/ui/json.js';
import { reportError } from '../../../src/main.js';
import { CliError, ExitCode } from '../../../src/errors.js';
import { HttpError } from '../../../src/client/errors.js';
import { testIO } from '../../helpers/test-io.js';
import { HOSTILE as H, HOSTILE_SHOWN as SHOWN, RAW_CONTROL as RAW } from '../../helpers/hostile-text.js';


describe('visible', () => {
  it('shows C0 controls, DEL and C1 controls as \\x escapes, and \\n \\r \\t by name', () => {
    expect(visible('a\x00b\x07c\x1bd\x7fe\x80f\x9bg')).toBe(String.raw`a\x00b\x07c\x1bd\x7fe\x80f\x9bg`);
    expect(visible('one\ntwo\rthree\tfour')).toBe(String.raw`one\ntwo\rthree\tfour`);
  });

  it('shows bidi, zero-width and other format characters, and the line separators, as \\u escapes', () => {
    expect(visible('\u202eevil\u202c')).toBe(String.raw`\u202eevil\u202c`);
    expect(visible('a\u2066b\u2069c\u061cd')).toBe(String.raw`a\u2066b\u2069c\u061cd`);
    expect(visible('zero\u200bwidth\u200d\ufeff\u00ad')).toBe(String.raw`zero\u200bwidth\u200d\ufeff\xad`);
    expect(visible('line\u2028para\u2029')).toBe(String.raw`line\u2028para\u2029`);
    expect(visible('tag\u{e0041}')).toBe(String.raw`tag\u{e0041}`);
  });

  it('leaves printable text alone: accents, other scripts, symbols, emoji, spaces', () => {
    const text = 'café 日本語 Ελληνικά ✓ ✗ 🙂 a  b ~!@#$%^&*()[]{}\\';
    expect(visible(text)).toBe(text);
  });

  it('is idempotent (its output is printable), so escaping twice is harmless', () => {
    expect(visible(visible(H))).toBe(SHOWN);
  });

  it('turns any value into text', () => {
    expect(visible(3)).toBe('3');
    expect(visible(null)).toBe('null');
    expect(visible(['a\x1b', 'b'])).toBe(String.raw`a\x1b,b`);
  });

  it('safe`…` escapes the values and keeps the literal parts (newlines included)', () => {
    expect(safe`Invited ${H} to ${'acme'}\n`).toBe(`Invited ${SHOWN} to acme\n`);
  });
});

describe('escapeJsonText', () => {
  it('escapes what JSON.stringify leaves raw as \\uXXXX; the JSON means the same', () => {
    const data = { user: H, tag: 'a\u{e0041}', ok: 'café ✓ 🙂', line: 'x\u2028y' };
    const text = escapeJsonText(JSON.stringify(data));
    expect(RAW.test(text)).toBe(false);
    expect(text).toContain(String.raw`\u202e\u009b`);
    expect(text).toContain(String.raw`a\udb40\udc41`);
    expect(JSON.parse(text)).toEqual(data);
  });

  it('writeJson writes it, piped and pretty', () => {
    for (const stdoutTTY of [false, true]) {
      const io = testIO({ stdoutTTY });
      writeJson(io, [{ user: H }]);
      expect(RAW.test(io.stdoutText())).toBe(false);
      expect(JSON.parse(io.stdoutText())).toEqual([{ user: H }]);
    }
  });
});

describe('central places', () => {
  it('formatTable escapes every cell and aligns on the escaped width', () => {
    expect(formatTable([['USER', 'ROLE'], [H, 'owner'], ['bob', 'developer']])).toBe(
      `USER${' '.repeat(SHOWN.length - 4)}  ROLE\n${SHOWN}  owner\nbob${' '.repeat(SHOWN.length - 3)}  developer\n`,
    );
  });

  it('reportError escapes the message and the hint of a CliError', () => {
    const out: string[] = [];
    const code = reportError(new CliError(`no such org ${H}`, ExitCode.Failure, `hint ${H}`), (s) => out.push(s));
    expect(code).toBe(1);
    expect(out.join('')).toBe(`orgctl: no such org ${SHOWN}\nhint ${SHOWN}\n`);
  });

  it('reportError escapes an unexpected error, and its stack with ORGCTL_DEBUG', () => {
    const out: string[] = [];
    reportError(new Error(H), (s) => out.push(s), true);
    expect(RAW.test(out.join(''))).toBe(false);
    expect(out[0]).toBe(`orgctl: unexpected error: ${SHOWN}\n`);
  });

  it("HttpError's message quotes the server escaped; serverMessage keeps its words as sent", () => {
    const err = new HttpError({ status: 404, method: 'GET', url: 'http://127.0.0.1/-/org/acme/user', body: { error: H } });
    expect(err.message).toBe(`${SHOWN} (GET /-/org/acme/user: 404)`);
    expect(err.serverMessage).toBe(H);
  });
});
