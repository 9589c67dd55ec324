/**
 * Who maintains a package kept in Verdaccio's storage. Verdaccio 6.8 records no publisher: it
 * stores each version's manifest as the client sent it (npm sends no `_npmUser`, and a
 * package.json may carry any `maintainers`). So the plugin records them itself: every publish it
 * lets through has `_npmUser` (the publisher) and `maintainers` (the package's maintainers: the
 * first publisher) written into its version, replacing what the client sent, and the maintainers
 * are read back from the newest version. A list changed with `npm owner` is kept by the core and
 * replaces this one (`hostMaintainers`, ./owners.ts). The rule itself is the core's (`packageWrite`).
 */

/** The part of a stored packument read here. */
export interface StoredPackage {
  versions?: Record<string, unknown>;
  time?: Record<string, unknown>;
}

type StorageCallback = (err: (Error & { status?: number }) | null, pkg?: StoredPackage) => void;

/** The part of Verdaccio's storage (the third argument of `register_middlewares`) used here. */
export interface VerdaccioStorage {
  localStorage: {
    getPackageMetadata(name: string, cb: StorageCallback): void;
    /** its database: `get` lists the names of the packages published to this Verdaccio */
    storagePlugin?: { get(cb: (err: Error | null, names?: string[]) => void): void };
  } | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Verdaccio's local storage; it is set up before Verdaccio serves, so its absence is a setup error. */
function localOf(storage: VerdaccioStorage): NonNullable<VerdaccioStorage['localStorage']> {
  if (!storage.localStorage) throw new Error('verdaccio-orgctl: Verdaccio storage is not initialised');
  return storage.localStorage;
}

/** `pkg` as stored, or null when Verdaccio has no such package. */
function readStored(storage: VerdaccioStorage, pkg: string): Promise<StoredPackage | null> {
  return new Promise((resolve, reject) => {
    const local = localOf(storage);
    local.getPackageMetadata(pkg, (err, data) => {
      if (err?.status === 404) resolve(null);
      else if (err) reject(err);
      else resolve(data ?? null);
    });
  });
}

/** The names of the packages in `@scope/` Verdaccio stores (published to it, not cached from an uplink). */
export function storedInScope(storage: VerdaccioStorage, scope: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const db = localOf(storage).storagePlugin;
    if (!db) throw new Error('verdaccio-orgctl: Verdaccio storage has no package database');
    db.get((err, names) => (err ? reject(err) : resolve((names ?? []).filter((n) => n.startsWith(`@${scope}/`)))));
  });
}

/** The versions of `pkg` Verdaccio stores, in the order its packument lists them (none: []). */
export async function storedVersions(storage: VerdaccioStorage, pkg: string): Promise<string[]> {
  const stored = await readStored(storage, pkg);
  return isObject(stored?.versions) ? Object.keys(stored.versions) : [];
}

/** The names in a version's `maintainers` (`[{name}]`); empty when it records none. */
function namesIn(version: unknown): string[] {
  const list = isObject(version) ? version.maintainers : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) => (isObject(m) && typeof m.name === 'string' && m.name !== '' ? [m.name] : []));
}

/**
 * The maintainers recorded for `pkg`: the `maintainers` of its most recently published version
 * that has any. Null when the package does not exist or has no version left (then it is new to
 * the rules: anyone logged in may publish it). An existing package that records none (published
 * before the plugin recorded maintainers) gives [], which lets nobody write.
 */
export async function storedMaintainers(storage: VerdaccioStorage, pkg: string): Promise<string[] | null> {
  return maintainersIn(await readStored(storage, pkg));
}

/** `storedMaintainers` of a packument as Verdaccio stores or serves it (null: none). */
export function maintainersIn(stored: StoredPackage | null): string[] | null {
  const versions = isObject(stored?.versions) ? stored.versions : {};
  const time = isObject(stored?.time) ? stored.time : {};
  const when = (v: string) => (typeof time[v] === 'string' ? Date.parse(time[v]) || 0 : 0);
  const newestFirst = Object.keys(versions).sort((a, b) => when(b) - when(a));
  if (newestFirst.length === 0) return null;
  for (const v of newestFirst) {
    const names = namesIn(versions[v]);
    if (names.length > 0) return names;
  }
  return [];
}

/**
 * Writes the publisher and the maintainers (`{name, email}`, as npm's registry does) into every
 * version of a package write's body (npm's packument), whatever the client sent there. Verdaccio stores a published version's manifest as
 * is, so this is what the next `storedMaintainers` reads; for other writes (deprecate, unpublish
 * some versions) Verdaccio reads only `deprecated` and which versions are present.
 */
export function recordPublisher(body: unknown, publisher: string, maintainers: readonly string[], emailOf: (name: string) => string | undefined): void {
  if (!isObject(body) || !isObject(body.versions)) return;
  const person = (name: string) => ({ name, email: emailOf(name) });
  for (const version of Object.values(body.versions)) {
    if (!isObject(version)) continue;
    version._npmUser = person(publisher);
    version.maintainers = maintainers.map(person);
  }
}
