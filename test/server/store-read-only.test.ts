import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FileStore } from '../../src/server/store/file-store.js';
import { readStoreReadOnly } from '../../src/server/store/read-only.js';
import { useTempDirs } from '../helpers/reliability.js';

/** The reader `registry backup` uses on a data folder a server holds: no lock, no writes. */
const opened: FileStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const temp = useTempDirs('orgctl-readonly-');

async function openStore(opts?: Parameters<typeof FileStore.open>[1]) {
  const dir = path.join(temp(), 'data');
  const s = await FileStore.open(dir, opts);
  opened.push(s);
  return { dir, s };
}

const users = (data: Map<string, Map<string, unknown>>) => [...(data.get('users')?.keys() ?? [])].sort();

describe('reading a live data folder without its lock', () => {
  it('reads snapshot and journal while the server holds the lock', async () => {
    const { dir, s } = await openStore();
    await s.commit([{ c: 'users', k: 'a', v: { n: 1 } }]);
    await s.commit([{ c: 'users', k: 'b', v: { n: 2 } }, { c: 'users', k: 'a', v: null }]);
    const r = await readStoreReadOnly(dir);
    expect(users(r.data)).toEqual(['b']);
    expect(r.journalLines).toBe(2);
    expect(r.tailBytes).toBe(0);
  });

  it('leaves out a torn last journal line and does not cut it off the file', async () => {
    const { dir, s } = await openStore();
    await s.commit([{ c: 'users', k: 'a', v: { n: 1 } }]);
    const torn = '0123456789abcdef {"ops":[{"c":"users","k":"torn"';
    appendFileSync(path.join(dir, 'journal.log'), torn);
    const r = await readStoreReadOnly(dir);
    expect(users(r.data)).toEqual(['a']);
    expect(r.tailBytes).toBe(torn.length);
    expect(readFileSync(path.join(dir, 'journal.log'), 'utf8').endsWith(torn)).toBe(true);
  });

  it('a compaction between reading the snapshot and the journal loses no transaction (the journal is replaced, never emptied in place)', async () => {
    // Each commit of ~100 bytes: a journal of 250 bytes compacts at the third.
    const { dir, s } = await openStore({ compactBytes: 250 });
    await s.commit([{ c: 'users', k: 'u1', v: { pad: 'x'.repeat(60) } }]);
    await s.commit([{ c: 'users', k: 'u2', v: { pad: 'x'.repeat(60) } }]);
    const r = await readStoreReadOnly(dir, {
      afterSnapshot: async () => {
        // the server compacts now: u1 and u2 move from the journal into a new snapshot
        await s.commit([{ c: 'users', k: 'u3', v: { pad: 'x'.repeat(60) } }]);
      },
    });
    // the state when the snapshot was read (u1, u2), or a later one: never one without them
    expect(users(r.data)).toEqual(expect.arrayContaining(['u1', 'u2']));
    expect(users(r.data).length).toBeLessThanOrEqual(3);
  });
});
