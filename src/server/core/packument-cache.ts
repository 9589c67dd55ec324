import type { TypedOp } from './schema.js';

/** Beyond this many characters of cached JSON, the packuments read least recently are dropped. */
export const PACKUMENT_CACHE_CHARS = 32 * 1024 * 1024;

/**
 * Each package's packument as JSON, built on the first read after it changed and served as is
 * until the next change: a read then costs a map lookup instead of building and serialising the
 * document. It holds what every reader allowed to read the package gets; whether a reader is
 * allowed is decided on each request before the cache is asked.
 *
 * One base URL per package (the tarball URLs depend on it): a read through another host name
 * rebuilds the entry, so Host headers cannot grow the cache. A change to the package or one of
 * its versions drops its entry; a change to any user drops them all (packuments carry publishers'
 * and maintainers' emails). Its size is bounded; the least recently read go first (approximately).
 */
export class PackumentCache {
  /** in insertion order; `used`: read since it was last passed over by eviction */
  private readonly entries = new Map<string, { base: string; json: string; used: boolean }>();
  private chars = 0;

  constructor(private readonly maxChars = PACKUMENT_CACHE_CHARS) {}

  /** The JSON of `pkg`'s packument for `base`: cached, or made by `build` and cached. */
  get(pkg: string, base: string, build: () => unknown): string {
    const hit = this.entries.get(pkg);
    if (hit && hit.base === base) {
      hit.used = true; // a flag, not a move to the back of the map: a read stays a lookup
      return hit.json;
    }
    const json = JSON.stringify(build());
    this.drop(pkg);
    if (json.length <= this.maxChars) {
      this.evict(this.maxChars - json.length);
      this.entries.set(pkg, { base, json, used: false });
      this.chars += json.length;
    }
    return json;
  }

  /** Drops what `ops` (about to be committed) make stale. */
  invalidate(ops: readonly TypedOp[]): void {
    for (const o of ops) {
      if (o.c === 'users') return this.clear();
      if (o.c === 'packages') this.drop(o.k);
      // `name@version`: the name is before the last `@` (a scope starts with one)
      else if (o.c === 'packageVersions') this.drop(o.k.slice(0, o.k.lastIndexOf('@')));
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  /** How many packuments are cached, and their JSON's length (for tests and the bench). */
  get size(): { entries: number; chars: number } {
    return { entries: this.entries.size, chars: this.chars };
  }

  /**
   * Makes the entries fit in `limit` characters: the oldest go, except that one read since the
   * last pass gets a second chance at the back (CLOCK, an approximation of least recently used).
   * Each step drops an entry or clears a flag, so it ends.
   */
  private evict(limit: number): void {
    while (this.chars > limit) {
      const [k, e] = this.entries.entries().next().value!;
      this.entries.delete(k);
      if (e.used) {
        e.used = false;
        this.entries.set(k, e);
      } else this.chars -= e.json.length;
    }
  }

  private drop(pkg: string, e = this.entries.get(pkg)): void {
    if (!e) return;
    this.entries.delete(pkg);
    this.chars -= e.json.length;
  }
}
