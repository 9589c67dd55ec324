/**
 * Job: package documents for the package-route tests: publishBody(name, version, opts) as npm
 * sends it, pkgPath(name) as npm puts it in a URL.
 */
import { createHash } from 'node:crypto';

/**
 * A publish body as npm sends it (libnpmpublish): the packument with one version and the tarball
 * as a base64 attachment. The "tarball" is any bytes; the registry checks only its hashes.
 */
export function publishBody(name: string, version: string, opts: { content?: string; tag?: string; description?: string } = {}): Record<string, any> {
  const data = Buffer.from(opts.content ?? `tarball of ${name}@${version}`);
  const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
  const shasum = createHash('sha1').update(data).digest('hex');
  return {
    _id: name,
    name,
    description: opts.description ?? `the ${name} package`,
    'dist-tags': { [opts.tag ?? 'latest']: version },
    versions: {
      [version]: { name, version, description: opts.description ?? `the ${name} package`, main: 'index.js', dist: { integrity, shasum, tarball: `http://example.invalid/${name}/-/${name}-${version}.tgz` } },
    },
    access: null,
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: data.toString('base64'), length: data.length } },
  };
}

/** The URL path of a package (`/@acme%2fwidget` for a scoped one, as npm sends it). */
export const pkgPath = (name: string) => `/${name.replace('/', '%2f')}`;
