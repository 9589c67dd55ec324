import { createHash, hash as oneShotHash } from 'node:crypto';
import { applyOps, type Collections, type Op } from './store.js';

/**
 * The data folder's text formats, read and written in pieces.
 *
 *   state.json   {"format":"orgctl-registry","version":1,"sha256":"…","collections":{…}}
 *                (sha256 of the collections' JSON text, so any change to the file is detected)
 *   journal.log  one transaction per line: `<sha256 prefix> <json>\n`
 *
 * Both are produced as chunks of about CHUNK characters, never as one string: at 100,000 members a
 * snapshot is ~80 MB and one enforcement's journal line ~40 MB, and a single string that size
 * (plus the Buffer a write makes of it) is what made the server's memory jump after a large change.
 * A chunk is always a join of whole JSON values, so it never splits a character, and hashing the
 * chunks one by one gives the hash of the whole text.
 */
export const STORE_FORMAT = 'orgctl-registry';
export const STORE_VERSION = 1;
export const CHUNK = 1 << 20;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

const COLLECTIONS_KEY = '"collections":';
const SHA256_HEX = 64;

/** The snapshot's text before the collections' JSON, for a given sha256 (always the same length). */
export function snapshotHeader(sha256: string): string {
  return `{"format":"${STORE_FORMAT}","version":${STORE_VERSION},"sha256":"${sha256}",${COLLECTIONS_KEY}`;
}
export const SNAPSHOT_PLACEHOLDER = snapshotHeader('0'.repeat(SHA256_HEX));

/** Collects pieces of text and hands them on as chunks of about CHUNK characters. */
class Chunker {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly emit: (chunk: string) => void) {}
  push(piece: string): void {
    this.parts.push(piece);
    this.size += piece.length;
    if (this.size >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.emit(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * The collections' JSON (`{"users":{"alice":{…},…},…}`) in chunks, synchronously, so what it
 * writes is the data as it is at one instant. Returns the sha256 of the whole text.
 */
export function emitCollections(data: Collections, emit: (chunk: string) => void): string {
  const hash = createHash('sha256');
  const out = new Chunker((c) => {
    hash.update(c);
    emit(c);
  });
  out.push('{');
  let firstCollection = true;
  for (const [name, m] of data) {
    out.push(`${firstCollection ? '' : ','}${JSON.stringify(name)}:{`);
    firstCollection = false;
    let first = true;
    for (const [key, value] of m) {
      if (value === undefined) continue; // as JSON.stringify drops it from an object
      out.push(`${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`);
      first = false;
    }
    out.push('}');
  }
  out.push('}');
  out.flush();
  return hash.digest('hex');
}

/** The whole snapshot text (backups; small stores). The server writes it in chunks (FileStore). */
export function serialize(data: Collections): string {
  const chunks: string[] = [];
  const sum = emitCollections(data, (c) => chunks.push(c));
  return `${snapshotHeader(sum)}${chunks.join('')}}`;
}

export function checksum(json: string): string {
  return oneShotHash('sha256', json, 'hex').slice(0, 16);
}

/** A transaction's journal line, `<sha256 prefix> {"ops":[…]}\n`, as chunks of text. */
export function journalLine(ops: Op[]): string[] {
  const hash = createHash('sha256');
  const body: string[] = [];
  const out = new Chunker((c) => {
    hash.update(c);
    body.push(c);
  });
  out.push('{"ops":[');
  ops.forEach((op, i) => out.push(`${i === 0 ? '' : ','}${JSON.stringify(op)}`));
  out.push(']}');
  out.flush();
  return [`${hash.digest('hex').slice(0, 16)} `, ...body, '\n'];
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
  const sum = oneShotHash('sha256', body, 'hex');
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
