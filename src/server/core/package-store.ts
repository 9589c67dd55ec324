import type { Auth } from './auth.js';
import { conflict, invalid, notFound } from './errors.js';
import type { PackageAccess } from './package-access.js';
import { checkPackageName, checkTag, compareVersions, highest, isVersion, parsePublish, tarballFile } from './packages.js';
import type { TypedOp } from './schema.js';
import { sha256Hex } from './secrets.js';
import type { CoreState } from './state.js';
import { tarballKey } from '../store/tarballs.js';
import type { Actor, Credentials, PackageRec, PackageVersionRec } from './types.js';

/** The packages this registry serves: packuments, tarballs, publish, dist-tags, unpublish. */
export class PackageStore {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
    private readonly access: PackageAccess,
  ) {}

  private packageRec(pkg: string): PackageRec | undefined {
    return this.state.all('packages').get(pkg);
  }

  private versionRec(pkg: string, version: string): PackageVersionRec | undefined {
    return this.state.all('packageVersions').get(`${pkg}@${version}`);
  }

  /** A package `actor` (null: anonymous) may read: org scope → current members; others → anyone. */
  private readablePackage(actor: Actor | null, pkg: string): PackageRec {
    checkPackageName(pkg);
    this.access.packageAccess(actor, pkg, 'read');
    const rec = this.packageRec(pkg);
    if (!rec) throw notFound(`Package ${pkg} not found.`);
    return rec;
  }

  /**
   * May `actor` change `pkg` (publish, tag, unpublish)? A read-only token never; an org's scope:
   * its current members; another package: its maintainers, or anyone logged in while it does not
   * exist yet. Returns the org (for audit events) or null. Synchronous, so callers re-check after
   * each await.
   */
  private writablePackage(actor: Actor, pkg: string): { org: string | null; rec: PackageRec | undefined } {
    const rec = this.packageRec(pkg);
    return { org: this.access.packageWrite(actor, pkg, rec?.maintainers ?? null), rec };
  }

  /** `writablePackage` for a package that must exist (404), read at revision `rev` when given (409). */
  private writableExisting(actor: Actor, pkg: string, rev?: string): PackageRec {
    const { rec } = this.writablePackage(actor, pkg);
    if (!rec) throw notFound(`Package ${pkg} not found.`);
    if (rev !== undefined) this.checkRev(rec, rev);
    return rec;
  }

  private revOf(rec: PackageRec): string {
    return `${rec.rev}-${sha256Hex(`${rec.name}:${rec.rev}:${rec.created}`).slice(0, 32)}`;
  }

  private checkRev(rec: PackageRec, rev: string): void {
    if (rev !== this.revOf(rec)) throw conflict(`Package ${rec.name} changed since revision ${rev.slice(0, 40)} was read (it is now ${this.revOf(rec)}). Try again.`);
  }

  /**
   * npm's packument as JSON: every version, its tarball at `<base><pkg>/-/<name>-<version>.tgz`.
   * Access is decided on every call; the document comes from the cache while the package is
   * unchanged (CoreState.packuments).
   */
  packumentJson(actor: Actor | null, pkg: string, base: string): string {
    const rec = this.readablePackage(actor, pkg);
    return this.state.packuments.get(pkg, base, () => this.buildPackument(rec, base));
  }

  private buildPackument(rec: PackageRec, base: string): Record<string, unknown> {
    const pkg = rec.name;
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = { created: rec.created, modified: rec.modified };
    const list = [...(this.state.versionsOf(pkg))].sort(compareVersions);
    for (const v of list) {
      const r = this.versionRec(pkg, v)!;
      versions[v] = {
        ...r.manifest,
        _id: `${pkg}@${v}`,
        _npmUser: { name: r.publishedBy, email: this.state.user(r.publishedBy)?.email ?? undefined },
        dist: { shasum: r.shasum, integrity: r.integrity, tarball: `${base}${pkg}/-/${tarballFile(pkg, v)}` },
      };
      time[v] = r.published;
    }
    const latest = rec.distTags.latest ? this.versionRec(pkg, rec.distTags.latest) : undefined;
    return {
      _id: pkg,
      _rev: this.revOf(rec),
      name: pkg,
      description: (latest?.manifest.description as string | undefined) ?? '',
      'dist-tags': rec.distTags,
      versions,
      time,
      maintainers: rec.maintainers.map((name) => ({ name, email: this.state.user(name)?.email ?? undefined })),
    };
  }

  /** The dist-tags of a package `actor` may read. */
  distTags(actor: Actor | null, pkg: string): Record<string, string> {
    return { ...this.readablePackage(actor, pkg).distTags };
  }

  /** The bytes of `<name>-<version>.tgz`, checked like a packument read (live membership). */
  async tarball(actor: Actor | null, pkg: string, file: string): Promise<Buffer> {
    this.readablePackage(actor, pkg);
    const prefix = `${tarballFile(pkg, '')}`.slice(0, -4); // `<name>-`
    const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -4) : '';
    const r = isVersion(version) ? this.versionRec(pkg, version) : undefined;
    if (!r) throw notFound(`${pkg} has no tarball ${file.slice(0, 100)}.`);
    const data = await this.state.tarballs.get(r.blob);
    if (!data) throw new Error(`tarball of ${pkg}@${version} is missing from the tarball store`);
    return data;
  }

  /**
   * `npm publish`: one new version of `pkg` from npm's publish body. The tarball is stored (and
   * durable) before the metadata that points at it is committed.
   */
  async publish(actor: Actor, cred: Credentials, pkg: string, body: Record<string, unknown>): Promise<{ ok: true; id: string; rev: string }> {
    checkPackageName(pkg);
    const p = parsePublish(pkg, body);
    const gate = () => {
      const w = this.writablePackage(actor, pkg);
      if (this.versionRec(pkg, p.version)) throw conflict(`Cannot publish over the previously published version ${p.version} of ${pkg}.`);
      return w;
    };
    gate();
    await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const blob = tarballKey(p.data);
    await this.state.tarballs.put(blob, p.data);
    actor = this.auth.reread(actor);
    const { org, rec } = gate(); // again: the checks and the commit share one tick
    const at = this.state.iso();
    const distTags = { ...(rec?.distTags ?? {}), ...p.tags };
    if (!distTags.latest) distTags.latest = p.version;
    const next: PackageRec = rec
      ? { ...rec, distTags, rev: rec.rev + 1, modified: at }
      : { name: pkg, maintainers: [actor.user.name], distTags, rev: 1, created: at, modified: at };
    const ver: PackageVersionRec = { name: pkg, version: p.version, manifest: p.manifest, shasum: p.shasum, integrity: p.integrity, blob, size: p.data.length, publishedBy: actor.user.name, published: at };
    const ops: TypedOp[] = [
      { c: 'packages', k: pkg, v: next },
      { c: 'packageVersions', k: `${pkg}@${p.version}`, v: ver },
    ];
    if (org) ops.push(...this.access.firstPublishOps(org, pkg, actor.user.name), this.state.auditOp(org, actor.user.name, 'package.publish', pkg, { version: p.version, tags: Object.keys(p.tags) }));
    await this.state.commit(ops);
    return { ok: true, id: pkg, rev: this.revOf(next) };
  }

  /** `npm dist-tag add`: points `tag` at an existing version. */
  async setDistTag(actor: Actor, cred: Credentials, pkg: string, tag: string, version: unknown): Promise<Record<string, string>> {
    checkPackageName(pkg);
    checkTag(tag);
    if (!isVersion(version)) throw invalid('The body must be a JSON string holding a version, e.g. "1.0.0".');
    const check = () => {
      const rec = this.writableExisting(actor, pkg);
      if (!this.versionRec(pkg, version)) throw notFound(`${pkg} has no version ${version}.`);
      return rec;
    };
    check();
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    const next: PackageRec = { ...rec, distTags: { ...rec.distTags, [tag]: version }, rev: rec.rev + 1, modified: this.state.iso() };
    await this.state.commit([{ c: 'packages', k: pkg, v: next }]);
    return { ...next.distTags };
  }

  /** `npm dist-tag rm`. `latest` cannot be removed. */
  async removeDistTag(actor: Actor, cred: Credentials, pkg: string, tag: string): Promise<Record<string, string>> {
    checkPackageName(pkg);
    checkTag(tag);
    if (tag === 'latest') throw invalid('The latest tag cannot be removed; point it at another version instead.');
    const check = () => {
      const rec = this.writableExisting(actor, pkg);
      if (!Object.hasOwn(rec.distTags, tag)) throw notFound(`${tag} is not a dist-tag of ${pkg}.`);
      return rec;
    };
    check();
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    const distTags = { ...rec.distTags };
    delete distTags[tag];
    const next: PackageRec = { ...rec, distTags, rev: rec.rev + 1, modified: this.state.iso() };
    await this.state.commit([{ c: 'packages', k: pkg, v: next }]);
    return { ...distTags };
  }

  /**
   * Unpublish, npm's way: `PUT /<pkg>/-rev/<rev>` with the packument minus the versions to remove
   * (`keep` = the versions left in the body). Versions cannot be added here, only removed; tags
   * that pointed at removed versions go, and `latest` moves to the highest version left.
   */
  async unpublishVersions(actor: Actor, cred: Credentials, pkg: string, rev: string, body: Record<string, unknown>): Promise<{ ok: true; id: string; rev: string }> {
    checkPackageName(pkg);
    const versions = body.versions;
    if (typeof versions !== 'object' || versions === null || Array.isArray(versions)) throw invalid('versions must be an object of the versions to keep.');
    const keep = Object.keys(versions);
    const check = () => {
      const rec = this.writableExisting(actor, pkg, rev);
      const have = this.state.versionsOf(pkg);
      const added = keep.find((v) => !have.has(v));
      if (added !== undefined) throw invalid(`${pkg} has no version ${added.slice(0, 100)}; publish adds versions, this request only removes them.`);
      return rec;
    };
    check();
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    const gone = [...(this.state.versionsOf(pkg))].filter((v) => !keep.includes(v));
    const next = await this.removeVersions(actor, rec, gone);
    return { ok: true, id: pkg, rev: next ? this.revOf(next) : '0-0' };
  }

  /**
   * `npm owner add|rm`: `PUT /<pkg>/-rev/<rev>` with `{maintainers: [{name, email}]}` (and no
   * versions), by someone who may write the package. Every maintainer must be an account; at least
   * one. For an org's package the list is informational (grants decide who writes).
   */
  async setMaintainers(actor: Actor, cred: Credentials, pkg: string, rev: string, body: Record<string, unknown>): Promise<{ ok: true; id: string; rev: string }> {
    checkPackageName(pkg);
    const names = maintainerNames(body);
    const check = () => {
      const rec = this.writableExisting(actor, pkg, rev);
      this.checkUsers(names);
      return rec;
    };
    check();
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    const next: PackageRec = { ...rec, maintainers: names, rev: rec.rev + 1, modified: this.state.iso() };
    await this.state.commit([{ c: 'packages', k: pkg, v: next }, ...this.ownersAuditOps(actor, pkg, names)]);
    return { ok: true, id: pkg, rev: this.revOf(next) };
  }

  /**
   * For hosts that store packages themselves (Verdaccio): the maintainers of `pkg`, given the
   * names the host's storage records (`stored`, null: no such package). A list set with `npm owner`
   * (`hostMaintainers`) replaces the stored one while the package exists.
   */
  hostMaintainers(pkg: string, stored: readonly string[] | null): readonly string[] | null {
    if (stored === null) return null;
    return this.state.get('hostMaintainers', pkg)?.names ?? stored;
  }

  /**
   * `npm owner add|rm` for a package a host stores (Verdaccio): as `setMaintainers`, with the list
   * kept here (`hostMaintainers`). `stored` reads the names the host records (null: no such
   * package); it is read again after the OTP, and the checks repeated on that state. The host's
   * revision does not change, so there is no stale-revision check.
   */
  async setHostMaintainers(actor: Actor, cred: Credentials, pkg: string, body: Record<string, unknown>, stored: () => Promise<readonly string[] | null>): Promise<{ ok: true; id: string }> {
    checkPackageName(pkg);
    const names = maintainerNames(body);
    const check = (a: Actor, fromHost: readonly string[] | null) => {
      const current = this.hostMaintainers(pkg, fromHost);
      if (current === null) throw notFound(`Package ${pkg} not found.`);
      this.access.packageWrite(a, pkg, current);
      this.checkUsers(names);
    };
    check(actor, await stored());
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    check(actor, await stored());
    const ops: TypedOp[] = [{ c: 'hostMaintainers', k: pkg, v: { names, updated: this.state.iso() } }, ...this.ownersAuditOps(actor, pkg, names)];
    await this.state.commit(ops);
    return { ok: true, id: pkg };
  }

  private checkUsers(names: readonly string[]): void {
    for (const n of names) if (!this.state.user(n)) throw invalid(`There is no user ${n.slice(0, 100)}.`);
  }

  /** The audit event of an owners change: for an org's package only. */
  private ownersAuditOps(actor: Actor, pkg: string, maintainers: string[]): TypedOp[] {
    const org = this.state.packageOrg(pkg);
    return org ? [this.state.auditOp(org, actor.user.name, 'package.owners', pkg, { maintainers })] : [];
  }

  /**
   * `DELETE /<pkg>/-/<file>/-rev/<rev>`, the last step of npm's version unpublish: removes that
   * version if it is still there; answers ok if it is already gone.
   */
  async unpublishTarball(actor: Actor, cred: Credentials, pkg: string, file: string, rev: string): Promise<{ ok: true }> {
    checkPackageName(pkg);
    const prefix = tarballFile(pkg, '').slice(0, -4);
    const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -4) : '';
    if (!isVersion(version)) throw notFound(`${pkg} has no tarball ${file.slice(0, 100)}.`);
    const check = () => this.writableExisting(actor, pkg, rev);
    check();
    if (!this.versionRec(pkg, version)) return { ok: true };
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    if (this.versionRec(pkg, version)) await this.removeVersions(actor, rec, [version]);
    return { ok: true };
  }

  /** `npm unpublish <pkg> --force`: every version, the tags and the package itself. */
  async unpublishPackage(actor: Actor, cred: Credentials, pkg: string, rev: string): Promise<{ ok: true }> {
    checkPackageName(pkg);
    const check = () => this.writableExisting(actor, pkg, rev);
    check();
    actor = await this.auth.otpGate(actor, cred, this.access.writeOtpNeed(actor, pkg));
    const rec = check();
    await this.removeVersions(actor, rec, [...(this.state.versionsOf(pkg))], true);
    return { ok: true };
  }

  /**
   * For hosts that store packages themselves (Verdaccio): records the audit event of a write the
   * host has carried out, as `publish`/`removeVersions` do here (nothing outside an org's scope),
   * with npm's default grant on a first publish and the settings and grants of a removed package.
   */
  async recordHostWrite(actor: Actor, pkg: string, action: 'package.publish' | 'package.unpublish', detail: Record<string, unknown>): Promise<void> {
    const org = this.state.packageOrg(pkg);
    const ops: TypedOp[] = detail.package === true ? this.access.forgetOps(pkg) : [];
    if (org && action === 'package.publish') ops.push(...this.access.firstPublishOps(org, pkg, actor.user.name));
    if (org) ops.push(this.state.auditOp(org, actor.user.name, action, pkg, detail));
    if (ops.length > 0) await this.state.commit(ops);
  }

  /** One transaction removing `gone` (all of them, or `whole`: the package too); then their tarballs. */
  private async removeVersions(actor: Actor, rec: PackageRec, gone: string[], whole = false): Promise<PackageRec | null> {
    const pkg = rec.name;
    const left = [...(this.state.versionsOf(pkg))].filter((v) => !gone.includes(v));
    const blobs = gone.map((v) => this.versionRec(pkg, v)!.blob);
    const ops: TypedOp[] = gone.map((v) => ({ c: 'packageVersions', k: `${pkg}@${v}`, v: null }));
    let next: PackageRec | null = null;
    if (whole || left.length === 0) ops.push({ c: 'packages', k: pkg, v: null }, ...this.access.forgetOps(pkg));
    else {
      const distTags: Record<string, string> = {};
      for (const [t, v] of Object.entries(rec.distTags)) if (!gone.includes(v)) distTags[t] = v;
      if (!distTags.latest) distTags.latest = highest(left)!;
      next = { ...rec, distTags, rev: rec.rev + 1, modified: this.state.iso() };
      ops.push({ c: 'packages', k: pkg, v: next });
    }
    const org = this.state.packageOrg(pkg);
    if (org) ops.push(this.state.auditOp(org, actor.user.name, 'package.unpublish', pkg, next ? { versions: gone } : { versions: gone, package: true }));
    await this.state.commit(ops);
    // Only now that nothing points at them (a crash before this leaves unreferenced files, no harm).
    const inUse = new Set([...this.state.all('packageVersions').values()].map((r) => r.blob));
    for (const b of new Set(blobs)) if (!inUse.has(b)) await this.state.tarballs.delete(b).catch(() => {});
    return next;
  }
}

/** The names of an `npm owner add|rm` body (`{maintainers: [{name, email}]}`): 1 to 100, each once. */
function maintainerNames(body: Record<string, unknown>): string[] {
  const list = body.maintainers;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) throw invalid('maintainers must be a list of 1 to 100 {name} objects.');
  const names = list.map((m) => (typeof m === 'object' && m !== null && typeof (m as { name?: unknown }).name === 'string' ? (m as { name: string }).name : null));
  if (names.includes(null)) throw invalid('Each maintainer needs a name.');
  return [...new Set(names as string[])];
}

/** Whether a `PUT /<pkg>/-rev/<rev>` body is npm's owner change (the maintainers alone), not an unpublish (the versions to keep). */
export function isMaintainersChange(body: Record<string, unknown>): boolean {
  return body.versions === undefined && body.maintainers !== undefined;
}
