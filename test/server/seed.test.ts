import { describe, expect, it } from '@jest/globals';
import { validateSeed, SeedError, buildSeedOps } from '../../src/server/core/seed.js';
import { MemoryStore } from '../../src/server/store/store.js';
import { RegistryCore } from '../../src/server/core/registry-core.js';
import { ALICE } from '../helpers/fixtures.js';
import { testClock } from '../helpers/clock.js';
import type { Actor } from '../../src/server/core/types.js';

const SECRET = ALICE.secret;
/** A security key as the demo seed has one (credential id, COSE public key). */
const KEY = { name: 'yubikey', id: '-imhpywOlVSOI2jY2InMFg', publicKey: 'pQECAyYgASFYIDL9P_0FYsCIzQLSZvZN-kcoFAix8a1aDBlj4f2pzCjRIlgg7I6L5nyTfXupJeumP89ZWu4-SAXtWvzqUvrELvVLgMQ' };
const base = () => ({
  users: [{ name: 'alice', tfa: { mode: 'auth-only', secret: SECRET } }, { name: 'bob' }],
  orgs: [{ name: 'acme', members: { alice: 'owner', bob: 'developer' } as Record<string, string>, teams: { core: ['alice'] } as Record<string, string[]>, requireTfa: false }],
});

describe('seed validation names the bad entry', () => {
  it.each<[string, (s: ReturnType<typeof base>) => void, RegExp]>([
    ['unknown member', (s) => (s.orgs[0]!.members.zed = 'developer'), /orgs\[0\] "acme": member "zed" is not a user/],
    ['bad role', (s) => (s.orgs[0]!.members.bob = 'boss'), /member "bob" has bad role "boss"/],
    ['duplicate user', (s) => s.users.push({ name: 'bob' }), /users\[2\] "bob": duplicate user name/],
    ['duplicate org', (s) => s.orgs.push({ ...s.orgs[0]! }), /orgs\[1\] "acme": duplicate org name/],
    ['2FA-less member of a requireTfa org', (s) => (s.orgs[0]!.requireTfa = true), /requires 2FA but member "bob" has no tfa/],
    ['bad user name', (s) => s.users.push({ name: 'Bad Name' }), /users\[2\]: invalid user name/],
    ['bad secret', (s) => (s.users[0]!.tfa = { mode: 'auth-only', secret: 'not base32!' }), /tfa.secret must be/],
    ['bad tfa mode', (s) => (s.users[0]!.tfa = { mode: 'always', secret: SECRET }), /tfa.mode must be/],
    ['no owner', (s) => (s.orgs[0]!.members.alice = 'admin'), /needs at least one owner/],
    ['bad email', (s) => ((s.users[1] as { email?: string }).email = 'bob at example'), /users\[1\] "bob": email must be an email address/],
    ['team lists a non-member', (s) => (s.orgs[0]!.teams.core = ['carol']), /team "core" lists "carol"/],
    ['keys without tfa', (s) => Object.assign(s.users[1]!, { keys: [KEY] }), /users\[1\] "bob": a user with keys needs "tfa": \{"mode"/],
    ['a key with a bad public key', (s) => Object.assign(s.users[1]!, { tfa: { mode: 'auth-only' }, keys: [{ ...KEY, publicKey: 'not base64url!' }] }), /users\[1\] "bob": keys\[0\]: publicKey must be base64url/],
    ['tfa without a secret and no keys', (s) => (s.users[1] = { name: 'bob', tfa: { mode: 'auth-only' } } as never), /users\[1\] "bob": tfa.secret must be/],
  ])('%s', (_label, mutate, re) => {
    const s = base();
    mutate(s);
    expect(() => validateSeed(s)).toThrow(SeedError);
    expect(() => validateSeed(s)).toThrow(re);
  });

  it.each([
    ['the base seed', base()],
    ['a seed that lists only alice in developers', (() => {
      const s = base();
      s.orgs[0]!.teams.developers = ['alice'];
      return s;
    })()],
  ])('accepts %s and builds a registry with a developers team for everyone', async (_label, seed) => {
    const core = new RegistryCore({ store: new MemoryStore(), now: testClock().now });
    await core.applySeedOps(await buildSeedOps(validateSeed(seed), new Date(testClock().now()).toISOString()));
    expect(Object.fromEntries(core.members('acme')!)).toEqual({ alice: 'owner', bob: 'developer' });
    const alice: Actor = { user: core.user('alice')!, token: null, via: 'password', otpChecked: true };
    expect(core.listTeams(alice, 'acme')).toEqual(['acme:core', 'acme:developers']);
    expect(core.teamMembers(alice, 'acme', 'developers').sort()).toEqual(['alice', 'bob']);
    expect(core.teamMembers(alice, 'acme', 'core')).toEqual(['alice']);
    expect(core.teamsOf('acme', 'alice')).toEqual(['core']); // developers is implied, not listed
  });

  it('a key-only user (tfa without a secret, keys) seeds with 2FA on and keeps an org that requires 2FA valid', async () => {
    const s = base();
    s.users[1] = { name: 'bob', tfa: { mode: 'auth-and-writes' }, keys: [{ ...KEY, transports: ['usb'] }] } as never;
    s.orgs[0]!.requireTfa = true;
    const core = new RegistryCore({ store: new MemoryStore(), now: testClock().now });
    await core.applySeedOps(await buildSeedOps(validateSeed(s), new Date(testClock().now()).toISOString()));
    const bob = core.user('bob')!;
    expect(RegistryCore.tfaOn(bob)).toBe(true);
    expect(bob.tfa).toEqual({ mode: 'auth-and-writes', pending: false, secret: null, recovery: [] });
    expect(bob.keys).toEqual([{ ...KEY, counter: 0, transports: ['usb'], created: expect.any(String), lastUsed: null }]);
  });
});
