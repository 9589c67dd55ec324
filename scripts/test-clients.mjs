#!/usr/bin/env node
// Test clients that cannot be devDependencies: pnpm 12 is a native binary shipped as one optional
// package per platform, and a lockfile that lists them all cannot be installed with `npm ci` from a
// registry that lacks some platform's package. So it is installed here, for this machine's
// platform only, into node_modules/.test-clients (git-ignored, removed by `npm ci`), once: `npm
// test` and `npm run test:verdaccio` run this first. Version pinned; the tests use
// node_modules/.test-clients/node_modules/.bin/pnpm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENTS = { pnpm: '12.23.0' };
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.test-clients');
const installed = (name) => {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};
const wanted = Object.entries(CLIENTS).filter(([name, version]) => installed(name) !== version || !existsSync(join(dir, 'node_modules', '.bin', name)));
if (wanted.length > 0) {
  mkdirSync(dir, { recursive: true });
  const specs = wanted.map(([name, version]) => `${name}@${version}`);
  process.stderr.write(`test clients: installing ${specs.join(', ')} into node_modules/.test-clients\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (const [name, version] of wanted) {
    if (installed(name) !== version) {
      process.stderr.write(`test clients: ${name}@${version} did not install\n`);
      process.exit(1);
    }
  }
}
