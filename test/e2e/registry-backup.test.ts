import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readStoreReadOnly } from '../../src/server/store/read-only.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { NpmClient } from '../helpers/npm.js';
import { useTempDirs } from '../helpers/reliability.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';

/** `orgctl registry backup` of a running server's data folder, and `registry restore` (built CLI). */
const temp = useTempDirs('orgctl-backup-');

async function backupTo(dir: string, file: string): Promise<string> {
  const r = await runCli(['registry', 'backup', '--data', dir]);
  expect(r.code).toBe(0);
  writeFileSync(file, r.stdout);
  return r.stderr;
}

const newToken = async (s: ServeProcess) => {
  const r = await call(s.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, readonly: true, cidr_whitelist: [] } });
  expect(r.status).toBe(201);
  return r.body.key as string;
};

const tokenKeys = async (dir: string) => [...((await readStoreReadOnly(dir)).data.get('tokens')?.keys() ?? [])];

/** bob publishes `backup-demo@1.0.0` with npm, from a real package folder. */
async function publishDemo(url: string): Promise<void> {
  const npm = await NpmClient.create(url, { token: BOB.token });
  try {
    const pkg = path.join(npm.home, 'pkg');
    mkdirSync(pkg);
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'backup-demo', version: '1.0.0', main: 'index.js' }));
    writeFileSync(path.join(pkg, 'index.js'), "module.exports = 'backup-demo@1.0.0';\n");
    const r = await npm.run(['publish', pkg]);
    expect(r.code).toBe(0);
  } finally {
    await npm.cleanup();
  }
}

