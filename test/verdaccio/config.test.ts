/**
 * The plugin's start-up check (issue 14): a config that cannot work stops Verdaccio at start with
 * the reason and the fix, instead of a Verdaccio that answers 401/404/500 to every request later.
 * One store for both halves (both listed, same `data:`), a usable data folder, a valid seed.
 */
import { describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOB } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { startVerdaccioWith, verdaccioStartError } from '../helpers/verdaccio.js';

const refused = verdaccioStartError;

describe('one store, one truth: both halves, one data folder', () => {
  it('only the auth half listed: Verdaccio refuses to start and names the missing middlewares section', async () => {
    const msg = await refused((c) => delete c.middlewares);
    expect(msg).toMatch(/^verdaccio-orgctl: the plugin is listed under `auth:` but not under `middlewares:`; both halves are needed, with the same `data:` folder/);
  });

  it('only the middleware half listed: Verdaccio refuses to start and names the missing auth section', async () => {
    const msg = await refused((c) => delete c.auth);
    expect(msg).toMatch(/^verdaccio-orgctl: the plugin is listed under `middlewares:` but not under `auth:`/);
  });

  it('the halves name different data folders: refused, naming both folders and the fix', async () => {
    let other = '';
    const msg = await refused((c, dir) => {
      other = join(dir, 'other-data');
      c.middlewares.orgctl.data = other;
    });
    expect(msg).toContain('name different folders; both halves must share one store: set the same `data:` in both sections');
    expect(msg).toContain(`middlewares.orgctl.data (${other})`);
  });

  it('relative `data:` paths that resolve to the same folder are one store (Verdaccio starts)', async () => {
    const v = await startVerdaccioWith((c) => {
      c.auth.orgctl.data = './orgctl-data';
      c.middlewares.orgctl.data = './sub/../orgctl-data';
      c.auth.orgctl.seed = join(process.cwd(), 'fixtures/registry/basic.json');
    });
    try {
      expect((await call(v.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
    } finally {
      await v.close();
    }
  });
});

describe('fail fast: an unusable config stops Verdaccio at start', () => {
  it('no `data:`: refused, saying where to set it', async () => {
    const msg = await refused((c) => delete c.auth.orgctl.data);
    expect(msg).toMatch(/^verdaccio-orgctl: set `data:` \(orgctl's data folder\) under auth\.orgctl/);
  });

  it('a file as `data:`: refused, saying it is a file', async () => {
    let file = '';
    const msg = await refused((c, dir) => {
      file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      c.auth.orgctl.data = file;
      c.middlewares.orgctl.data = file;
    });
    expect(msg).toBe(`verdaccio-orgctl: the data folder ${file} is a file, not a folder; set \`data:\` to a folder (it is created when missing)`);
  });

  it('a seed that is not JSON: refused, labelled as the seed (not as the data folder), and no data folder is made', async () => {
    let data = '';
    const msg = await refused((c, dir) => {
      writeFileSync(join(dir, 'seed.json'), '{ not json');
      c.auth.orgctl.seed = './seed.json';
      data = c.auth.orgctl.data;
    });
    expect(msg).toMatch(/^verdaccio-orgctl: the seed file \S+seed\.json \(auth\.orgctl\.seed\) is not valid JSON: /);
    expect(msg).not.toMatch(/data folder/);
    expect(existsSync(data)).toBe(false);
  });

  it('a seed with a bad entry: refused, naming the entry', async () => {
    const msg = await refused((c, dir) => {
      writeFileSync(join(dir, 'seed.json'), JSON.stringify({ users: [{ name: 'Not A Name' }], orgs: [] }));
      c.auth.orgctl.seed = './seed.json';
    });
    expect(msg).toMatch(/^verdaccio-orgctl: the seed file \S+seed\.json \(auth\.orgctl\.seed\) is invalid: seed: users\[0\]: /);
  });

  it('a missing seed file: refused, naming the file', async () => {
    const msg = await refused((c) => (c.auth.orgctl.seed = './no-such-seed.json'));
    expect(msg).toMatch(/^verdaccio-orgctl: cannot read the seed file \S+no-such-seed\.json \(auth\.orgctl\.seed\): ENOENT$/);
  });

  it('a data folder this process cannot write to: refused, saying so', async () => {
    // As root every folder is writable after chmod; /proc takes no new files, for anyone.
    const root = process.getuid?.() === 0;
    let data = '';
    const msg = await refused((c, dir) => {
      data = root ? '/proc' : join(dir, 'readonly');
      if (!root) {
        mkdirSync(data);
        chmodSync(data, 0o500);
      }
      c.auth.orgctl.data = data;
      c.middlewares.orgctl.data = data;
    });
    expect(msg).toMatch(new RegExp(`^verdaccio-orgctl: the data folder ${data} is not writable by this process: E[A-Z]+$`));
  });
});
