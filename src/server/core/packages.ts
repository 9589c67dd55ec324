import { createHash } from 'node:crypto';
import { invalid } from './errors.js';
import { safeEqual } from './secrets.js';

/**
 * Package rules that need no state: names, versions, dist-tags, and checking a publish body
 * (npm's packument with one version and its tarball as a base64 attachment) against the URL and
 * against the tarball's own hashes. Used by RegistryCore; no HTTP here.
 */

const MAX_NAME = 214;
const PART = /^[a-z0-9][a-z0-9._-]*$/;

/** Why `pkg` is not a package name the registry serves, or null. */
export function packageNameProblem(pkg: unknown): string | null {
  if (typeof pkg !== 'string' || pkg === '') return 'a package name is required';
  const m = /^(?:@([^/]*)\/)?([^/]*)$/.exec(pkg);
  if (m && pkg.length <= MAX_NAME && (m[1] === undefined || PART.test(m[1])) && PART.test(m[2]!)) return null;
  return `invalid package name "${pkg.length > 80 ? `${pkg.slice(0, 80)}…` : pkg}": use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit, optionally in a @scope/`;
}

export function checkPackageName(pkg: unknown): asserts pkg is string {
  const p = packageNameProblem(pkg);
  if (p) throw invalid(p);
}

/** The name without its scope: `@acme/widget` → `widget` (npm's tarball file prefix). */
export function baseName(pkg: string): string {
  return pkg.slice(pkg.lastIndexOf('/') + 1);
}

/** The tarball file name of a version, as served: `widget-1.0.0.tgz`. */
export function tarballFile(pkg: string, version: string): string {
  return `${baseName(pkg)}-${version}.tgz`;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 256 && SEMVER.test(v);
}

/** Semver precedence: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a)!;
  const pb = SEMVER.exec(b)!;
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  const ra = pa[4];
  const rb = pb[4];
  if (ra === undefined || rb === undefined) return ra === rb ? 0 : ra === undefined ? 1 : -1;
  const xa = ra.split('.');
  const xb = rb.split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    if (xa[i] === undefined) return -1;
    if (xb[i] === undefined) return 1;
    const na = /^\d+$/.test(xa[i]!);
    const nb = /^\d+$/.test(xb[i]!);
    if (na && nb && Number(xa[i]) !== Number(xb[i])) return Number(xa[i]) - Number(xb[i]);
    if (na !== nb) return na ? -1 : 1;
    if (xa[i] !== xb[i]) return xa[i]! < xb[i]! ? -1 : 1;
  }
  return 0;
}

/** The highest of `versions` (none: undefined). */
export function highest(versions: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareVersions(v, best) > 0) best = v;
  return best;
}

/** Dist-tags start with a letter (not `v` and a digit, nor a lone `x`), so no tag reads as a version or a range. */
const TAG = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

export function checkTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string' || !TAG.test(tag) || /^v\d/i.test(tag) || tag === 'x' || tag === 'X') {
    throw invalid(`invalid dist-tag ${JSON.stringify(typeof tag === 'string' ? tag.slice(0, 100) : tag)}: start with a letter (not v and a digit); use letters, digits, '.', '_' and '-' (at most 100)`);
  }
}

export interface ParsedPublish {
  version: string;
  /** the version's manifest as sent, without `dist` */
  manifest: Record<string, unknown>;
  tags: Record<string, string>;
  data: Buffer;
  shasum: string;
  integrity: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a publish body for `pkg`: names agree, exactly one valid version, its dist-tags, exactly
 * one attachment holding base64 bytes whose length, `dist.integrity` and `dist.shasum` (those sent)
 * all match the bytes. Throws CoreError `invalid`.
 */
export function parsePublish(pkg: string, body: Record<string, unknown>): ParsedPublish {
  if (body.name !== pkg) throw invalid(`The name in the body (${JSON.stringify(body.name ?? null)}) does not match the package in the URL (${pkg}).`);
  if (body._id !== undefined && body._id !== pkg) throw invalid(`_id must be ${pkg}.`);
  if (!isObject(body.versions)) throw invalid('versions must be an object holding the version to publish.');
  const versions = Object.keys(body.versions);
  if (versions.length !== 1) throw invalid('Publish exactly one version at a time.');
  const version = versions[0]!;
  if (!isVersion(version)) throw invalid(`invalid version ${JSON.stringify(String(version).slice(0, 100))}: use semver, e.g. 1.0.0.`);
  const manifest = body.versions[version];
  if (!isObject(manifest)) throw invalid(`versions["${version}"] must be an object.`);
  if (manifest.name !== pkg) throw invalid(`versions["${version}"].name must be ${pkg}.`);
  if (manifest.version !== version) throw invalid(`versions["${version}"].version must be ${version}.`);
  const dist = manifest.dist;
  if (!isObject(dist)) throw invalid(`versions["${version}"].dist must be an object with integrity and shasum.`);

  const rawTags = body['dist-tags'] ?? {};
  if (!isObject(rawTags)) throw invalid('dist-tags must be an object of tag: version.');
  const tags: Record<string, string> = {};
  for (const [tag, v] of Object.entries(rawTags)) {
    checkTag(tag);
    if (v !== version) throw invalid(`dist-tags.${tag} must be ${version}, the version being published.`);
    tags[tag] = version;
  }

  if (!isObject(body._attachments)) throw invalid('_attachments must hold the tarball.');
  const files = Object.values(body._attachments);
  if (files.length !== 1) throw invalid('Send exactly one attachment: the tarball.');
  const att = files[0];
  if (!isObject(att) || typeof att.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(att.data) || att.data.length % 4 !== 0) {
    throw invalid('The attachment must have base64 data.');
  }
  const data = Buffer.from(att.data, 'base64');
  if (data.length === 0) throw invalid('The tarball is empty.');
  if (att.length !== undefined && att.length !== data.length) throw invalid(`The attachment's length (${String(att.length).slice(0, 20)}) does not match its data (${data.length} bytes).`);

  const hash = (alg: string, enc: 'hex' | 'base64') => createHash(alg).update(data).digest(enc);
  const shasum = hash('sha1', 'hex');
  const integrity = `sha512-${hash('sha512', 'base64')}`;
  if (dist.integrity === undefined && dist.shasum === undefined) throw invalid('dist must carry integrity or shasum.');
  if (dist.shasum !== undefined && (typeof dist.shasum !== 'string' || !safeEqual(dist.shasum.toLowerCase(), shasum))) {
    throw invalid(`dist.shasum does not match the tarball (its sha1 is ${shasum}).`);
  }
  if (dist.integrity !== undefined) {
    const entries = typeof dist.integrity === 'string' ? dist.integrity.trim().split(/\s+/) : [];
    let checked = 0;
    for (const e of entries) {
      const m = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(e);
      if (!m) continue;
      if (!safeEqual(m[2]!, hash(m[1]!, 'base64'))) throw invalid(`dist.integrity does not match the tarball (its sha512 is ${integrity}).`);
      checked++;
    }
    if (checked === 0) throw invalid('dist.integrity must be an SRI string such as sha512-<base64>.');
  }
  const { dist: _dist, ...rest } = manifest;
  void _dist;
  return { version, manifest: rest, tags, data, shasum, integrity };
}
