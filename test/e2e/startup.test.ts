/** Startup is a feature: cheap invocations must not load the heavy modules. */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, REPO_ROOT, isolatedDirs, isolatedEnv } from '../helpers/run-cli.js';

const HEAVY = ['undici', 'conf', '@inquirer', 'ora', 'otplib', 'qrcode-terminal'];

function importsOf(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const r = spawnSync(process.execPath, ['--import', join(REPO_ROOT, 'test', 'helpers', 'trace-imports.mjs'), CLI, ...args], {
    env: isolatedEnv(isolatedDirs(), env),
    encoding: 'utf8',
  });
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('IMPORT '))
    .map((l) => l.slice('IMPORT '.length));
}

const heavyIn = (urls: string[]) => HEAVY.filter((h) => urls.some((u) => u.includes(`/node_modules/${h}/`)));

describe('lazy imports', () => {
  it.each([[['--version']], [['--help']], [['whoami', '--help']], [['whoami']]])('`orgctl %j` loads none of the heavy modules', (args) => {
    const urls = importsOf(args);
    expect(urls.some((u) => u.includes('/node_modules/commander/'))).toBe(true); // the tracer works
    expect(heavyIn(urls)).toEqual([]);
  });

  it('a command loads only what it uses: the token store (conf) to look for a token, undici to send it', () => {
    const noToken = heavyIn(importsOf(['whoami'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/' }));
    expect(noToken).toEqual(['conf']); // looked in the store, found nothing, never built a client
    const withToken = heavyIn(importsOf(['whoami'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/', ORGCTL_TOKEN: 'x' }));
    expect(withToken).toEqual(['undici']); // ORGCTL_TOKEN wins, so the store is never opened
  });
});
