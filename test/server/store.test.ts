import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileStore, StoreError } from '../../src/server/store/file-store.js';
import { startRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';
import { useTempDirs } from '../helpers/reliability.js';

/**
 * Every store a test opens, closed after it: the ones a test leaves open on purpose (a simulated
 * crash) too, so no file handle is left to the garbage collector. Registered before the temp
 * folders' clean-up, so it runs first.
 */
const opened: FileStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const open = async (dir: string, opts?: Parameters<typeof FileStore.open>[1]) => {
  const s = await FileStore.open(dir, opts);
  opened.push(s);
  return s;
};
const temp = useTempDirs('orgctl-store-');
const tempDir = () => path.join(temp(), 'data');

describe('FileStore', () => {
  it('keeps committed transactions across reopen, through journal and snapshot', async () => {
    const dir = tempDir();
    let s = await open(dir);
    expect(s.isNew).toBe(true);
    await s.commit([{ c: 'users', k: 'a', v: { n: 1 } }, { c: 'users', k: 'b', v: { n: 2 } }]);
    await s.commit([{ c: 'users', k: 'a', v: null }]);
    await s.close(); // compacts
    s = await open(dir);
    expect(s.isNew).toBe(false);
    expect([...s.data.get('users')!]).toEqual([['b', { n: 2 }]]);
    await s.commit([{ c: 'orgs', k: 'x', v: { ok: true } }]);
    // simulate a crash: no close, just drop the lock so another process may open it
    rmSync(path.join(dir, 'lock'));
    s = await open(dir);
    expect(s.data.get('orgs')!.get('x')).toEqual({ ok: true });
    await s.close();
  });

  it('makes the folder 0700 and its files 0600', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ c: 'k', k: 'v', v: 1 }]);
    await s.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'journal.log')).mode & 0o777).toBe(0o600);
  });

  it('drops a torn last journal line (never acknowledged) and keeps the rest', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ c: 'k', k: 'one', v: 1 }]);
    rmSync(path.join(dir, 'lock'));
    appendFileSync(path.join(dir, 'journal.log'), '0123456789abcdef {"ops":[{"c":"k","k":"two","v":'); // cut short
    const warnings: string[] = [];
    const s2 = await open(dir, { warn: (m) => warnings.push(m) });
    expect([...s2.data.get('k')!.keys()]).toEqual(['one']);
    expect(warnings[0]).toMatch(/incomplete last journal record/);
    await s2.commit([{ c: 'k', k: 'three', v: 3 }]);
    await s2.close();
    const s3 = await open(dir);
    expect([...s3.data.get('k')!.keys()].sort()).toEqual(['one', 'three']);
    await s3.close();
  });

  it('refuses a damaged journal line or snapshot instead of silently replacing it', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ c: 'k', k: 'one', v: 1 }]);
    await s.commit([{ c: 'k', k: 'two', v: 2 }]);
    rmSync(path.join(dir, 'lock'));
    const j = path.join(dir, 'journal.log');
    writeFileSync(j, readFileSync(j, 'utf8').replace('"one"', '"0ne"'));
    await expect(FileStore.open(dir)).rejects.toThrow(/line 1 is damaged/);
    writeFileSync(path.join(dir, 'state.json'), '{"format":"orgctl-registry","vers');
    writeFileSync(j, '');
    await expect(FileStore.open(dir)).rejects.toThrow(StoreError);
    expect(readFileSync(path.join(dir, 'state.json'), 'utf8')).toBe('{"format":"orgctl-registry","vers');
  });

  it('refuses a snapshot edited by hand even when it is still valid JSON', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ c: 'members', k: 'acme:bob', v: { role: 'developer' } }]);
    await s.close();
    const file = path.join(dir, 'state.json');
    const edited = readFileSync(file, 'utf8').replace('"developer"', '"owner"');
    JSON.parse(edited); // still valid JSON
    writeFileSync(file, edited);
    await expect(FileStore.open(dir)).rejects.toThrow(/does not match its checksum/);
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });

  it('refuses a folder that another live server holds', async () => {
    const dir = tempDir();
    const s = await open(dir);
    writeFileSync(path.join(dir, 'lock'), String(process.ppid)); // a live process that is not us
    await expect(FileStore.open(dir)).rejects.toThrow(/in use by another server/);
    writeFileSync(path.join(dir, 'lock'), String(process.pid));
    await s.close();
  });

  it('writes concurrent commits in order, all durable', async () => {
    const dir = tempDir();
    const s = await open(dir, { compactBytes: 2000 }); // force compactions on the way
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.commit([{ c: 'n', k: String(i % 10), v: i }])));
    await s.close();
    const s2 = await open(dir);
    expect(Object.fromEntries(s2.data.get('n')!)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 190 + i])));
    await s2.close();
  });

  it('answers a commit that fills the journal before it serializes the snapshot (a large enforcement waited for it)', async () => {
    const dir = tempDir();
    const s = await open(dir, { compactBytes: 100 });
    // The value is serialized once for the journal line, once more for the snapshot.
    let serialized = 0;
    const value = { big: 'x'.repeat(200), toJSON: () => (serialized++, { big: 'x'.repeat(200) }) };
    await s.commit([{ c: 'n', k: 'a', v: value }]);
    const atAnswer = serialized;
    await s.close();
    expect({ atAnswer, afterClose: serialized >= 2 }).toEqual({ atAnswer: 1, afterClose: true });
    const s2 = await open(dir);
    expect(s2.data.get('n')!.get('a')).toEqual({ big: 'x'.repeat(200) });
  });
  it('keeps a commit made while a snapshot is due out of the snapshot until its own write succeeds', async () => {
    const dir = tempDir();
    let failNext = false;
    const s = await open(dir, {
      compactBytes: 100,
      beforeWrite: () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected disk failure');
        }
      },
    });
    await s.commit([{ c: 'n', k: 'a', v: 'x'.repeat(200) }]); // fills the journal: a snapshot is due
    // Made in the moment between that answer and the snapshot; its journal write fails.
    failNext = true;
    await expect(s.commit([{ c: 'n', k: 'b', v: 'never acknowledged' }])).rejects.toThrow(/injected disk failure/);
    await s.close();
    const s2 = await open(dir);
    expect([...s2.data.get('n')!.keys()]).toEqual(['a']);
  });

  it('writes a snapshot and journal lines larger than one write chunk, byte for byte as JSON', async () => {
    const dir = tempDir();
    const s = await open(dir, { compactBytes: 8 * 1024 * 1024 });
    const big = (i: number) => ({ name: `user${i}`, bio: 'é𝄞'.repeat(20), n: i });
    const ops = Array.from({ length: 30_000 }, (_, i) => ({ c: 'users', k: `user${i}`, v: big(i) }));
    await s.commit(ops); // one journal line of ~2.4 MB, written in chunks
    const journal = readFileSync(path.join(dir, 'journal.log'), 'utf8');
    expect(JSON.parse(journal.slice(17))).toEqual({ ops });
    await s.close(); // a snapshot of the same, written in chunks
    const snapshot = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    expect(snapshot.collections.users.user29999).toEqual(big(29999));
    const s2 = await open(dir);
    expect(s2.data.get('users')!.size).toBe(30_000);
    expect(s2.data.get('users')!.get('user12345')).toEqual(big(12345));
  });
});

