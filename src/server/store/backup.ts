import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { collectionsFrom, serialize, STORE_FORMAT, STORE_VERSION } from './codec.js';
import { readStoreReadOnly, type ReadHooks } from './read-only.js';
import type { Collections } from './store.js';
import { tarballKey } from './tarballs.js';

/**
 * `registry backup` and `registry restore` (docs/registry-api.md §7.6). A backup is UTF-8 text,
 * one JSON record per line:
 *   {"format":"orgctl-backup","version":1,"created":"<ISO>","store":{"format":"orgctl-registry","version":1}}
 *   {"tarball":"<sha512 hex>","data":"<base64>"}     each package tarball the store refers to
 *   {"outbox":"<file>.eml","data":"<base64>"}        each notification file in <data>/outbox/
 *   {"store":{"<collection>":{"<key>":<value>}}}     the state, read as FileStore loads it
 *   {"end":{"records":<n>,"sha256":"<hex>"}}          n: lines between header and end; sha256 of every byte before this line
 * The end record makes a backup that is cut short or edited detectable; tarballs are also checked
 * against their content hash. The store record comes after the tarballs: if a tarball the store
 * named is gone by the time it is read (deleted after an unpublish), the store is read again and
 * the tarballs it names are added, so the store written always has its tarballs.
 */
export const BACKUP_FORMAT = 'orgctl-backup';
export const BACKUP_VERSION = 1;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupSummary {
  users: number;
  orgs: number;
  packages: number;
  tarballs: number;
  outbox: number;
  /** complete journal lines applied over the snapshot */
  journalLines: number;
  /** bytes of an incomplete last journal line left out */
  tailBytes: number;
  bytes: number;
  sha256: string;
}

const TARBALL_KEY = /^[0-9a-f]{128}$/;
const OUTBOX_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$/;

/** The tarball keys the store's package versions refer to. */
function referencedTarballs(data: Collections): Set<string> {
  const keys = new Set<string>();
  for (const v of data.get('packageVersions')?.values() ?? []) {
    const blob = (v as { blob?: unknown }).blob;
    if (typeof blob === 'string') keys.add(blob);
  }
  return keys;
}

function summaryCounts(data: Collections): Pick<BackupSummary, 'users' | 'orgs' | 'packages'> {
  return { users: data.get('users')?.size ?? 0, orgs: data.get('orgs')?.size ?? 0, packages: data.get('packages')?.size ?? 0 };
}

async function readIfThere(file: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Streams a backup of the data folder `dir` through `write`; reads only, takes no lock. */
export async function writeBackup(dir: string, write: (chunk: string) => Promise<void>, opts: { now?: () => number; hooks?: ReadHooks } = {}): Promise<BackupSummary> {
  const root = path.resolve(dir);
  const hash = createHash('sha256');
  let bytes = 0;
  let records = 0;
  const emit = async (rec: unknown, counted = true) => {
    const line = `${JSON.stringify(rec)}\n`;
    hash.update(line);
    bytes += Buffer.byteLength(line);
    if (counted) records++;
    await write(line);
  };
  let store = await readStoreReadOnly(root, opts.hooks); // before any output: a folder with no store writes nothing
  await emit({ format: BACKUP_FORMAT, version: BACKUP_VERSION, created: new Date((opts.now ?? Date.now)()).toISOString(), store: { format: STORE_FORMAT, version: STORE_VERSION } }, false);
  const written = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) store = await readStoreReadOnly(root, opts.hooks);
    let missing: string | null = null;
    for (const key of referencedTarballs(store.data)) {
      if (written.has(key)) continue;
      if (!TARBALL_KEY.test(key)) throw new BackupError(`the store names a tarball with a malformed key (${key.slice(0, 20)}…)`);
      const blob = await readIfThere(path.join(root, 'tarballs', `${key}.tgz`));
      if (!blob) {
        missing = key;
        break;
      }
      if (tarballKey(blob) !== key) throw new BackupError(`tarballs/${key.slice(0, 16)}….tgz does not match its content hash (damaged); not backing up a damaged registry`);
      await emit({ tarball: key, data: blob.toString('base64') });
      written.add(key);
    }
    if (missing) {
      if (attempt >= 5) throw new BackupError(`tarball ${missing.slice(0, 16)}… named by the store is missing from ${path.join(root, 'tarballs')}`);
      continue; // deleted since the store was read: read the store again
    }
    let outbox = 0;
    const boxDir = path.join(root, 'outbox');
    const names = await fsp.readdir(boxDir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
    for (const name of names.filter((n) => OUTBOX_FILE.test(n)).sort()) {
      const data = await readIfThere(path.join(boxDir, name));
      if (!data) continue;
      await emit({ outbox: name, data: data.toString('base64') });
      outbox++;
    }
    const collections: Record<string, Record<string, unknown>> = {};
    for (const [name, m] of store.data) collections[name] = Object.fromEntries(m);
    await emit({ store: collections });
    const sha256 = hash.digest('hex');
    const end = `${JSON.stringify({ end: { records, sha256 } })}\n`;
    await write(end);
    const tarballs = referencedTarballs(store.data).size;
    return { ...summaryCounts(store.data), tarballs, outbox, journalLines: store.journalLines, tailBytes: store.tailBytes, bytes: bytes + Buffer.byteLength(end), sha256 };
  }
}

