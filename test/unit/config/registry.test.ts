import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, isSecureForCredentials, normalizeRegistryUrl, resolveRegistry } from '../../../src/config/registry.js';
import { ExitCode, UsageError } from '../../../src/errors.js';
import type { NpmConfig } from '../../../src/config/npmrc.js';

const npm = (registry?: string, env: NodeJS.ProcessEnv = {}) => (): NpmConfig => ({
  env,
  files: registry ? [{ path: '/proj/.npmrc', scope: 'project', values: { registry } }] : [],
});

describe('resolveRegistry', () => {
  it('--registry beats ORGCTL_REGISTRY beats npm config', () => {
    const env = { ORGCTL_REGISTRY: 'http://env.example' };
    expect(resolveRegistry({ flag: 'http://flag.example', env, npm: npm('http://npm.example/') })).toEqual({
      url: 'http://flag.example/',
      source: '--registry',
    });
    expect(resolveRegistry({ env, npm: npm('http://npm.example/') })).toEqual({ url: 'http://env.example/', source: 'ORGCTL_REGISTRY' });
    expect(resolveRegistry({ env: {}, npm: npm('http://npm.example/reg') })).toEqual({
      url: 'http://npm.example/reg/',
      source: '/proj/.npmrc',
      projectFile: '/proj/.npmrc',
    });
  });

  it('with nothing configured, is a usage error (exit 2) that says how to set one', () => {
    const err = (() => {
      try {
        resolveRegistry({ env: {}, npm: npm() });
      } catch (e) {
        return e;
      }
    })() as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.hint).toMatch(/--registry <url>.*ORGCTL_REGISTRY.*registry=<url>/);
  });

  it('only reads npm config when needed', () => {
    let read = 0;
    resolveRegistry({ flag: 'https://r.example', env: {}, npm: () => (read++, { env: {}, files: [] }) });
    expect(read).toBe(0);
  });

  it('normalises and validates URLs', () => {
    expect(normalizeRegistryUrl('https://r.example/path?x=1#h', 'x')).toBe('https://r.example/path/');
    expect(() => normalizeRegistryUrl('ftp://r.example/', 'x')).toThrow(UsageError);
    expect(() => normalizeRegistryUrl('not a url', 'x')).toThrow(/invalid registry URL/);
    expect(() => normalizeRegistryUrl('https://u:p@r.example/', 'x')).toThrow(/credentials/);
  });
});

describe('loopback and transport rules', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['::2', false],
  ])('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('allows https anywhere and http only to loopback', () => {
    expect(isSecureForCredentials('https://r.example/')).toBe(true);
    expect(isSecureForCredentials('http://127.0.0.1:4873/')).toBe(true);
    expect(isSecureForCredentials('http://[::1]:4873/')).toBe(true);
    expect(isSecureForCredentials('http://r.example/')).toBe(false);
  });
});
