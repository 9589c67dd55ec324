import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * Just enough of npm's configuration to find a registry and a token, read the way npm 11 reads it
 * (@npmcli/config, npm-registry-fetch lib/auth.js): files are parsed by `ini`, npm's own parser
 * (the version npm 11 ships), then npm's `${VAR}` expansion is applied. Synchronous: this runs on
 * every command that talks to a registry.
 */

let ini: typeof import('ini') | undefined;
/**
 * `ini` is loaded on first use, when there is an `.npmrc` to read (with `--registry` or
 * ORGCTL_REGISTRY and ORGCTL_TOKEN, none is), and with `require`: it is CommonJS, and loading it
 * through the ES module loader costs more memory than the parser itself.
 */
function parseIni(text: string): Record<string, unknown> {
  ini ??= createRequire(import.meta.url)('ini') as typeof import('ini');
  return ini.parse(text);
}

/** One `.npmrc` file after `${ENV}` expansion of keys and values. */
export interface NpmrcFile {
  path: string;
  /**
   * `project`: the working tree's `.npmrc`, which whoever can commit to the project writes;
   * `user`: the user's own (`npm_config_userconfig` or `~/.npmrc`).
   */
  scope: 'project' | 'user';
  values: Record<string, string>;
}

/** The npm config orgctl cares about: the project and user files, and the environment. */
export interface NpmConfig {
  /** Files in precedence order (project first, then user); only files that exist. */
  files: NpmrcFile[];
  env: NodeJS.ProcessEnv;
}

/**
 * npm's `${VAR}` / `${VAR?}` expansion (@npmcli/config lib/env-replace.js): an unset `${VAR}` stays
 * as written, an unset `${VAR?}` becomes empty, and a backslash escapes the `$`.
 */
export function envReplace(s: string, env: NodeJS.ProcessEnv): string {
  return s.replace(/(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g, (orig, esc: string, name: string, modifier?: string) => {
    const fallback = modifier === '?' ? '' : `\${${name}}`;
    const val = env[name] !== undefined ? env[name]! : fallback;
    if (esc.length % 2) return orig.slice((esc.length + 1) / 2);
    return esc.slice(esc.length / 2) + val;
  });
}

/**
 * The settings of one `.npmrc` text, as npm reads them: `ini` parses it (`;` and `#` comments,
 * also at the end of a value; quoted values; `\;` and `\#` escapes), then keys and values get
 * `${VAR}` expansion. Only top-level string settings are kept: npm reads nothing inside a
 * `[section]`, and `true`/`false`/`null` values (which `ini` turns into those) are no registry
 * or token.
 */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseIni(text))) {
    if (typeof value === 'string') out[envReplace(key, env)] = envReplace(value.trim(), env);
  }
  return out;
}

/** Case-insensitive read of an `npm_config_*` variable, as npm does. */
export function npmEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = `npm_config_${name}`.toLowerCase();
  for (const [k, v] of Object.entries(env)) {
    if (k.toLowerCase() === wanted && v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** The user config file: `npm_config_userconfig`, else `~/.npmrc`. */
export function userNpmrcPath(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = npmEnv(env, 'userconfig');
  if (explicit) return resolve(expandHome(explicit, env));
  const home = env.HOME ?? env.USERPROFILE;
  return home ? join(home, '.npmrc') : undefined;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME ?? env.USERPROFILE;
  return home && (p === '~' || p.startsWith('~/')) ? join(home, p.slice(1)) : p;
}

/**
 * The project config file: `.npmrc` in npm's "local prefix", the nearest directory at or above
 * `cwd` that holds a package.json or node_modules (else `cwd` itself).
 */
export function projectNpmrcPath(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    if (exists(join(dir, 'package.json')) || exists(join(dir, 'node_modules'))) return join(dir, '.npmrc');
    const up = dirname(dir);
    if (up === dir) return join(resolve(cwd), '.npmrc');
    dir = up;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function readNpmrc(path: string, scope: NpmrcFile['scope'], env: NodeJS.ProcessEnv): NpmrcFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return { path, scope, values: parseNpmrc(text, env) };
}

/** Loads the project and user `.npmrc` (the project file is skipped when it is the user file, like npm). */
export function loadNpmConfig(env: NodeJS.ProcessEnv, cwd: string): NpmConfig {
  const user = userNpmrcPath(env);
  const project = projectNpmrcPath(cwd);
  const files: NpmrcFile[] = [];
  if (project !== user) {
    const p = readNpmrc(project, 'project', env);
    if (p) files.push(p);
  }
  if (user) {
    const u = readNpmrc(user, 'user', env);
    if (u) files.push(u);
  }
  return { files, env };
}

/**
 * The value npm would use for a key: environment (`npm_config_<key>`) over the project file over
 * the user file. `source` names where it came from; `file` is set when that was a file.
 */
export function npmConfigValue(config: NpmConfig, key: string): { value: string; source: string; file?: NpmrcFile } | undefined {
  const fromEnv = npmEnv(config.env, key.replace(/-/g, '_'));
  if (fromEnv) return { value: fromEnv, source: `npm_config_${key.replace(/-/g, '_')}` };
  for (const f of config.files) {
    const v = f.values[key];
    if (v !== undefined && v !== '') return { value: v, source: f.path, file: f };
  }
  return undefined;
}

/**
 * Finds the `_authToken` npm would send to `url`: starting from `//host[:port]/path`, walk up one
 * segment or one slash at a time and take the longest key that has a token (npm-registry-fetch
 * `regFromURI`). Returns the key and the file it came from.
 */
export function npmrcTokenFor(
  config: NpmConfig,
  url: string,
): { token: string; key: string; source: string } | undefined {
  const parsed = new URL(url);
  let regKey = `//${parsed.host}${parsed.pathname}`;
  while (regKey.length > '//'.length) {
    const key = `${regKey}:_authToken`;
    for (const f of config.files) {
      const token = f.values[key];
      if (token && !/\$\{[^}]+\}/.test(token)) return { token, key, source: f.path };
    }
    regKey = regKey.replace(/([^/]+|\/)$/, '');
  }
  return undefined;
}
