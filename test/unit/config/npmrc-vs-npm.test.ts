/**
 * Issue 19: orgctl reads `.npmrc` files the way npm does (npm's own parser, `ini`, then npm's
 * `${VAR}` expansion). Every fixture in test/fixtures/npmrc (inline `;`/`#` comments, sections,
 * quoted values, escapes, environment variables, CRLF, repeated keys) is read by the real
 * `npm config get registry` and by orgctl, as the user `.npmrc` and as a project `.npmrc`; the
 * two must agree, and agree with the value written here.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNpmConfig, npmConfigValue, npmrcTokenFor } from '../../../src/config/npmrc.js';
import { normalizeRegistryUrl, resolveRegistry } from '../../../src/config/registry.js';
import { npmCommand, npmEnv } from '../../helpers/npm.js';
import { ROOT as REPO_ROOT } from '../../helpers/fixtures.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'npmrc');
/** npm's built-in default: what `npm config get registry` prints when no file sets one. */
const NPM_DEFAULT = 'https://registry.npmjs.org/';
const FIXTURE_ENV = { ORGCTL_FIXTURE_HOST: 'env.example', ORGCTL_FIXTURE_SUFFIX: 'istry' };

/** Each fixture and the registry it sets (undefined: none, npm falls back to its default). */
const CASES: [file: string, registry: string | undefined][] = [
  ['inline-comments.npmrc', 'https://inline.example/'],
  ['hash-comment.npmrc', 'https://hash.example/reg/'],
  ['sections.npmrc', 'https://top.example/'],
  ['section-only.npmrc', undefined],
  ['quoted-double.npmrc', 'https://quoted.example/a;b/'],
  ['quoted-single.npmrc', 'https://single.example/#x'],
  ['escaped-comment-chars.npmrc', 'https://escaped.example/a;b#c/'],
  ['env-vars.npmrc', 'https://env.example/r/'],
  ['env-unset.npmrc', 'https://unset.example/${ORGCTL_FIXTURE_UNSET}/'],
  ['env-escaped.npmrc', 'https://env-escaped.example/${ORGCTL_FIXTURE_HOST}/'],
  ['env-in-key.npmrc', 'https://keyenv.example/'],
  ['crlf.npmrc', 'https://crlf.example/'],
  ['duplicate-keys.npmrc', 'https://last.example/'],
];

/** A home, an empty global config, and a project folder (package.json) for one run. */
function layout(fixture: string, as: 'user' | 'project') {
  const root = mkdtempSync(join(tmpdir(), 'orgctl-npmrc-npm-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  mkdirSync(home);
  mkdirSync(join(project, 'lib'), { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name":"fixture"}\n');
  writeFileSync(join(root, 'globalconfig'), '');
  const userconfig = join(home, '.npmrc');
  if (as === 'user') copyFileSync(join(FIXTURES, fixture), userconfig);
  else {
    writeFileSync(userconfig, '');
    copyFileSync(join(FIXTURES, fixture), join(project, '.npmrc'));
  }
  const env = { ...FIXTURE_ENV, HOME: home, npm_config_userconfig: userconfig, npm_config_globalconfig: join(root, 'globalconfig') };
  return { cwd: join(project, 'lib'), env };
}

/** What the real npm resolves, run in the project's lib/ folder. */
function npmRegistry(cwd: string, env: Record<string, string>): string | undefined {
  const [cmd, ...lead] = npmCommand();
  const r = spawnSync(cmd, [...lead, 'config', 'get', 'registry'], { cwd, env: npmEnv(env.HOME!, env), encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`npm config get registry exited ${r.status}: ${r.stderr}`);
  const value = r.stdout.trim();
  return value === NPM_DEFAULT ? undefined : value;
}

/** What orgctl reads, and what it resolves (undefined when nothing sets a registry). */
function orgctlRegistry(cwd: string, env: Record<string, string>): { value?: string; url?: string } {
  const config = loadNpmConfig(env, cwd);
  const value = npmConfigValue(config, 'registry')?.value;
  if (value === undefined) return {};
  return { value, url: resolveRegistry({ env, npm: () => config }).url };
}

describe.each(['user', 'project'] as const)('as the %s .npmrc, orgctl reads the registry npm reads', (as) => {
  it.each(CASES)('%s', (fixture, registry) => {
    const { cwd, env } = layout(fixture, as);
    const fromNpm = npmRegistry(cwd, env);
    expect(fromNpm).toBe(registry);
    const fromOrgctl = orgctlRegistry(cwd, env);
    expect(fromOrgctl.value).toBe(fromNpm);
    expect(fromOrgctl.url).toBe(fromNpm === undefined ? undefined : normalizeRegistryUrl(fromNpm, 'npm'));
  });
});

describe('the token lookup reads the same files the same way', () => {
  it.each([
    ['inline-comments.npmrc', 'https://inline.example/', 'npm_inlineToken'],
    ['crlf.npmrc', 'https://crlf.example/', 'npm_crlf'],
    // Inside [other]: npm does not read it as the token of //top.example/, and neither does orgctl.
    ['sections.npmrc', 'https://top.example/', undefined],
  ])('%s: the token for %s', (fixture, url, token) => {
    const { cwd, env } = layout(fixture, 'user');
    expect(npmrcTokenFor(loadNpmConfig(env, cwd), url)?.token).toBe(token);
  });
});
