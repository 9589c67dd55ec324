import { createHash } from 'node:crypto';
import { constants as fsc, promises as fsp, openSync, closeSync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { applyOps, type Collections, type Op, type Store } from './store.js';

/**
 * A durable store in one folder:
 *   state.json   the last compact snapshot  {"format":"orgctl-registry","version":1,"sha256":"…","collections":{…}}
 *                (sha256 of the collections' JSON text, so any change to the file is detected)
 *   journal.log  transactions since then, one line each: `<sha256 prefix> <json>\n`
 *   lock         the pid of the server that owns the folder
 *
 * A commit appends its line and fdatasyncs before it resolves, so an acknowledged change survives a
 * crash. Commits that arrive while a write is in flight are written together (group commit), one
 * fsync for the lot, in order. A line is one transaction, so a crash never leaves half of one: a
 * final line without its newline was never acknowledged and is dropped at the next start. Any other
 * damage (a bad checksum, bad JSON, an unknown format) is refused with StoreError, never repaired.
 * When the journal grows past `compactBytes`, the snapshot is rewritten (temp file, fsync, rename,
 * fsync of the folder) and the journal emptied; replaying a journal over a snapshot that already has
 * its changes is harmless because every op is an idempotent put or delete.
 */
export const STORE_FORMAT = 'orgctl-registry';
export const STORE_VERSION = 1;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

interface Pending {
  line: string;
  undo: Op[];
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface FileStoreOptions {
  /** Rewrite the snapshot once the journal is this large (bytes). */
  compactBytes?: number;
  /** Fault injection for tests: called before each journal write; a throw fails that write. */
  beforeWrite?: (lines: string) => void | Promise<void>;
  /** Told about recoverable events (a dropped torn line), for the server log. */
  warn?: (message: string) => void;
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

const COLLECTIONS_KEY = '"collections":';

/**
 * The snapshot: a header with the sha256 of the collections' JSON, then that JSON, so a file that
 * is cut short, damaged or edited by hand is refused even when it is still valid JSON.
 */
export function serialize(data: Collections): string {
  const collections: Record<string, Record<string, unknown>> = {};
  for (const [name, m] of data) collections[name] = Object.fromEntries(m);
  const body = JSON.stringify(collections);
  const sum = createHash('sha256').update(body).digest('hex');
  return `{"format":"${STORE_FORMAT}","version":${STORE_VERSION},"sha256":"${sum}",${COLLECTIONS_KEY}${body}}`;
}

/** The collections of a `state.json` text, checked (format, version, checksum); `file` names it in errors. */
export function parseSnapshot(snapshot: string, file: string): Collections {
  let parsed: { format?: unknown; version?: unknown; collections?: unknown };
  try {
    parsed = JSON.parse(snapshot);
  } catch {
    throw new StoreError(`${file} is not valid JSON (cut short or edited by hand?); refusing to start. Restore it from a backup or move the folder away.`);
  }
  if (parsed?.format !== STORE_FORMAT) throw new StoreError(`${file} is not an orgctl registry store`);
  if (parsed.version !== STORE_VERSION) {
    throw new StoreError(`${file} has store format version ${String(parsed.version)}; this orgctl reads version ${STORE_VERSION}`);
  }
  if (typeof parsed.collections !== 'object' || parsed.collections === null) throw new StoreError(`${file} has no collections`);
  const at = snapshot.indexOf(COLLECTIONS_KEY);
  const body = snapshot.slice(at + COLLECTIONS_KEY.length, snapshot.length - 1);
  const sum = createHash('sha256').update(body).digest('hex');
  if (typeof (parsed as { sha256?: unknown }).sha256 !== 'string' || (parsed as { sha256: string }).sha256 !== sum || !snapshot.endsWith('}')) {
    throw new StoreError(`${file} does not match its checksum (damaged or edited by hand); refusing to start. Restore the folder from a backup.`);
  }
  return collectionsFrom(parsed.collections, file);
}

/** `{"<name>": {"<key>": value}}` as Collections; anything else is refused as damage. */
export function collectionsFrom(obj: unknown, file: string): Collections {
  const data: Collections = new Map();
  for (const [name, c] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new StoreError(`${file}: collection ${name} is damaged`);
    data.set(name, new Map(Object.entries(c)));
  }
  return data;
}

/**
 * Applies the complete lines of a journal text to `data`, checking each line's checksum. A final
 * line without its newline (a write cut short, or one still being written) is not applied: its
 * size is `tailBytes`, and `offset` is where it starts.
 */
export function replayJournal(text: string, file: string, data: Collections): { offset: number; lines: number; tailBytes: number } {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  let offset = 0;
  lines.forEach((line, i) => {
    const sp = line.indexOf(' ');
    const json = line.slice(sp + 1);
    if (sp !== 16 || checksum(json) !== line.slice(0, sp)) {
      throw new StoreError(`${file} line ${i + 1} is damaged (checksum mismatch); refusing to start. Restore the folder from a backup.`);
    }
    let tx: { ops?: Op[] };
    try {
      tx = JSON.parse(json);
    } catch {
      throw new StoreError(`${file} line ${i + 1} is not valid JSON; refusing to start.`);
    }
    if (!Array.isArray(tx.ops)) throw new StoreError(`${file} line ${i + 1} has no ops`);
    applyOps(data, tx.ops);
    offset += Buffer.byteLength(line) + 1;
  });
  return { offset, lines: lines.length, tailBytes: Buffer.byteLength(tail) };
}

export class FileStore implements Store {
  readonly data: Collections = new Map();
  isNew = true;
  readonly description: string;
  private journal!: fsp.FileHandle;
  private journalBytes = 0;
  private pending: Pending[] = [];
  private writing: Promise<void> | null = null;
  private failed: Error | null = null;
  private closed = false;
  private readonly compactBytes: number;
  private readonly beforeWrite?: FileStoreOptions['beforeWrite'];
  private readonly warn: (m: string) => void;
  private readonly statePath: string;
  private readonly journalPath: string;
  private readonly lockPath: string;

  private constructor(readonly dir: string, opts: FileStoreOptions) {
    this.description = `in ${dir}`;
    this.compactBytes = opts.compactBytes ?? 16 * 1024 * 1024;
    this.beforeWrite = opts.beforeWrite;
    this.warn = opts.warn ?? (() => {});
    this.statePath = path.join(dir, 'state.json');
    this.journalPath = path.join(dir, 'journal.log');
    this.lockPath = path.join(dir, 'lock');
  }

  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(path.resolve(dir), opts);
    await store.init();
    return store;
  }

  private async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fsp.chmod(this.dir, 0o700);
    this.takeLock();
    try {
      await this.load();
      this.journal = await fsp.open(this.journalPath, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
      await fsp.chmod(this.journalPath, 0o600);
    } catch (e) {
      this.releaseLock();
      throw e;
    }
  }

  private takeLock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new StoreError(`data folder ${this.dir} is in use by another server (pid ${pid})`);
        }
        unlinkSync(this.lockPath); // left behind by a server that is gone
      }
    }
    throw new StoreError(`cannot lock data folder ${this.dir}`);
  }

  private releaseLock(): void {
    try {
      unlinkSync(this.lockPath);
    } catch {
      /* already gone */
    }
  }

  private async load(): Promise<void> {
    let snapshot: string | null = null;
    try {
      snapshot = await fsp.readFile(this.statePath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (snapshot !== null) {
      this.isNew = false;
      for (const [name, m] of parseSnapshot(snapshot, this.statePath)) this.data.set(name, m);
    }
    let text = '';
    try {
      text = await fsp.readFile(this.journalPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text.length === 0) return;
    this.isNew = false;
    const { offset, tailBytes } = replayJournal(text, this.journalPath, this.data);
    if (tailBytes > 0) {
      // A write cut short by a crash: it was never acknowledged, so dropping it loses nothing.
      this.warn(`dropped an incomplete last journal record (${tailBytes} bytes) left by a crash; it was never acknowledged`);
      await fsp.truncate(this.journalPath, offset);
    }
    this.journalBytes = offset;
  }

  commit(ops: Op[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    if (ops.length === 0) return Promise.resolve();
    const json = JSON.stringify({ ops });
    const line = `${checksum(json)} ${json}\n`;
    const undo = applyOps(this.data, ops);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, undo, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.pending.length);
        const buf = batch.map((p) => p.line).join('');
        try {
          await this.beforeWrite?.(buf);
          await this.journal.write(buf);
          await this.journal.datasync();
          this.journalBytes += Buffer.byteLength(buf);
        } catch (e) {
          // Nothing of this batch (nor of anything queued behind it) is acknowledged: undo it all
          // in memory, newest first, and cut any partly written bytes off the journal.
          const err = new StoreError(`cannot write the journal: ${(e as Error).message}`);
          const failed = [...batch, ...this.pending.splice(0)];
          for (const p of [...failed].reverse()) applyOps(this.data, p.undo);
          try {
            await this.journal.truncate(this.journalBytes);
          } catch {
            this.failed = err; // the journal's end is unknown: accept no more writes
          }
          for (const p of failed) p.reject(err);
          return;
        }
        for (const p of batch) p.resolve();
        if (this.journalBytes >= this.compactBytes) {
          // Let the acknowledged writers answer first: serializing a large snapshot holds the
          // event loop (about 0.5 s at 100,000 members). Still between journal writes: commits
          // made meanwhile wait in `pending`.
          await new Promise((resolve) => setImmediate(resolve));
          await this.compact();
        }
      }
    } finally {
      this.writing = null;
    }
  }

  /**
   * Writes a full snapshot and starts a new, empty journal. Only called between journal writes.
   * Both files are replaced by renames, never changed in place, so a reader without the lock
   * (read-only.ts) that opened the old journal still reads all of it.
   */
  private async compact(): Promise<void> {
    await this.writeReplacing(this.statePath, serialize(this.data));
    const fresh = await this.writeReplacing(this.journalPath, '', true);
    await this.journal.close();
    this.journal = fresh!;
    this.journalBytes = 0;
  }

  /** Writes `text` to a temp file, fsyncs it, renames it over `file` and fsyncs the folder. */
  private async writeReplacing(file: string, text: string, keepOpen = false): Promise<fsp.FileHandle | null> {
    const tmp = `${file}.tmp`;
    const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
      await fsp.rename(tmp, file);
    } catch (e) {
      await fh.close();
      throw e;
    }
    const dirHandle = await fsp.open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    if (keepOpen) return fh;
    await fh.close();
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    try {
      if (!this.failed && this.journalBytes > 0) await this.compact();
    } finally {
      await this.journal.close();
      this.releaseLock();
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
