import { isTfaMode, keyNameProblem, nameProblem, normalizeRole, type Role, isEmailAddress } from '../../shared/names.js';
import type { Op } from '../store/store.js';
import { hashPassword, redactToken, tokenKey } from './secrets.js';
import { isUsableSecret } from './totp.js';
import type { MemberRec, OrgRec, TokenRec, UserRec } from './types.js';

/**
 * The seed file format (docs/registry-api.md "Seed format"):
 *   { "users": [{ "name", "password"?, "email"?, "token"?, "tfa"?: { "mode", "secret"? } | null,
 *                 "keys"?: [{ "name", "id", "publicKey", "counter"?, "transports"? }] }],
 *     "orgs":  [{ "name", "members": { user: role }, "teams"?: { team: [user] }, "requireTfa"?: bool }] }
 * validateSeed() checks everything first and names the bad entry; buildSeedOps() hashes the
 * passwords (in parallel: 10,000 users seed in seconds when most have no password) and returns one
 * transaction.
 */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

export interface SeedUser {
  name: string;
  password?: string;
  email?: string;
  token?: string;
  tfa?: { mode: string; secret?: string | null } | null;
  /** security keys (credential id and COSE public key, base64url); `tfa.secret` may then be left out */
  keys?: { name: string; id: string; publicKey: string; counter?: number; transports?: string[] }[];
}
export interface SeedOrg {
  name: string;
  members: Record<string, string>;
  teams?: Record<string, string[]>;
  requireTfa?: boolean;
}
export interface Seed {
  users: SeedUser[];
  orgs: SeedOrg[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateSeed(raw: unknown): Seed {
  if (!isObj(raw)) throw new SeedError('seed must be a JSON object with "users" and "orgs"');
  const users = raw.users ?? [];
  const orgs = raw.orgs ?? [];
  if (!Array.isArray(users)) throw new SeedError('seed: "users" must be an array');
  if (!Array.isArray(orgs)) throw new SeedError('seed: "orgs" must be an array');
  const byName = new Map<string, SeedUser>();
  const tokens = new Set<string>();
  const credentialIds = new Set<string>();
  users.forEach((u, i) => {
    const where = `users[${i}]`;
    if (!isObj(u)) throw new SeedError(`seed: ${where} must be an object`);
    const p = nameProblem('user', u.name);
    if (p) throw new SeedError(`seed: ${where}: ${p}`);
    const name = u.name as string;
    const at = `${where} "${name}"`;
    if (byName.has(name)) throw new SeedError(`seed: ${at}: duplicate user name`);
    for (const f of ['password', 'email', 'token'] as const) {
      if (u[f] !== undefined && u[f] !== null && (typeof u[f] !== 'string' || (u[f] as string).length === 0)) {
        throw new SeedError(`seed: ${at}: ${f} must be a non-empty string`);
      }
    }
    if (typeof u.email === 'string' && !isEmailAddress(u.email)) throw new SeedError(`seed: ${at}: email must be an email address`);
    if (typeof u.token === 'string') {
      if (u.token.length < 16) throw new SeedError(`seed: ${at}: token must be at least 16 characters`);
      if (tokens.has(u.token)) throw new SeedError(`seed: ${at}: token is used by another user`);
      tokens.add(u.token);
    }
    if (u.keys !== undefined) checkSeedKeys(u.keys, at, credentialIds);
    if (u.tfa !== undefined && u.tfa !== null) {
      if (!isObj(u.tfa) || !isTfaMode(u.tfa.mode)) throw new SeedError(`seed: ${at}: tfa.mode must be auth-only or auth-and-writes`);
      const keyOnly = u.keys !== undefined && (u.tfa.secret === undefined || u.tfa.secret === null);
      if (!keyOnly && !isUsableSecret(u.tfa.secret)) throw new SeedError(`seed: ${at}: tfa.secret must be a base32 TOTP secret of at least 10 bytes`);
    } else if (u.keys !== undefined) {
      throw new SeedError(`seed: ${at}: a user with keys needs "tfa": {"mode": "auth-only" | "auth-and-writes"} (the mode the keys apply in)`);
    }
    byName.set(name, u as unknown as SeedUser);
  });
  const orgNames = new Set<string>();
  orgs.forEach((o, i) => {
    const where = `orgs[${i}]`;
    if (!isObj(o)) throw new SeedError(`seed: ${where} must be an object`);
    const p = nameProblem('org', o.name);
    if (p) throw new SeedError(`seed: ${where}: ${p}`);
    const at = `${where} "${o.name as string}"`;
    if (orgNames.has(o.name as string)) throw new SeedError(`seed: ${at}: duplicate org name`);
    orgNames.add(o.name as string);
    if (byName.has(o.name as string)) throw new SeedError(`seed: ${at}: the name is also a user's (users and orgs share one namespace)`);
    if (!isObj(o.members)) throw new SeedError(`seed: ${at}: "members" must be an object of user: role`);
    let owners = 0;
    // A Map, not the members object: `"constructor" in {}` is true, and would admit ghost team members.
    const members = new Map(Object.entries(o.members));
    for (const [user, role] of members) {
      if (!byName.has(user)) throw new SeedError(`seed: ${at}: member "${user}" is not a user in the seed`);
      const r = normalizeRole(role);
      if (!r) throw new SeedError(`seed: ${at}: member "${user}" has bad role ${JSON.stringify(role)} (use owner, admin or developer)`);
      if (r === 'owner') owners++;
      if (o.requireTfa === true && !byName.get(user)!.tfa) {
        throw new SeedError(`seed: ${at}: requires 2FA but member "${user}" has no tfa`);
      }
    }
    if (owners === 0) throw new SeedError(`seed: ${at}: an org needs at least one owner`);
    if (o.requireTfa !== undefined && typeof o.requireTfa !== 'boolean') throw new SeedError(`seed: ${at}: requireTfa must be true or false`);
    if (o.teams !== undefined) {
      if (!isObj(o.teams)) throw new SeedError(`seed: ${at}: "teams" must be an object of team: [users]`);
      for (const [team, list] of Object.entries(o.teams)) {
        const tp = nameProblem('team', team);
        if (tp) throw new SeedError(`seed: ${at}: team: ${tp}`);
        if (!Array.isArray(list)) throw new SeedError(`seed: ${at}: team "${team}" must list user names`);
        for (const user of list) {
          if (typeof user !== 'string' || !members.has(user)) {
            throw new SeedError(`seed: ${at}: team "${team}" lists "${String(user)}", who is not a member of the org`);
          }
        }
      }
    }
  });
  return { users: users as SeedUser[], orgs: orgs as SeedOrg[] };
}

const B64URL = /^[A-Za-z0-9_-]{16,1400}$/;

/** A seed user's `keys`: a non-empty list, each with a name, a credential id and a public key (base64url). */
function checkSeedKeys(keys: unknown, at: string, ids: Set<string>): void {
  if (!Array.isArray(keys) || keys.length === 0) throw new SeedError(`seed: ${at}: keys must be a non-empty list`);
  const names = new Set<string>();
  keys.forEach((k: unknown, j) => {
    const w = `${at}: keys[${j}]`;
    if (!isObj(k)) throw new SeedError(`seed: ${w} must be an object`);
    const p = keyNameProblem(k.name);
    if (p) throw new SeedError(`seed: ${w}: ${p}`);
    if (names.has(k.name as string)) throw new SeedError(`seed: ${w}: duplicate key name`);
    names.add(k.name as string);
    for (const f of ['id', 'publicKey'] as const) {
      if (typeof k[f] !== 'string' || !B64URL.test(k[f] as string)) throw new SeedError(`seed: ${w}: ${f} must be base64url`);
    }
    if (ids.has(k.id as string)) throw new SeedError(`seed: ${w}: the credential id is used by another key`);
    ids.add(k.id as string);
    if (k.counter !== undefined && !(Number.isInteger(k.counter) && (k.counter as number) >= 0)) throw new SeedError(`seed: ${w}: counter must be a whole number of 0 or more`);
    if (k.transports !== undefined && !(Array.isArray(k.transports) && k.transports.every((t) => typeof t === 'string'))) throw new SeedError(`seed: ${w}: transports must be a list of strings`);
  });
}

export async function buildSeedOps(seed: Seed, nowIso: string): Promise<Op[]> {
  const ops: Op[] = [];
  const hashes = await Promise.all(seed.users.map((u) => (u.password ? hashPassword(u.password) : Promise.resolve(null))));
  seed.users.forEach((u, i) => {
    const rec: UserRec = {
      name: u.name,
      email: u.email ?? null,
      emailVerified: !!u.email,
      password: hashes[i] ?? null,
      created: nowIso,
      updated: nowIso,
      tfa: u.tfa ? { mode: u.tfa.mode as 'auth-only' | 'auth-and-writes', pending: false, secret: u.tfa.secret ?? null, recovery: [] } : null,
      ...(u.keys
        ? { keys: u.keys.map((k) => ({ id: k.id, publicKey: k.publicKey, counter: k.counter ?? 0, transports: k.transports ?? [], name: k.name, created: nowIso, lastUsed: null })) }
        : {}),
    };
    ops.push({ c: 'users', k: u.name, v: rec });
    if (u.token) {
      const key = tokenKey(u.token);
      const t: TokenRec = {
        key,
        user: u.name,
        redacted: redactToken(u.token),
        created: nowIso,
        updated: nowIso,
        readonly: false,
        cidr: null,
        name: 'seed',
        description: null,
        expires: null,
        orgs: null,
        orgsPermission: null,
        session: false,
      };
      ops.push({ c: 'tokens', k: key, v: t });
    }
  });
  for (const o of seed.orgs) {
    const org: OrgRec = { name: o.name, created: nowIso, requireTfa: o.requireTfa === true, tfaRequiredSince: o.requireTfa ? nowIso : null };
    ops.push({ c: 'orgs', k: o.name, v: org });
    for (const [user, role] of Object.entries(o.members)) {
      const m: MemberRec = { role: normalizeRole(role) as Role, joined: nowIso };
      ops.push({ c: 'members', k: `${o.name}:${user}`, v: m });
    }
    for (const [team, list] of Object.entries(o.teams ?? {})) {
      if (team === 'developers') continue; // every member is in it already
      ops.push({ c: 'teams', k: `${o.name}:${team}`, v: { description: null, created: nowIso } });
      for (const user of new Set(list)) ops.push({ c: 'teamMembers', k: `${o.name}:${team}:${user}`, v: { added: nowIso } });
    }
  }
  return ops;
}
