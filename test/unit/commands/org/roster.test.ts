/**
 * Finding "`org ls --json` piped passes the registry's bytes through after checking only `[`/`]`":
 * the roster check. `isCompactRoster` accepts exactly the reference registry's compact roster
 * (split anywhere across chunks); `parseRoster`/`expectMembers` check anything else in full.
 */
import { describe, expect, it } from '@jest/globals';
import { expectMembers, isCompactRoster, parseRoster } from '../../../../src/commands/org/roster.js';
import { CliError } from '../../../../src/errors.js';

const ROSTER = [
  { user: 'alice', role: 'owner', twoFactor: true, tfaMethods: ['totp', 'webauthn'], teams: ['core', 'web.ops'] },
  { user: 'bob_2', role: 'developer', twoFactor: null, tfaMethods: null, teams: [] },
  { user: 'c-3', role: 'admin', twoFactor: false, tfaMethods: [], teams: ['x'] },
];
const WHERE = 'GET /-/orgctl/v1/orgs/acme/members';
const bytes = (s: string) => [Buffer.from(s, 'utf8')];

/** Every way to cut `s` into two chunks, plus one byte per chunk. */
function splits(s: string): Buffer[][] {
  const b = Buffer.from(s, 'utf8');
  const out: Buffer[][] = [];
  for (let i = 0; i <= b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

describe('isCompactRoster', () => {
  it('accepts the compact roster however it is cut into chunks, and the empty list', () => {
    for (const chunks of splits(JSON.stringify(ROSTER))) expect(isCompactRoster(chunks)).toBe(true);
    expect(isCompactRoster(bytes('[]'))).toBe(true);
  });

  it('reads a long roster in pieces: accepted whole and cut in 64 KiB chunks; a bad member far in is refused', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ ...ROSTER[i % 3]!, user: `u${i}` }));
    const text = JSON.stringify(many); // ~170 KB: many 16 KiB pieces, members cut between them
    const cut = (s: string) => {
      const b = Buffer.from(s);
      return Array.from({ length: Math.ceil(b.length / 65536) }, (_, k) => b.subarray(k * 65536, (k + 1) * 65536));
    };
    expect(isCompactRoster(bytes(text))).toBe(true);
    expect(isCompactRoster(cut(text))).toBe(true);
    const bad = text.replace('"u1500"', '"U1500"');
    expect(isCompactRoster(bytes(bad))).toBe(false);
    expect(isCompactRoster(cut(bad))).toBe(false);
  });

  it.each([
    ['nothing', ''],
    ['an object', '{"alice":"owner"}'],
    ['a list closed twice', `${JSON.stringify(ROSTER)}]`],
    ['trailing bytes', `${JSON.stringify(ROSTER)}x`],
    ['not JSON between the brackets', '[{"user":"bob"}, not json]'],
    ['a raw escape code', '["\x1b[2J"]'],
    ['numbers', '[1,2,3]'],
    ['whitespace', JSON.stringify(ROSTER, null, 1)],
    ['another key order', '[{"role":"owner","user":"alice","twoFactor":true,"teams":[]}]'],
    ['an extra field', '[{"user":"alice","role":"owner","twoFactor":true,"teams":[],"x":1}]'],
    ['an unknown second factor', '[{"user":"alice","role":"owner","twoFactor":true,"tfaMethods":["sms"],"teams":[]}]'],
    ['an unknown role', '[{"user":"alice","role":"boss","twoFactor":true,"teams":[]}]'],
    ['a name with an escape', '[{"user":"a\\u001bb","role":"owner","twoFactor":true,"teams":[]}]'],
    ['a name with a right-to-left override', '[{"user":"a\u202eb","role":"owner","twoFactor":true,"teams":[]}]'],
    ['an empty name', '[{"user":"","role":"owner","twoFactor":true,"teams":[]}]'],
    ['a cut-off answer', JSON.stringify(ROSTER).slice(0, -2)],
    ['a member without its comma', JSON.stringify(ROSTER).replace('},{', '}{')],
    ['a bad second member', JSON.stringify(ROSTER).replace('"developer"', '"dev"')],
  ])('refuses %s however it is cut into chunks (then it is parsed in full)', (_what, text) => {
    for (const chunks of [bytes(text), ...splits(text)]) expect(isCompactRoster(chunks)).toBe(false);
  });
});

describe('parseRoster and expectMembers', () => {
  it('return the members of a valid answer, extra fields kept', () => {
    const text = JSON.stringify([{ ...ROSTER[0], since: '2026' }], null, 2);
    expect(parseRoster(bytes(text), WHERE)).toEqual([{ ...ROSTER[0], since: '2026' }]);
  });

  it.each([
    ['', 'it is empty'],
    ['[{"user":"bob"}, not json]', 'it is not valid JSON'],
    ['["\x1b[2J"]', 'it is not valid JSON'],
    ['{"alice":"owner"}', 'it is a JSON object, not a list'],
    ['"members"', 'it is text, not a JSON list'],
    ['null', 'it is null'],
    ['[1]', 'item 1 is not an object'],
    ['[{"role":"owner","twoFactor":true,"teams":[]}]', 'item 1 has no "user" string'],
    ['[{"user":"a","twoFactor":true,"teams":[]}]', 'item 1 has no "role" string'],
    ['[{"user":"a","role":"owner","twoFactor":"yes","teams":[]}]', 'item 1: "twoFactor" must be true, false or null'],
    ['[{"user":"a","role":"owner","twoFactor":true,"teams":"core"}]', 'item 1: "teams" must be a list of strings'],
    ['[{"user":"a","role":"owner","twoFactor":true,"tfaMethods":["sms"],"teams":[]}]', 'item 1: "tfaMethods" must be null or a list of "totp" and "webauthn"'],
    [`${JSON.stringify(ROSTER)}]`, 'it is not valid JSON'],
  ])('refuse %j: %s (exit 1)', (text, why) => {
    let err: unknown;
    try {
      parseRoster(bytes(text), WHERE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toBe(`the registry's answer to ${WHERE} is not a list of members: ${why}`);
  });

  it('refuse bytes that are not UTF-8', () => {
    expect(() => parseRoster([Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d])], WHERE)).toThrow(`${WHERE} is not a list of members: it is not valid UTF-8`);
  });

  it('expectMembers says what a parsed answer that is text was', () => {
    expect(() => expectMembers('<html>proxy error</html>', WHERE)).toThrow('it is text, not a JSON list');
  });
});