describe('orgctl registry backup / restore', () => {
  it('a backup of a running server restores into a new folder that serves the same users, tokens, orgs, 2FA and packages (npm installs from it)', async () => {
    const dir = path.join(temp(), 'data');
    const s = await spawnServe(['--data', dir, '--seed', BASIC]);
    await publishDemo(s.url);
    await newToken(s);
    const file = path.join(temp(), 'registry.backup');
    const summary = await backupTo(dir, file);
    expect(summary).toMatch(new RegExp(`^backup of ${dir}: 5 users, 2 orgs, 1 packages \\(1 tarballs\\), 0 outbox files; \\d+ bytes, sha256 [0-9a-f]{64}\\n$`));
    const original = (await readStoreReadOnly(dir)).data;

    const restored = path.join(temp(), 'restored');
    const r = await runCli(['registry', 'restore', file, '--data', restored, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dir: restored, users: 5, orgs: 2, packages: 1, tarballs: 1, outbox: 0 });
    expect((await readStoreReadOnly(restored)).data).toEqual(original);

    const t = await spawnServe(['--data', restored], { clock: s.clock });
    expect((await call(t.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
    const roster = (u: string) => call(u, 'GET', '/-/org/acme/user', { token: BOB.token });
    expect((await roster(t.url)).body).toEqual((await roster(s.url)).body);
    // alice's 2FA came along: a password login is challenged, and her authenticator's code works
    const login = (otp?: string) => call(t.url, 'PUT', '/-/user/org.couchdb.user:alice', { otp, body: { name: 'alice', password: ALICE.password } });
    expect((await login()).status).toBe(401);
    expect((await login(totp(ALICE.secret!, t.clock.now()))).status).toBe(201);
    const npm = await NpmClient.create(t.url);
    try {
      expect((await npm.run(['install', 'backup-demo'])).code).toBe(0);
      expect(execFileSync(process.execPath, ['-p', "require('backup-demo')"], { cwd: npm.home, encoding: 'utf8' }).trim()).toBe('backup-demo@1.0.0');
    } finally {
      await npm.cleanup();
    }
    expect(await t.stop()).toBe(0);
    expect(await s.stop()).toBe(0);
  });

  it('a backup between known writes holds exactly the writes before it; one taken while a client writes holds a prefix of them', async () => {
    const dir = path.join(temp(), 'data');
    const s = await spawnServe(['--data', dir, '--seed', BASIC]);
    const seeded = await tokenKeys(dir);
    const first = await newToken(s);
    const b1 = path.join(temp(), 'b1');
    await backupTo(dir, b1);
    const second = await newToken(s);
    const b2 = path.join(temp(), 'b2');
    await backupTo(dir, b2);
    for (const [file, want] of [[b1, [first]], [b2, [first, second]]] as const) {
      const out = path.join(temp(), 'r');
      expect((await runCli(['registry', 'restore', file, '--data', out])).code).toBe(0);
      expect((await tokenKeys(out)).filter((k) => !seeded.includes(k)).sort()).toEqual([...want].sort());
    }

    // a client creates tokens one after another while the backup runs
    const created: string[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing && created.length < 200) created.push(await newToken(s));
    })();
    const during = path.join(temp(), 'during');
    await backupTo(dir, during);
    writing = false;
    await writer;
    const out = path.join(temp(), 'r-during');
    expect((await runCli(['registry', 'restore', during, '--data', out])).code).toBe(0);
    const got = new Set((await tokenKeys(out)).filter((k) => !seeded.includes(k) && k !== first && k !== second));
    const k = created.findIndex((key) => !got.has(key));
    const prefix = k < 0 ? created : created.slice(0, k);
    expect([...got].sort()).toEqual([...prefix].sort()); // the first k writes, none after a gap
    expect(await s.stop()).toBe(0);
  });

  it('leaves out a torn last journal line (and leaves the journal as it is)', async () => {
    const dir = path.join(temp(), 'data');
    const s = await spawnServe(['--data', dir, '--seed', BASIC]);
    expect(await s.stop()).toBe(0);
    const torn = '0123456789abcdef {"ops":[{"c":"users","k":"torn","v":{"name":"torn"';
    appendFileSync(path.join(dir, 'journal.log'), torn);
    const file = path.join(temp(), 'b');
    const stderr = await backupTo(dir, file);
    expect(stderr).toContain(`note: an incomplete last journal record (${torn.length} bytes, being written or torn) was left out\n`);
    expect(readFileSync(path.join(dir, 'journal.log'), 'utf8')).toBe(torn);
    const out = path.join(temp(), 'r');
    expect((await runCli(['registry', 'restore', file, '--data', out])).code).toBe(0);
    expect([...(await readStoreReadOnly(out)).data.get('users')!.keys()].sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });

  it('a backup cut short or edited, or a target folder that is not empty, is refused (exit 2) and nothing is written', async () => {
    const dir = path.join(temp(), 'data');
    const s = await spawnServe(['--data', dir, '--seed', BASIC]);
    await publishDemo(s.url);
    const file = path.join(temp(), 'good');
    await backupTo(dir, file);
    expect(await s.stop()).toBe(0);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const cases: [string, string, RegExp][] = [
      ['cut mid-line', text.slice(0, Math.floor(text.length / 2)), /is not a complete, unedited orgctl backup: line \d+ is cut short \(no end record\)\. Nothing was written\.$/],
      ['cut at a line end', lines.slice(0, -2).join('\n') + '\n', /: it has no end record \(cut short\?\)\. Nothing was written\.$/],
      ['an edited email', text.replace('bob@example.com', 'bob@example.org'), /: its content does not match the sha256 in its end record \(edited\?\)\. Nothing was written\.$/],
      ['an edited tarball', text.replace(/("tarball":"[0-9a-f]{128}","data":")(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')), /: the tarball on line 2 does not match its content hash\. Nothing was written\.$/],
      ['empty', '', /: it is empty\. Nothing was written\.$/],
    ];
    const parent = path.join(temp(), 'restores');
    mkdirSync(parent);
    for (const [what, content, message] of cases) {
      const bad = path.join(temp(), 'bad');
      writeFileSync(bad, content);
      const target = path.join(parent, 'new');
      const r = await runCli(['registry', 'restore', bad, '--data', target]);
      expect({ what, code: r.code, stdout: r.stdout }).toEqual({ what, code: 2, stdout: '' });
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(readdirSync(parent)).toEqual([]);
    }
    const full = path.join(parent, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'keep.txt'), 'x');
    const r = await runCli(['registry', 'restore', file, '--data', full]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`orgctl: ${full} is not empty; restore into a new or empty folder\n`);
    expect(readdirSync(full)).toEqual(['keep.txt']);
    expect(existsSync(path.join(full, 'state.json'))).toBe(false);
  });

  it('a folder with no registry data is refused (exit 2) and nothing goes to stdout', async () => {
    const r = await runCli(['registry', 'backup', '--data', path.join(temp(), 'empty')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^orgctl: .*empty is not a registry data folder: /);
  });
});
