import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Just enough of npm's configuration to find a registry and a token, read the way npm 11 reads it
 * (@npmcli/config, npm-registry-fetch lib/auth.js). Synchronous and dependency-free on purpose:
 * it runs on every command that talks to a registry, and `orgctl --version` must not pay for it.
 */

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
 * Parses the subset of the ini format that `.npmrc` files use: `key = value` lines, `;` and `#`
 * comments, optional quotes. Section headers are ignored (npm does not use them).
 */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = unquote(line.slice(0, eq).trim());
    const value = unquote(line.slice(eq + 1).trim());
    out[envReplace(key, env)] = envReplace(value, env);
  }
  return out;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) {
    if (s.startsWith('"')) {
      try {
        return JSON.parse(s) as string;
      } catch {
        /* fall through: keep the inner text */
      }
    }
    return s.slice(1, -1);
  }
  return s;
}

/** npm's nerf-dart: `https://host:8443/reg/x` → `//host:8443/reg/` (@npmcli/config lib/nerf-dart.js). */
export function nerfDart(url: string): string {
  const parsed = new URL(url);
  const rel = new URL('.', `${parsed.protocol}//${parsed.host}${parsed.pathname}`);
  return `//${rel.host}${rel.pathname}`;
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