describe('registry on a data folder', () => {
  it('a restart on the same folder finds users, tokens, orgs, teams, 2FA and invitations', async () => {
    const dataDir = tempDir();
    const clock = testClock();
    let reg = await startRegistry({ seed: BASIC, dataDir, clock });
    try {
      const otp = totp(ALICE.secret, clock.now());
      const asAlice = (m: string, p: string, body: unknown) => call(reg.url, m, p, { token: ALICE.token, otp, body });
      expect((await asAlice('PUT', '/-/org/acme/user', { user: 'carol', role: 'admin' })).status).toBe(201);
      expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(201);
      expect((await asAlice('PUT', '/-/team/acme/web/user', { user: 'erin' })).status).toBe(201);
      expect((await asAlice('DELETE', '/-/org/acme/user', { user: 'bob' })).status).toBe(204);
      const t = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password } });
      const enrol = await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-only' } } });
      await reg.close();

      reg = await startRegistry({ seed: { users: [{ name: 'other' }], orgs: [] }, dataDir, clock }); // seed ignored: not new
      expect((await call(reg.url, 'GET', '/-/whoami', { token: t.body.token })).body).toEqual({ username: 'bob' });
      expect((await call(reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body).toEqual({ alice: 'owner', dave: 'admin', erin: 'developer' });
      expect((await call(reg.url, 'GET', '/-/team/acme/web/user?format=cli', { token: ALICE.token })).body).toEqual(['erin']);
      expect((await call(reg.url, 'GET', '/-/npm/v1/user', { token: BOB.token })).body.tfa).toEqual({ mode: 'auth-only', pending: true });
      expect(reg.registry.core.store.data.get('invitations')!.has('acme:carol')).toBe(true);
      expect(reg.registry.core.user('other')).toBeUndefined();
      // the pending enrolment can be finished after the restart
      const secret = new URL(enrol.body.tfa).searchParams.get('secret')!;
      expect((await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: [totp(secret, clock.now())] } })).body.tfa).toHaveLength(5);
      // a code used before the restart is still a replay for another credential
      expect((await call(reg.url, 'PUT', '/-/user/org.couchdb.user:alice', { otp, body: { name: 'alice', password: ALICE.password } })).status).toBe(401);
      const text = readFileSync(path.join(dataDir, 'state.json'), 'utf8') + readFileSync(path.join(dataDir, 'journal.log'), 'utf8');
      expect(text).not.toContain(BOB.token);
      expect(text).not.toContain(t.body.token);
      expect(text).not.toContain(BOB.password);
    } finally {
      await reg.close();
    }
  });
});
