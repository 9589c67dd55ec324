import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, confTokenStore, memoryTokenStore } from '../../../src/auth/token-store.js';
import { resolveToken } from '../../../src/auth/credentials.js';
import type { NpmConfig } from '../../../src/config/npmrc.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('confTokenStore', () => {
  it('stores tokens per registry URL in a 0600 file inside a 0700 folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'orgctl-store-')), 'nested', 'orgctl');
    const store = await confTokenStore(dir);
    await store.set('http://127.0.0.1:4873/', { token: 'A', username: 'alice' });
    await store.set('https://r.example.com/reg/', { token: 'B' });
    expect(store.location).toBe(join(dir, 'credentials.json'));
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.location!)).toBe(0o600);
    // Dotted URLs are whole keys, not nested paths.
    expect(JSON.parse(readFileSync(store.location!, 'utf8'))).toEqual({
      'http://127.0.0.1:4873/': { token: 'A', username: 'alice' },
      'https://r.example.com/reg/': { token: 'B' },
    });
    const again = await confTokenStore(dir);
    expect(await again.get('http://127.0.0.1:4873/')).toEqual({ token: 'A', username: 'alice' });
    expect(await again.delete('http://127.0.0.1:4873/')).toBe(true);
    expect(await again.delete('http://127.0.0.1:4873/')).toBe(false);
    expect(await again.get('http://127.0.0.1:4873/')).toBeUndefined();
  });

  it('tightens an existing folder that was too open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-open-'));
    chmodSync(dir, 0o755);
    const store = await confTokenStore(dir);
    await store.set('https://r.example/', { token: 'x' });
    expect(mode(dir)).toBe(0o700);
  });

  it('uses ORGCTL_CONFIG_DIR, else XDG_CONFIG_HOME/orgctl, else ~/.config/orgctl', () => {
    expect(configDir({ ORGCTL_CONFIG_DIR: '/a/b', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/a/b');
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe(join('/x', 'orgctl'));
    expect(configDir({ HOME: '/h' })).toBe(join('/h', '.config', 'orgctl'));
  });
});

describe('resolveToken order', () => {
  const registry = 'http://127.0.0.1:4873/';
  const npm = (): NpmConfig => ({ env: {}, files: [{ path: '/home/u/.npmrc', scope: 'user', values: { '//127.0.0.1:4873/:_authToken': 'NPMRC' } }] });

  it('ORGCTL_TOKEN > stored token > .npmrc token', async () => {
    const store = memoryTokenStore({ [registry]: { token: 'STORED', username: 'alice' } });
    expect(await resolveToken({ registry, env: { ORGCTL_TOKEN: 'ENV' }, store: async () => store, npm })).toEqual({
      token: 'ENV',
      source: 'ORGCTL_TOKEN',
    });
    expect(await resolveToken({ registry, env: {}, store: async () => store, npm })).toMatchObject({ token: 'STORED', source: 'orgctl login' });
    expect(await resolveToken({ registry, env: {}, store: async () => memoryTokenStore(), npm })).toEqual({
      token: 'NPMRC',
      source: '.npmrc',
      file: '/home/u/.npmrc',
      key: '//127.0.0.1:4873/:_authToken',
    });
  });

  it('a token stored for another registry is not used', async () => {
    const store = memoryTokenStore({ 'http://127.0.0.1:9999/': { token: 'OTHER' } });
    expect(await resolveToken({ registry, env: {}, store: async () => store, npm: () => ({ env: {}, files: [] }) })).toBeUndefined();
  });
});
