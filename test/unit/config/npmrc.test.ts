import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  envReplace,
  loadNpmConfig,
  npmConfigValue,
  npmrcTokenFor,
  parseNpmrc,
  projectNpmrcPath,
  type NpmConfig,
} from '../../../src/config/npmrc.js';

const cfg = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}): NpmConfig => ({ files: [{ path: 'user', scope: 'user', values }], env });

describe('.npmrc parsing', () => {
  it('reads key=value lines, skips comments and what is inside sections, unquotes values', () => {
    const text = '; comment\n# another\nregistry = http://r.example/ \n//h/:_authToken="tok en"\nbad line\nk=\'v\'\n[section]\nregistry=http://section.example/\n';
    expect(parseNpmrc(text, {})).toEqual({ registry: 'http://r.example/', '//h/:_authToken': 'tok en', k: 'v' });
  });

  it('expands ${VAR} in keys and values like npm, keeps unset ${VAR}, empties unset ${VAR?}, honours \\ escapes', () => {
    const env = { TOK: 'secret', HOST: 'h.example' };
    expect(envReplace('${TOK}', env)).toBe('secret');
    expect(envReplace('a-${MISSING}-b', env)).toBe('a-${MISSING}-b');
    expect(envReplace('a-${MISSING?}-b', env)).toBe('a--b');
    expect(envReplace('\\${TOK}', env)).toBe('${TOK}');
    expect(parseNpmrc('//${HOST}/:_authToken=${TOK}', env)).toEqual({ '//h.example/:_authToken': 'secret' });
  });

});

describe('npmrcTokenFor (nerf-dart lookup)', () => {
  it('takes the longest matching key', () => {
    const c = cfg({ '//h:4873/:_authToken': 'short', '//h:4873/reg/:_authToken': 'long', '//h:4873/reg/deeper/:_authToken': 'other' });
    expect(npmrcTokenFor(c, 'http://h:4873/reg/')?.token).toBe('long');
    expect(npmrcTokenFor(c, 'http://h:4873/reg/')?.key).toBe('//h:4873/reg/:_authToken');
  });

  it('walks up to the host key when only the host has a token (npm: //localhost:4873/ serves /reg/)', () => {
    expect(npmrcTokenFor(cfg({ '//h:4873/:_authToken': 'T' }), 'http://h:4873/reg/')?.token).toBe('T');
  });

  it('also matches the slash-less form //host/path:_authToken', () => {
    expect(npmrcTokenFor(cfg({ '//h/reg:_authToken': 'T' }), 'https://h/reg/')?.token).toBe('T');
  });

  it('does not match another port or host, nor a top-level _authToken', () => {
    const c = cfg({ '//h:1/:_authToken': 'A', '//other/:_authToken': 'B', _authToken: 'C' });
    expect(npmrcTokenFor(c, 'http://h:2/')).toBeUndefined();
  });

  it('uses ${ENV} tokens, and skips ones whose variable is unset', () => {
    const withVar: NpmConfig = { files: [{ path: 'u', scope: 'user', values: parseNpmrc('//h/:_authToken=${MY_TOK}', { MY_TOK: 'fromenv' }) }], env: {} };
    expect(npmrcTokenFor(withVar, 'https://h/')?.token).toBe('fromenv');
    const without: NpmConfig = { files: [{ path: 'u', scope: 'user', values: parseNpmrc('//h/:_authToken=${MY_TOK}', {}) }], env: {} };
    expect(npmrcTokenFor(without, 'https://h/')).toBeUndefined();
  });

  it('prefers the project file over the user file for the same key', () => {
    const c: NpmConfig = {
      env: {},
      files: [
        { path: 'project', scope: 'project', values: { '//h/:_authToken': 'P' } },
        { path: 'user', scope: 'user', values: { '//h/:_authToken': 'U' } },
      ],
    };
    expect(npmrcTokenFor(c, 'https://h/')).toEqual({ token: 'P', key: '//h/:_authToken', source: 'project' });
  });
});

describe('loading the files', () => {
  it('reads the project .npmrc (nearest package.json) and the user .npmrc from npm_config_userconfig', () => {
    const root = mkdtempSync(join(tmpdir(), 'orgctl-npmrc-'));
    const project = join(root, 'proj');
    const sub = join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    writeFileSync(join(project, '.npmrc'), 'registry=http://project.example/\n');
    writeFileSync(join(root, 'user.npmrc'), 'registry=http://user.example/\n//user.example/:_authToken=${UT}\n');
    expect(projectNpmrcPath(sub)).toBe(join(project, '.npmrc'));
    const env = { npm_config_userconfig: join(root, 'user.npmrc'), UT: 'user-token' };
    const c = loadNpmConfig(env, sub);
    expect(c.files.map((f) => [f.path, f.scope])).toEqual([
      [join(project, '.npmrc'), 'project'],
      [join(root, 'user.npmrc'), 'user'],
    ]);
    expect(npmConfigValue(c, 'registry')).toEqual({ value: 'http://project.example/', source: join(project, '.npmrc'), file: c.files[0] });
    expect(npmrcTokenFor(c, 'http://user.example/')?.token).toBe('user-token');
    // npm_config_registry (any case) beats both files, as in npm.
    expect(npmConfigValue({ ...c, env: { NPM_CONFIG_REGISTRY: 'http://env.example/' } }, 'registry')?.value).toBe('http://env.example/');
  });

  it('falls back to ~/.npmrc and tolerates missing files', () => {
    const home = mkdtempSync(join(tmpdir(), 'orgctl-home-'));
    writeFileSync(join(home, '.npmrc'), 'registry=http://home.example/\n');
    // A package.json makes home the project folder, whatever lies above the temp folder.
    writeFileSync(join(home, 'package.json'), '{}');
    const c = loadNpmConfig({ HOME: home }, join(home, 'nowhere'));
    expect(npmConfigValue(c, 'registry')?.value).toBe('http://home.example/');
    // ~/.npmrc is the user file; as the project file it is the same file, so it is read once.
    expect(c.files).toEqual([{ path: join(home, '.npmrc'), scope: 'user', values: { registry: 'http://home.example/' } }]);
    // The user file (HOME/missing/.npmrc) does not exist: only the project file is read.
    expect(loadNpmConfig({ HOME: join(home, 'missing') }, home).files).toEqual([
      { path: join(home, '.npmrc'), scope: 'project', values: { registry: 'http://home.example/' } },
    ]);
  });
});
