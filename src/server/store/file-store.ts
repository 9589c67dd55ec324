import { constants as fsc, promises as fsp, openSync, closeSync, fsync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CHUNK, emitCollections, journalLine, parseSnapshot, replayJournal, SNAPSHOT_PLACEHOLDER, snapshotHeader, StoreError } from './codec.js';
import { applyOps, type Collections, type Op, type Store } from './store.js';

const fsyncFd = promisify(fsync);

/**
 * A durable store in one folder:
 *   state.json   the last compact snapshot, journal.log the transactions since then, one line each
 *                (formats in codec.ts, which writes both in chunks of ~1 MB, never as one string)
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
export { STORE_FORMAT, STORE_VERSION, StoreError } from './codec.js';

interface Pending {
  /** the journal line, in chunks (codec.journalLine) */
  parts: string[];
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
    const parts = journalLine(ops);
    const undo = applyOps(this.data, ops);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ parts, undo, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.pending.length);
        const parts = batch.flatMap((p) => p.parts);
        try {
          if (this.beforeWrite) await this.beforeWrite(parts.join(''));
          let written = 0;
          for (const chunk of coalesce(parts)) written += await writeAll(this.journal, chunk);
          await this.journal.datasync();
          this.journalBytes += written;
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
          // event loop (about 0.5 s at 100,000 members). Commits made meanwhile are applied in
          // memory but not yet acknowledged: a snapshot must not hold them (if their write then
          // failed, a restart would bring them back), so they are written first and the snapshot
          // waits for the next quiet moment (or close()).
          await new Promise((resolve) => setImmediate(resolve));
          if (this.pending.length === 0) await this.compact();
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
    await this.writeSnapshot();
    const fresh = await this.writeReplacing(this.journalPath, '', true);
    await this.journal.close();
    this.journal = fresh!;
    this.journalBytes = 0;
  }

  /**
   * Writes the snapshot to a temp file in chunks, in one synchronous pass (so it is the data of one
   * instant and no chunk outlives its write), its sha256 into the header's placeholder last; then
   * fsyncs it, renames it over state.json and fsyncs the folder.
   */
  private async writeSnapshot(): Promise<void> {
    const tmp = `${this.statePath}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAllSync(fd, SNAPSHOT_PLACEHOLDER);
      const sum = emitCollections(this.data, (chunk) => writeAllSync(fd, chunk));
      writeAllSync(fd, '}');
      writeAllSync(fd, snapshotHeader(sum), 0);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    await fsp.rename(tmp, this.statePath);
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    const dirHandle = await fsp.open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
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
    await this.syncDir();
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

/** Joins consecutive small pieces into writes of about CHUNK characters (big pieces pass alone). */
function* coalesce(parts: string[]): Generator<string> {
  let acc: string[] = [];
  let size = 0;
  for (const p of parts) {
    acc.push(p);
    size += p.length;
    if (size >= CHUNK) {
      yield acc.join('');
      acc = [];
      size = 0;
    }
  }
  if (acc.length > 0) yield acc.join('');
}

/** Appends all of `text`, however many writes it takes; returns the bytes written. */
async function writeAll(fh: fsp.FileHandle, text: string): Promise<number> {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
  return buf.length;
}

/** Writes all of `text` at the file's position, or at `position`. */
function writeAllSync(fd: number, text: string, position?: number): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    off += writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
  }
}
