/**
 * Job: test data, read from the one place it is written. The seed users and orgs come from
 * fixtures/registry/basic.json itself (names, passwords, pre-issued tokens, TOTP secrets, rosters),
 * so a change to that file reaches every test and nothing is copied here.
 *
 *   ROOT                       the repository root
 *   BASIC                      the basic seed's path, as startRegistry({ seed }) and `--seed` take it
 *   loadSeed(seedOrPath)       a seed object (a path is read relative to ROOT; an object is returned as is)
 *   basicSeed()                a fresh copy of the basic seed, to extend (`{ ...s, orgs: [...s.orgs, x] }`)
 *   USERS.bob, ALICE ... ERIN  a seed user: { name, password, token, email, secret? } (secret: 2FA users)
 *   ACME_ROSTER                acme's members as seeded: { alice: 'owner', ... }
 *   await makeKeyOnly(core, 'bob')   turns a seed user key-only (KEY_ONLY.key, KEY_ONLY.recovery codes)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegistryCore } from '../../src/server/core/registry-core.js';
import { recoveryCodeHash } from '../../src/server/core/secrets.js';
import type { KeyRec } from '../../src/server/core/types.js';

/** The repository root (test/helpers/../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const BASIC = 'fixtures/registry/basic.json';

/** A seed object: a path is read (relative to ROOT), an object is returned as it is. */
export function loadSeed(seed: string | object): unknown {
  return typeof seed === 'string' ? JSON.parse(readFileSync(path.resolve(ROOT, seed), 'utf8')) : seed;
}

interface SeedFile {
  users: { name: string; password: string; token: string; email: string; tfa?: { mode: string; secret: string } }[];
  orgs: { name: string; members: Record<string, string>; teams?: Record<string, string[]>; requireTfa: boolean }[];
}

/** A fresh (deep) copy of fixtures/registry/basic.json. */
export function basicSeed(): SeedFile {
  return loadSeed(BASIC) as SeedFile;
}

export interface SeedUser {
  name: string;
  password: string;
  token: string;
  email: string;
  /** the TOTP secret, for the users seeded with 2FA */
  secret?: string;
}

const seed = basicSeed();

function seedUser(name: string): SeedUser {
  const u = seed.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name} in ${BASIC}`);
  return { name: u.name, password: u.password, token: u.token, email: u.email, ...(u.tfa ? { secret: u.tfa.secret } : {}) };
}

/** A seed user with 2FA: `secret` is known to be there. */
function tfaUser(name: string): SeedUser & { secret: string } {
  const u = seedUser(name);
  if (!u.secret) throw new Error(`${name} has no 2FA in ${BASIC}`);
  return u as SeedUser & { secret: string };
}

export const ALICE = tfaUser('alice');
export const BOB = seedUser('bob');
export const CAROL = seedUser('carol');
export const DAVE = tfaUser('dave');
export const ERIN = seedUser('erin');

/** The seed users by name; `secret` is set for the 2FA users (alice, dave). */
export const USERS = { alice: ALICE, bob: BOB, carol: CAROL, dave: DAVE, erin: ERIN } as const satisfies Record<string, SeedUser>;
export type SeedUserName = keyof typeof USERS;

/** acme's roster as seeded ({ user: role }). */
export const ACME_ROSTER: Readonly<Record<string, string>> = Object.freeze({ ...seed.orgs.find((o) => o.name === 'acme')!.members });

/** A security key (no private key: it cannot sign) and recovery codes for a key-only user. */
export const KEY_ONLY: { key: KeyRec; recovery: readonly string[] } = {
  key: { id: '-imhpywOlVSOI2jY2InMFg', publicKey: 'pQECAyYgASFYIDL9P_0FYsCIzQLSZvZN-kcoFAix8a1aDBlj4f2pzCjRIlgg7I6L5nyTfXupJeumP89ZWu4-SAXtWvzqUvrELvVLgMQ', counter: 0, transports: ['usb'], name: 'yubikey', created: '2026-01-01T00:00:00.000Z', lastUsed: null },
  recovery: ['ABCDE-FGH23', 'IJKLM-NOP45', 'QRSTU-VWX67'],
};

/** Makes a seed user key-only: auth-and-writes, KEY_ONLY's key and its recovery codes, no TOTP secret. */
export async function makeKeyOnly(core: RegistryCore, name: string): Promise<void> {
  const u = core.user(name)!;
  const tfa = { mode: 'auth-and-writes' as const, pending: false, secret: null, recovery: KEY_ONLY.recovery.map((c) => recoveryCodeHash(c)!) };
  await core.applySeedOps([{ c: 'users', k: name, v: { ...u, tfa, keys: [KEY_ONLY.key] } }]);
}
