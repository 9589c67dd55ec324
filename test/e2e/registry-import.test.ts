import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readStoreReadOnly } from '../../src/server/store/read-only.js';
import { BASIC, ROOT } from '../helpers/fixtures.js';
import { NpmClient } from '../helpers/npm.js';
import { useTempDirs } from '../helpers/reliability.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve.js';

/** `orgctl registry import-htpasswd` (built CLI) on a stopped server's data folder, then npm logs in. */
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'htpasswd', 'verdaccio.htpasswd');
const temp = useTempDirs('orgctl-import-');

/** A data folder holding the basic seed (bob, alice, … and the orgs acme, secure), server stopped. */
async function seededFolder(): Promise<string> {
  const dir = path.join(temp(), 'data');
  const s = await spawnServe(['--data', dir, '--seed', BASIC]);
  expect(await s.stop()).toBe(0);
  return dir;
}

async function storedUsers(dir: string) {
  return (await readStoreReadOnly(dir)).data.get('users') as Map<string, { password: string | null }>;
}

describe('orgctl registry import-htpasswd', () => {
  it('imports every supported hash, skips an existing user, reports bad lines by number (exit 1); the imported user then logs in with npm and the old password, which is re-hashed with scrypt', async () => {
    const dir = await seededFolder();
    const r = await runCli(['registry', 'import-htpasswd', FIXTURE, '--data', dir, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      imported: [
        { line: 3, name: 'hana', hash: 'bcrypt' },
        { line: 4, name: 'ivan', hash: 'bcrypt' },
        { line: 5, name: 'jo', hash: 'bcrypt' },
        { line: 6, name: 'kim', hash: 'sha1' },
        { line: 7, name: 'lee', hash: 'apr1' },
        { line: 8, name: 'max', hash: 'plain' },
      ],
      skipped: [{ line: 9, name: 'bob', reason: 'a user with this name exists' }],
      failed: [
        { line: 10, name: 'ned', reason: 'unsupported hash (crypt(3) DES); set a new password for this user' },
        { line: 11, name: null, reason: 'bad line: expected name:hash' },
        { line: 13, name: null, reason: `invalid user name "Olga": use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit` },
        { line: 14, name: 'pat', reason: 'unsupported hash (crypt(3) $6$, which Verdaccio does not accept either)' },
      ],
    });
    expect(r.stderr).toBe(`6 users imported, 1 skipped, 4 failed, into ${dir}\norgctl: 4 lines of ${FIXTURE} could not be imported (listed above); the others were imported\n`);
    const users = await storedUsers(dir);
    expect(users.get('hana')!.password).toMatch(/^import\$bcrypt\$\$2y\$10\$/);
    expect(users.get('bob')!.password).toMatch(/^scrypt\$/); // the seed's, untouched
    expect(users.has('ned')).toBe(false);

    const s = await spawnServe(['--data', dir]);
    const npm = await NpmClient.create(s.url);
    try {
      const login = npm.pty(['login', '--auth-type=legacy']);
      await login.expect(/Username: ?/);
      login.sendLine('hana');
      await login.expect(/Password: ?/);
      login.sendLine('hana-old-password');
      const done = await login.wait();
      expect(done.code).toBe(0);
      expect(done.output).toMatch(/\nLogged in on .*\.\n$/);
      const who = await npm.run(['whoami']);
      expect(who.stdout).toBe('hana\n');
    } finally {
      await npm.cleanup();
    }
    expect(await s.stop()).toBe(0);
    expect((await storedUsers(dir)).get('hana')!.password).toMatch(/^scrypt\$14\$8\$1\$/);
  });

  it('prints one line per user for people, and exits 0 when every line was imported or skipped', async () => {
    const dir = await seededFolder();
    const file = path.join(temp(), 'htpasswd');
    writeFileSync(file, 'amy:{PLAIN}amy-password-1\nbob:{PLAIN}bob-other-pw\n');
    const r = await runCli(['registry', 'import-htpasswd', file, '--data', dir]);
    expect(r).toEqual({ code: 0, stdout: 'imported  amy  (line 1, plain)\nskipped   bob  (line 2: a user with this name exists)\n', stderr: `1 user imported, 1 skipped, 0 failed, into ${dir}\n` });
  });

  it('is refused while a server holds the data folder, naming its pid, and imports nothing', async () => {
    const dir = await seededFolder();
    const s = await spawnServe(['--data', dir]);
    const r = await runCli(['registry', 'import-htpasswd', FIXTURE, '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`orgctl: data folder ${dir} is in use by another server (pid ${s.child.pid})\nStop the server first: import-htpasswd works on a stopped registry.\n`);
    expect(await s.stop()).toBe(0);
    expect((await storedUsers(dir)).has('hana')).toBe(false);
  });

  it('bcryptjs and apache-md5 load only to check an imported hash: not for `registry --help`, nor for the import itself', async () => {
    const dir = await seededFolder();
    const tracer = ['--import', path.join(ROOT, 'test', 'helpers', 'trace-imports.mjs')];
    const hashLibs = (stderr: string) => stderr.split('\n').filter((l) => /^IMPORT .*\/node_modules\/(bcryptjs|apache-md5)\//.test(l));
    const help = await runCli(['registry', '--help'], { nodeArgs: tracer });
    expect(help.code).toBe(0);
    expect(hashLibs(help.stderr)).toEqual([]);
    const imp = await runCli(['registry', 'import-htpasswd', FIXTURE, '--data', dir], { nodeArgs: tracer });
    expect(imp.code).toBe(1);
    expect(imp.stderr).toContain('IMPORT '); // the tracer works
    expect(hashLibs(imp.stderr)).toEqual([]);
  });

  it('a missing htpasswd file is a usage error (exit 2) and opens no data folder', async () => {
    const dir = path.join(temp(), 'never');
    const r = await runCli(['registry', 'import-htpasswd', path.join(temp(), 'nope'), '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^orgctl: cannot read htpasswd file .*nope: ENOENT\n$/);
    await expect(readStoreReadOnly(dir)).rejects.toThrow(/ENOENT|no registry data/);
  });
});
