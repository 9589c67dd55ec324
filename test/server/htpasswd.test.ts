import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHtpasswd, verifyImported } from '../../src/server/core/htpasswd.js';
import { ROOT } from '../helpers/fixtures.js';

/**
 * htpasswd parsing and imported-hash checks, against Verdaccio 6.8's own htpasswd plugin
 * (verdaccio-htpasswd's verifyPassword) on the same fixture: every hash orgctl imports must accept
 * exactly the passwords Verdaccio accepts.
 */
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'htpasswd', 'verdaccio.htpasswd');
const text = readFileSync(FIXTURE, 'utf8');

function verdaccioVerify(): (password: string, hash: string) => Promise<boolean> {
  const mod = process.getBuiltinModule('node:module') as typeof import('node:module');
  const req = mod.createRequire(path.join(ROOT, 'package.json'));
  const utils = req(path.join(path.dirname(req.resolve('verdaccio-htpasswd')), 'utils.js')) as { verifyPassword(p: string, h: string): Promise<boolean> };
  return (p, h) => utils.verifyPassword(p, h);
}

describe('parseHtpasswd', () => {
  it('classifies every line of the fixture with its line number', () => {
    const lines = parseHtpasswd(text).map((l) => ('error' in l ? { line: l.line, name: l.name, error: l.error } : { line: l.line, name: l.name, kind: l.kind }));
    expect(lines).toEqual([
      { line: 3, name: 'hana', kind: 'bcrypt' },
      { line: 4, name: 'ivan', kind: 'bcrypt' },
      { line: 5, name: 'jo', kind: 'bcrypt' },
      { line: 6, name: 'kim', kind: 'sha1' },
      { line: 7, name: 'lee', kind: 'apr1' },
      { line: 8, name: 'max', kind: 'plain' },
      { line: 9, name: 'bob', kind: 'apr1' },
      { line: 10, name: 'ned', error: 'unsupported hash (crypt(3) DES); set a new password for this user' },
      { line: 11, name: null, error: 'bad line: expected name:hash' },
      { line: 13, name: null, error: `invalid user name "Olga": use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit` },
      { line: 14, name: 'pat', error: 'unsupported hash (crypt(3) $6$, which Verdaccio does not accept either)' },
    ]);
  });

  it('takes a repeated name from its last line, as Verdaccio does, and says so on the earlier one', () => {
    const lines = parseHtpasswd('amy:{PLAIN}first-pass\r\namy:{PLAIN}second-pass\n');
    expect(lines).toEqual([
      { line: 1, name: 'amy', error: 'duplicate: line 2 is used for amy' },
      { line: 2, name: 'amy', kind: 'plain', password: 'second-pass' },
    ]);
  });
});

describe('verifyImported agrees with Verdaccio', () => {
  const verify = verdaccioVerify();
  const imported = parseHtpasswd(text).filter((l): l is Extract<typeof l, { stored: string }> => 'stored' in l);

  it.each(['hana', 'ivan', 'jo', 'kim', 'lee', 'bob'])('%s: the old password passes, a wrong one fails, in both', async (name) => {
    const l = imported.find((x) => x.name === name)!;
    const hash = l.stored.replace(/^import\$[a-z0-9]+\$/, '');
    for (const [password, ok] of [[`${name}-old-password`, true], [`${name}-old-passwore`, false], ['', false]] as const) {
      expect(await verify(password, hash)).toBe(ok);
      expect(await verifyImported(password, l.stored)).toBe(ok);
    }
  });

  it('ned (crypt(3) DES): Verdaccio accepts the password, orgctl reports the hash as unsupported rather than import it', async () => {
    expect(await verify('ned-old-password', 'abIHKx2ZIj1ZA')).toBe(true);
    expect(parseHtpasswd('ned:abIHKx2ZIj1ZA')).toEqual([{ line: 1, name: 'ned', error: 'unsupported hash (crypt(3) DES); set a new password for this user' }]);
  });

  it('a stored import hash whose kind and form do not match is never accepted', async () => {
    expect(await verifyImported('kim-old-password', 'import$bcrypt${SHA}OlxIYz2iSwhdyCeHYlohAUJXoLk=')).toBe(false);
    expect(await verifyImported('x', 'import$plain$x')).toBe(false);
  });
});
