/**
 * Text from the network (user, org and team names, server messages, URLs, audit details) is shown
 * to people only through these helpers, so a registry cannot drive the terminal: no OSC 52
 * clipboard write, no screen clear, no carriage return that overwrites a line with a fake
 * "✓ all members have 2FA", no right-to-left override that reverses what follows.
 *
 * Made visible: every control character (C0 including newline and tab, DEL, C1), every format
 * character (bidi embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, tag
 * characters, the soft hyphen) and the line and paragraph separators. They are written the way
 * JavaScript writes them: `\n`, `\r`, `\t`, `\x1b`, `\x9b`, `\u202e`, `\u{e0041}`. The result is
 * printable, so escaping twice changes nothing: a message built from escaped parts can be escaped
 * again where it is printed (the table renderer and the error printer do).
 *
 * `--json` output is not passed through here: JSON has its own escapes (src/ui/json.ts).
 */

/** Control (Cc), format (Cf), line separator (Zl) and paragraph separator (Zp) characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const cp = c.codePointAt(0)!;
  const hex = cp.toString(16);
  if (cp <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\u{${hex}}`;
}

/** `value` as text with every control and format character made visible (see above). */
export function visible(value: unknown): string {
  return String(value).replace(INVISIBLE, escapeChar);
}

/**
 * A template tag for messages: the literal parts are orgctl's own, every `${value}` is passed
 * through `visible`. `` safe`Invited ${user} to ${org}` ``.
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += visible(values[i]) + strings[i + 1]!;
  return out;
}

/** Format characters and the separators JSON.stringify leaves raw (it escapes only U+0000–U+001F). */
const JSON_RAW = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Escapes, inside JSON text, the characters `visible` escapes that JSON.stringify leaves raw (DEL,
 * C1, format characters, U+2028/U+2029) as `\uXXXX`. The JSON means exactly the same; these
 * characters can only occur inside strings, where `\uXXXX` is their standard escape.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_RAW, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
