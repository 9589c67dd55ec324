import { UsageError } from '../errors.js';
import { npmConfigValue, type NpmConfig } from './npmrc.js';

/** Where the registry URL came from, for messages and `--json` output. */
export interface ResolvedRegistry {
  /** Normalised: http(s), no query or hash, ends with `/`. */
  url: string;
  source: string;
  /**
   * Set when the URL came from the project `.npmrc`: a file in the working tree, written by
   * whoever can commit to the project, not chosen by the user (ORGCTL_TOKEN is not sent there).
   */
  projectFile?: string;
}

export const REGISTRY_HINT =
  'Set one with --registry <url>, the ORGCTL_REGISTRY environment variable, or `registry=<url>` in an .npmrc file.';

/**
 * Resolves the registry: `--registry` > `ORGCTL_REGISTRY` > npm's config (`npm_config_registry`,
 * then `registry=` in the project `.npmrc`, then in the user `.npmrc`). There is no built-in
 * default: orgctl never talks to a public registry unless told to.
 */
export function resolveRegistry(input: {
  flag?: string;
  env: NodeJS.ProcessEnv;
  npm: () => NpmConfig;
}): ResolvedRegistry {
  if (input.flag) return { url: normalizeRegistryUrl(input.flag, '--registry'), source: '--registry' };
  const fromEnv = input.env.ORGCTL_REGISTRY;
  if (fromEnv) return { url: normalizeRegistryUrl(fromEnv, 'ORGCTL_REGISTRY'), source: 'ORGCTL_REGISTRY' };
  const fromNpm = npmConfigValue(input.npm(), 'registry');
  if (fromNpm) {
    const url = normalizeRegistryUrl(fromNpm.value, fromNpm.source);
    return fromNpm.file?.scope === 'project' ? { url, source: fromNpm.source, projectFile: fromNpm.file.path } : { url, source: fromNpm.source };
  }
  throw new UsageError('no registry configured.', REGISTRY_HINT);
}

/** Validates and normalises a registry URL; a bad one is a usage error naming where it came from. */
export function normalizeRegistryUrl(raw: string, source: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new UsageError(`invalid registry URL ${JSON.stringify(raw)} (from ${source}).`, 'Use a full URL such as https://registry.example.com/');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`invalid registry URL ${JSON.stringify(raw)} (from ${source}): only http and https are supported.`);
  }
  if (u.username || u.password) {
    throw new UsageError(`invalid registry URL (from ${source}): do not put credentials in the URL.`, 'Use orgctl login or ORGCTL_TOKEN instead.');
  }
  u.search = '';
  u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.toString();
}

/** Loopback hosts: 127.0.0.0/8, ::1 and localhost (plus *.localhost, which resolves to loopback). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!m && Number(m[1]) === 127 && m.slice(2).every((p) => Number(p) <= 255);
}

/** True when credentials may be sent to `url`: https anywhere, plain http only to loopback. */
export function isSecureForCredentials(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && isLoopbackHost(u.hostname);
}
