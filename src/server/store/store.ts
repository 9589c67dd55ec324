/**
 * The registry's storage: a transactional key-value store of named collections.
 *
 * The core owns the rules; the store owns durability. A transaction is a list of puts and deletes
 * that is applied to memory at once (so concurrent requests never see half of it) and whose
 * returned promise resolves only when it is durable. Two implementations:
 *   - MemoryStore: no disk (tests, `registry serve` without --data);
 *   - FileStore (file-store.ts): snapshot + checksummed append-only journal, fsync'd, crash-safe.
 */
export type Collections = Map<string, Map<string, unknown>>;

export interface Op {
  /** collection name */
  c: string;
  /** key within the collection */
  k: string;
  /** the new value; `null` deletes the key */
  v: unknown;
}

export interface Store {
  /**
   * Live data. Read freely; change only through `commit`. If a commit rejects, its ops (and those
   * of any later commit that was waiting behind it) have been undone here: memory matches disk.
   */
  readonly data: Collections;
  /** True when the store held no data when opened (a seed may be applied). */
  readonly isNew: boolean;
  /** Human-readable description for logs, e.g. "in memory" or the data folder. */
  readonly description: string;
  /** Applies `ops` to memory synchronously, then resolves once they are durable. */
  commit(ops: Op[]): Promise<void>;
  /** Waits for pending writes, writes a compact snapshot where that applies, and releases files. */
  close(): Promise<void>;
}

export function collection(data: Collections, name: string): Map<string, unknown> {
  let m = data.get(name);
  if (!m) {
    m = new Map();
    data.set(name, m);
  }
  return m;
}

/** Applies `ops` and returns the ops that undo them (in the order to apply them). */
export function applyOps(data: Collections, ops: Op[]): Op[] {
  const undo: Op[] = [];
  for (const op of ops) {
    const m = collection(data, op.c);
    undo.push({ c: op.c, k: op.k, v: m.has(op.k) ? m.get(op.k) : null });
    if (op.v === null || op.v === undefined) m.delete(op.k);
    else m.set(op.k, op.v);
  }
  return undo.reverse();
}

export class MemoryStore implements Store {
  readonly data: Collections = new Map();
  readonly isNew = true;
  readonly description = 'in memory (nothing is kept after exit; use --data DIR to keep state)';
  async commit(ops: Op[]): Promise<void> {
    applyOps(this.data, ops);
  }
  async close(): Promise<void> {}
}
