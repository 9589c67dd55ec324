import { CliError } from '../../errors.js';
import type { Role } from '../../shared/names.js';

/**
 * The detailed roster (`GET /-/orgctl/v1/orgs/:org/members`), checked before anything of it is
 * printed: a registry that answers with something else (not JSON, not a list of members, escape
 * codes in raw bytes) gets a one-line error (exit 1) and nothing reaches stdout.
 */

/** A member as the detailed roster reports it. */
export interface MemberDetail {
  user: string;
  role: Role;
  /** null when the caller may not see it (developers). */
  twoFactor: boolean | null;
  /** which second factors the member has on (`totp`, `webauthn`); null when the caller may not see it, absent from older registries */
  tfaMethods?: ('totp' | 'webauthn')[] | null;
  teams: string[];
}

/** The registry's answer is not what docs/registry-api.md promises (exit 1). */
export function invalidRoster(where: string, why: string): CliError {
  return new CliError(
    `the registry's answer to ${where} is not a list of members: ${why}`,
    undefined,
    'Check that the registry URL points at a registry with the orgctl API (docs/registry-api.md); nothing was printed.',
  );
}

function describe(v: unknown): string {
  if (v === undefined) return 'it is empty';
  if (typeof v === 'string') return 'it is text, not a JSON list';
  if (v === null) return 'it is null';
  return `it is ${typeof v === 'object' ? 'a JSON object' : `a JSON ${typeof v}`}, not a list`;
}

/** Checks a parsed answer: a list of `{user, role, twoFactor, tfaMethods?, teams}` with those types (extra fields are kept). */
export function expectMembers(body: unknown, where: string): MemberDetail[] {
  if (!Array.isArray(body)) throw invalidRoster(where, describe(body));
  body.forEach((m: unknown, i) => {
    const at = `item ${i + 1}`;
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw invalidRoster(where, `${at} is not an object`);
    const { user, role, twoFactor, teams, tfaMethods } = m as Record<string, unknown>;
    if (typeof user !== 'string') throw invalidRoster(where, `${at} has no "user" string`);
    if (typeof role !== 'string') throw invalidRoster(where, `${at} has no "role" string`);
    if (twoFactor !== null && typeof twoFactor !== 'boolean') throw invalidRoster(where, `${at}: "twoFactor" must be true, false or null`);
    if (!Array.isArray(teams) || !teams.every((t) => typeof t === 'string')) throw invalidRoster(where, `${at}: "teams" must be a list of strings`);
    if (tfaMethods !== undefined && tfaMethods !== null && !(Array.isArray(tfaMethods) && tfaMethods.every((x) => x === 'totp' || x === 'webauthn'))) {
      throw invalidRoster(where, `${at}: "tfaMethods" must be null or a list of "totp" and "webauthn"`);
    }
  });
  return body as MemberDetail[];
}

/** Decodes (UTF-8, strictly), parses and checks an answer received as bytes. */
export function parseRoster(chunks: readonly Uint8Array[], where: string): MemberDetail[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw invalidRoster(where, 'it is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRoster(where, text.trim() === '' ? 'it is empty' : 'it is not valid JSON');
  }
  return expectMembers(body, where);
}

/** A JSON string holding a name (src/shared/names.ts): lowercase letters, digits, `.`, `_`, `-`. */
const NAME = '"[a-z0-9._-]+"';
/** One member exactly as the reference registry writes it. Its only `}` is its last character. */
const MEMBER = `\\{"user":${NAME},"role":"(?:developer|admin|owner)","twoFactor":(?:true|false|null),"tfaMethods":(?:null|\\[(?:"(?:totp|webauthn)"(?:,"(?:totp|webauthn)")?)?\\]),"teams":\\[(?:${NAME}(?:,${NAME})*)?\\]\\}`;
/** As many members as there are, each followed by a comma. */
const MEMBERS_THEN_COMMA = new RegExp(`(?:${MEMBER},)*`, 'y');

/** True when all of `text` is members, each followed by a comma (one regular expression serves all checks). */
function allMembersThenComma(text: string): boolean {
  MEMBERS_THEN_COMMA.lastIndex = 0;
  return MEMBERS_THEN_COMMA.test(text) && MEMBERS_THEN_COMMA.lastIndex === text.length;
}

/**
 * True when the bytes are exactly what the reference registry writes for a roster (compact
 * JSON.stringify output, keys in the documented order, names made of name characters only, no
 * whitespace): then they are valid JSON of the documented shape, inert on a terminal, and can be
 * written as they came, with no decoding, parsing or re-serializing (on 10,000 members that
 * would be most of the command's memory). Anything else is parsed in full by `parseRoster`.
 *
 * The bytes are read one chunk at a time as latin1 (a byte outside ASCII fails the match), and
 * one regular expression does the work: no JavaScript loop runs per member (on 10,000 members, a
 * loop that gets hot costs more memory in compiled code than the check is worth). A member cut
 * off by the end of a chunk is completed with the start of the next one and checked alone: the
 * chunk is never copied into one string with it (on 10,000 members that copy cost ~1 MiB of peak
 * memory).
 */
export function isCompactRoster(chunks: readonly Buffer[]): boolean {
  /** Input not consumed yet: the start of a member cut off by the end of a chunk. */
  let rest = '';
  let opened = false;
  let members = false;
  /** Consumes the members (each followed by a comma) at the start of `text`; returns the rest. */
  const consume = (text: string): string => {
    MEMBERS_THEN_COMMA.lastIndex = 0;
    MEMBERS_THEN_COMMA.test(text);
    if (MEMBERS_THEN_COMMA.lastIndex === 0) return text;
    members = true;
    return text.slice(MEMBERS_THEN_COMMA.lastIndex);
  };
  for (let i = 0; i < chunks.length; i++) {
    let text = chunks[i]!.toString('latin1');
    if (!opened) {
      if (text === '') continue;
      if (text[0] !== '[') return false;
      text = text.slice(1);
      opened = true;
    }
    if (rest !== '') {
      // The cut-off member ends at the chunk's first `}` (a member's only one); with the
      // character after it (its comma), it is consumed on its own.
      const close = text.indexOf('}');
      const cut = close < 0 ? text.length : close + 2;
      rest = consume(rest + text.slice(0, cut));
      text = text.slice(cut);
    }
    rest = rest === '' ? consume(text) : rest + text;
    // A member that ended (`}`) but was not consumed is not one, unless it may be the last one
    // (`…}` or `…}]` at the end); stopping here keeps `rest` as small as one member.
    const close = rest.indexOf('}');
    if (close >= 0 && close < rest.length - (rest.endsWith(']') ? 2 : 1) && i < chunks.length - 1) return false;
  }
  // What is left: the last member and the closing bracket, or only the bracket of `[]`.
  if (!opened || !rest.endsWith(']')) return false;
  return rest === ']' ? !members : allMembersThenComma(`${rest.slice(0, -1)},`);
}
