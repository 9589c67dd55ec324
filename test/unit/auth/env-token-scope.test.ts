/**
 * Finding "`ORGCTL_TOKEN` is sent to whatever registry an untrusted project `.npmrc` names": which
 * registries count as chosen by the user, and the refusal (exit 2) for the others.
 * test/e2e/env-token-registry.test.ts checks it with the built CLI and a recording server.
 */
import { describe, expect, it } from '@jest/globals';
import { resolveRegistry } from '../../../src/config/registry.js';
import { resolveToken } from '../../../src/auth/credentials.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { ExitCode, UsageError } from '../../../src/errors.js';
import type { NpmConfig } from '../../../src/config/npmrc.js';

const project = { path: '/home/dev/proj/.npmrc', scope: 'project' as const, values: { registry: 'https://theirs.example/' } };
const user = { path: '/home/u/.npmrc', scope: 'user' as const, values: { registry: 'https://mine.example/' } };
const npm = (files: NpmConfig['files'], env: NodeJS.ProcessEnv = {}) => () => ({ env, files });

describe('the registry records whether a project .npmrc chose it', () => {
  it('project .npmrc: projectFile is that file', () => {
    expect(resolveRegistry({ env: {}, npm: npm([project, user]) })).toEqual({
      url: 'https://theirs.example/',
      source: project.path,
      projectFile: project.path,
    });
  });

  it.each([
    ['--registry', { flag: 'https://theirs.example/', env: {}, npm: npm([project]) }, '--registry'],
    ['ORGCTL_REGISTRY', { env: { ORGCTL_REGISTRY: 'https://theirs.example/' }, npm: npm([project]) }, 'ORGCTL_REGISTRY'],
    ['npm_config_registry', { env: {}, npm: npm([project], { npm_config_registry: 'https://theirs.example/' }) }, 'npm_config_registry'],
  ])('%s: chosen by the user, no projectFile', (_name, input, source) => {
    expect(resolveRegistry(input)).toEqual({ url: 'https://theirs.example/', source });
  });

  it('the user .npmrc: chosen by the user, no projectFile', () => {
    expect(resolveRegistry({ env: {}, npm: npm([user]) })).toEqual({ url: 'https://mine.example/', source: user.path });
  });
});

describe('resolveToken with ORGCTL_TOKEN', () => {
  const store = async () => memoryTokenStore({ 'https://theirs.example/': { token: 'STORED' } });

  it('refuses (exit 2) for a registry named by the project .npmrc, naming the file; no other token is used instead', async () => {
    const run = resolveToken({ registry: 'https://theirs.example/', projectFile: project.path, env: { ORGCTL_TOKEN: 'ENV' }, store, npm: npm([project]) });
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toMatchObject({
      exitCode: ExitCode.Usage,
      message: `refusing to send ORGCTL_TOKEN to https://theirs.example/: that registry is named by the project file ${project.path}.`,
    });
  });

  it('sends it to a registry the user chose', async () => {
    expect(await resolveToken({ registry: 'https://theirs.example/', env: { ORGCTL_TOKEN: 'ENV' }, store, npm: npm([project]) })).toEqual({
      token: 'ENV',
      source: 'ORGCTL_TOKEN',
    });
  });

  it('without ORGCTL_TOKEN, a project-named registry still gets its stored token', async () => {
    expect(await resolveToken({ registry: 'https://theirs.example/', projectFile: project.path, env: {}, store, npm: npm([project]) })).toMatchObject({
      token: 'STORED',
      source: 'orgctl login',
    });
  });
});
