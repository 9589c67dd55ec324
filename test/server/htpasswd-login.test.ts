import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { passwordGate } from '../helpers/gate.js';
import { call } from '../helpers/http.js';
import { ROOT } from '../helpers/fixtures.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * Users imported from htpasswd log in with their old password, and that first success replaces
 * the imported hash with scrypt (one transaction, decided again after the hash).
 */
const text = readFileSync(path.join(ROOT, 'test', 'fixtures', 'htpasswd', 'verdaccio.htpasswd'), 'utf8');

const login = (reg: TestRegistry, name: string, password: string) =>
  call(reg.url, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() } });

const hashOf = (reg: TestRegistry, name: string) => reg.registry.core.user(name)!.password!;

async function withImported(fn: (reg: TestRegistry, gate: ReturnType<typeof passwordGate>) => Promise<void>): Promise<void> {
  const gate = passwordGate();
  const reg = await startRegistry({ passwords: { gate: gate.gate } });
  try {
    await reg.registry.core.imports.htpasswd(text);
    await fn(reg, gate);
  } finally {
    await reg.close();
  }
}

describe('logging in as an imported user', () => {
  it.each([
    ['hana', 'bcrypt'],
    ['ivan', 'bcrypt'],
    ['kim', 'sha1'],
    ['lee', 'apr1'],
  ])('%s (%s): the old password logs in and the stored hash becomes scrypt; a wrong one is refused and changes nothing', (name, kind) =>
    withImported(async (reg) => {
      expect(hashOf(reg, name).startsWith(`import$${kind}$`)).toBe(true);
      const wrong = await login(reg, name, `${name}-wrong-password`);
      expect(wrong.status).toBe(401);
      expect(hashOf(reg, name).startsWith(`import$${kind}$`)).toBe(true);
      const ok = await login(reg, name, `${name}-old-password`);
      expect(ok.status).toBe(201);
      expect(hashOf(reg, name)).toMatch(/^scrypt\$14\$8\$1\$/);
      const again = await login(reg, name, `${name}-old-password`);
      expect(again.status).toBe(201);
      const events = [...reg.registry.store.data.get('audit')!.values()].filter((e) => (e as { actor: string }).actor === name).map((e) => (e as { action: string }).action);
      expect(events).toEqual(['user.import', 'user.password.upgrade']);
    }));

  it('a {PLAIN} user was hashed with scrypt at import', () =>
    withImported(async (reg) => {
      expect(hashOf(reg, 'max')).toMatch(/^scrypt\$/);
      expect((await login(reg, 'max', 'max-old-password')).status).toBe(201);
    }));

  it('two logins racing with the old password both succeed, and the hash is upgraded once', () =>
    withImported(async (reg, gate) => {
      gate.hold('jo', 2); // both imported-hash checks wait at the gate
      const a = login(reg, 'jo', 'jo-old-password');
      const b = login(reg, 'jo', 'jo-old-password');
      await gate.arrived('jo', 2);
      gate.release('jo');
      expect([(await a).status, (await b).status]).toEqual([201, 201]);
      expect(hashOf(reg, 'jo')).toMatch(/^scrypt\$/);
      const upgrades = [...reg.registry.store.data.get('audit')!.values()].filter((e) => (e as { action: string }).action === 'user.password.upgrade');
      expect(upgrades).toHaveLength(1);
    }));

  it('a password changed while the upgrade hashed wins: the old password no longer logs in', () =>
    withImported(async (reg, gate) => {
      gate.hold('ivan', 1);
      const first = login(reg, 'ivan', 'ivan-old-password');
      await gate.arrived('ivan', 1); // the check against the imported hash
      gate.release('ivan');
      gate.hold('ivan', 1);
      await gate.arrived('ivan', 1); // it passed; the scrypt hash of the upgrade waits now
      expect(hashOf(reg, 'ivan').startsWith('import$bcrypt$')).toBe(true);
      // meanwhile the operator sets another password (the store as a password change leaves it)
      const other = await reg.registry.core.imports.htpasswd('ivan:{PLAIN}ivan-new-password\n');
      expect(other.skipped.map((s) => s.name)).toEqual(['ivan']); // import never overwrites
      const u = reg.registry.core.user('ivan')!;
      await reg.registry.store.commit([{ c: 'users', k: 'ivan', v: { ...u, password: 'scrypt$14$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }]);
      gate.release('ivan');
      expect((await first).status).toBe(401);
      expect(hashOf(reg, 'ivan')).toBe('scrypt$14$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    }));
});
