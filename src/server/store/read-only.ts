import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseSnapshot, replayJournal, StoreError } from './codec.js';
import type { Collections } from './store.js';

/**
 * Reads a data folder the way FileStore loads it (snapshot, then the journal's complete lines,
 * every checksum verified), without taking its lock and without writing: for `registry backup`
 * while a server runs. The result is a state the store had at one moment:
 *   - the journal is opened before the snapshot. A compaction renames a new snapshot over
 *     `state.json`, then a new empty journal over `journal.log`; it never changes either file in
 *     place. So the journal read here either belongs to the snapshot read (appends since are cut at
 *     the last complete line: a prefix of the transactions), or is the full journal that an older
 *     snapshot was compacted from, which replays harmlessly over the newer one;
 *   - a last line without its newline (being written, or torn by a crash) is left out.
 * A line that fails its checksum can be a journal write being undone while we read, so the read
 * is tried again (3 times in all) before it is refused as damage.
 */
export interface ReadOnlyStore {
  data: Collections;
  /** complete journal lines applied over the snapshot */
  journalLines: number;
  /** bytes of an incomplete last journal line that was left out */
  tailBytes: number;
}

export interface ReadHooks {
  /** tests: runs after the snapshot is read and before the journal is (to force a compaction there) */
  afterSnapshot?: () => Promise<void>;
}

export async function readStoreReadOnly(dir: string, hooks: ReadHooks = {}): Promise<ReadOnlyStore> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(path.resolve(dir), hooks);
    } catch (e) {
      if (!(e instanceof StoreError) || attempt >= 3) throw e;
    }
  }
}

async function openIfThere(file: string): Promise<fsp.FileHandle | null> {
  try {
    return await fsp.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function readOnce(dir: string, hooks: ReadHooks): Promise<ReadOnlyStore> {
  const statePath = path.join(dir, 'state.json');
  const journalPath = path.join(dir, 'journal.log');
  const journal = await openIfThere(journalPath); // first: see the comment at the top
  const state = await openIfThere(statePath).catch(async (e) => {
    await journal?.close();
    throw e;
  });
  try {
    if (!journal && !state) throw new NoStoreError(`${dir} holds no registry data (no state.json or journal.log)`);
    const data: Collections = state ? parseSnapshot(await state.readFile('utf8'), statePath) : new Map();
    await hooks.afterSnapshot?.();
    const text = journal ? await journal.readFile('utf8') : '';
    const { lines, tailBytes } = replayJournal(text, journalPath, data);
    return { data, journalLines: lines, tailBytes };
  } finally {
    await journal?.close();
    await state?.close();
  }
}

/** The folder has no store at all (not retried). */
export class NoStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoStoreError';
  }
}