/** The lines of `file`, and whether the last one ended with a newline. */
async function* lines(file: string): AsyncGenerator<{ text: string; complete: boolean }> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    let buf = Buffer.concat([rest, chunk as Buffer]);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      yield { text: buf.subarray(0, nl).toString('utf8'), complete: true };
      buf = buf.subarray(nl + 1);
    }
    rest = buf;
  }
  if (rest.length > 0) yield { text: rest.toString('utf8'), complete: false };
}

export interface RestoreSummary extends Omit<BackupSummary, 'journalLines' | 'tailBytes' | 'bytes'> {
  dir: string;
  created: string;
}

function damaged(file: string, why: string): BackupError {
  return new BackupError(`${file} is not a complete, unedited orgctl backup: ${why}. Nothing was written.`);
}

/**
 * Restores the backup `file` into `target`, which must not exist or be empty. Everything is
 * written into a new folder beside it and renamed into place only once the whole backup checked
 * out (end record, sha256, tarball hashes, every tarball the store names); otherwise that folder
 * is removed and nothing is left behind.
 */
export async function restoreBackup(file: string, target: string): Promise<RestoreSummary> {
  const dest = path.resolve(target);
  const existing = await fsp.readdir(dest).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  if (existing && existing.length > 0) throw new BackupError(`${dest} is not empty; restore into a new or empty folder`);
  await fsp.access(file).catch(() => Promise.reject(new BackupError(`cannot read ${file}`)));
  const tmp = `${dest}.restore-${randomBytes(4).toString('hex')}`;
  await fsp.mkdir(path.join(tmp, 'tarballs'), { recursive: true, mode: 0o700 });
  await fsp.mkdir(path.join(tmp, 'outbox'), { mode: 0o700 });
  try {
    const summary = await restoreInto(file, tmp);
    if (existing) await fsp.rmdir(dest);
    await fsp.rename(tmp, dest);
    return { ...summary, dir: dest };
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function writeDurably(file: string, data: string | Buffer): Promise<void> {
  const fh = await fsp.open(file, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function restoreInto(file: string, tmp: string): Promise<Omit<RestoreSummary, 'dir'>> {
  const hash = createHash('sha256');
  let n = 0;
  let records = 0;
  let created = '';
  let data: Collections | null = null;
  let end = null as { records?: unknown; sha256?: unknown } | null;
  const tarballs = new Set<string>();
  let outbox = 0;
  for await (const line of lines(file)) {
    n++;
    if (end) throw damaged(file, `line ${n} follows the end record`);
    if (!line.complete) throw damaged(file, `line ${n} is cut short (no end record)`);
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line.text);
    } catch {
      throw damaged(file, `line ${n} is not JSON`);
    }
    if (typeof rec !== 'object' || rec === null) throw damaged(file, `line ${n} is not a record`);
    if (n === 1) {
      if (rec.format !== BACKUP_FORMAT) throw damaged(file, 'it does not start with an orgctl-backup header');
      if (rec.version !== BACKUP_VERSION) throw new BackupError(`${file} is backup format version ${String(rec.version)}; this orgctl reads version ${BACKUP_VERSION}. Nothing was written.`);
      const s = rec.store as { format?: unknown; version?: unknown } | undefined;
      if (s?.format !== STORE_FORMAT || s.version !== STORE_VERSION) throw damaged(file, 'its store format is not one this orgctl reads');
      created = String(rec.created);
    } else if ('end' in rec) {
      end = rec.end as typeof end;
      continue;
    } else if (typeof rec.tarball === 'string' && typeof rec.data === 'string') {
      const blob = Buffer.from(rec.data, 'base64');
      if (!TARBALL_KEY.test(rec.tarball) || tarballKey(blob) !== rec.tarball) throw damaged(file, `the tarball on line ${n} does not match its content hash`);
      await writeDurably(path.join(tmp, 'tarballs', `${rec.tarball}.tgz`), blob);
      tarballs.add(rec.tarball);
      records++;
    } else if (typeof rec.outbox === 'string' && typeof rec.data === 'string') {
      if (!OUTBOX_FILE.test(rec.outbox)) throw damaged(file, `line ${n} names an outbox file that is not a plain .eml name`);
      await fsp.writeFile(path.join(tmp, 'outbox', rec.outbox), Buffer.from(rec.data, 'base64'), { mode: 0o600 });
      outbox++;
      records++;
    } else if ('store' in rec && data === null) {
      if (typeof rec.store !== 'object' || rec.store === null || Array.isArray(rec.store)) throw damaged(file, `the store on line ${n} is not an object`);
      try {
        data = collectionsFrom(rec.store, `line ${n}`);
      } catch (e) {
        throw damaged(file, (e as Error).message);
      }
      records++;
    } else {
      throw damaged(file, `line ${n} is not a record this orgctl knows`);
    }
    hash.update(`${line.text}\n`);
  }
  if (!end) throw damaged(file, n === 0 ? 'it is empty' : 'it has no end record (cut short?)');
  if (end.sha256 !== hash.digest('hex') || end.records !== records) throw damaged(file, 'its content does not match the sha256 in its end record (edited?)');
  if (!data) throw damaged(file, 'it has no store record');
  const refs = referencedTarballs(data);
  for (const key of refs) if (!tarballs.has(key)) throw damaged(file, `the tarball ${key.slice(0, 16)}… the store names is missing`);
  for (const key of tarballs) if (!refs.has(key)) await fsp.rm(path.join(tmp, 'tarballs', `${key}.tgz`));
  await writeDurably(path.join(tmp, 'state.json'), serialize(data));
  await readStoreReadOnly(tmp); // the restored folder loads as a server would load it
  return { created, ...summaryCounts(data), tarballs: refs.size, outbox, sha256: end.sha256 as string };
}
