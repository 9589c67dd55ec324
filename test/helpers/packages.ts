/**
 * Job: package documents for the package-route tests: publishBody(name, version, opts) as npm
 * sends it, pkgPath(name) as npm puts it in a URL, packageDir(root, name, version) a folder for
 * `npm publish`.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/**
 * Writes a package folder (`package.json`, an `index.js` exporting `name@version`, and `extra`
 * files) under `root` and returns its name, relative to `root`, as `./src-…` for `npm publish`.
 */
export async function packageDir(root: string, name: string, version: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = `src-${name.replace(/[@/]/g, '_')}-${version}`;
  await mkdir(join(root, dir), { recursive: true });
  await writeFile(join(root, dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js', description: `${name} for tests`, license: 'MIT' }));
  await writeFile(join(root, dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  for (const [file, content] of Object.entries(extra)) await writeFile(join(root, dir, file), content);
  return `./${dir}`;
}
