import { hash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Where package tarballs live. They are content-addressed: the key is the hex SHA-512 of the bytes,
 * so a key never names a path a client chose and two equal tarballs share one file. The core writes
 * a tarball (durably) before it commits the metadata that points at it, and deletes it only after a
 * commit left nothing pointing at it; a crash between the two leaves at most an unreferenced file.
 *   - MemoryTarballs: without --data;
 *   - FileTarballs: `<data>/tarballs/<sha512 hex>.tgz`, written to a temp file, fsync'd, renamed,
 *     and the folder fsync'd.
 */
export interface TarballStore {
  /** Stores `data` under `key` (its hex SHA-512); resolves once it is durable. */
  put(key: string, data: Buffer): Promise<void>;
  /** The bytes, or null when there are none. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

export function tarballKey(data: Buffer): string {
  return hash('sha512', data, 'hex');
}

const KEY = /^[0-9a-f]{128}$/;

export class MemoryTarballs implements TarballStore {
  private readonly blobs = new Map<string, Buffer>();
  async put(key: string, data: Buffer): Promise<void> {
    this.blobs.set(key, data);
  }
  async get(key: string): Promise<Buffer | null> {
    return this.blobs.get(key) ?? null;
  }
  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }
}

export class FileTarballs implements TarballStore {
  private ready: Promise<void> | null = null;
  constructor(readonly dir: string) {}

  private file(key: string): string {
    if (!KEY.test(key)) throw new Error(`bad tarball key ${key.slice(0, 20)}`);
    return path.join(this.dir, `${key}.tgz`);
  }

  private ensureDir(): Promise<void> {
    return (this.ready ??= fsp.mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined));
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.file(key);
    await this.ensureDir();
    const tmp = path.join(this.dir, `.${key.slice(0, 16)}-${randomBytes(6).toString('hex')}.tmp`);
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
    const dh = await fsp.open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.file(key), { force: true });
  }
}
