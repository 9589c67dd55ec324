/**
 * The plugin's start-up check: everything Verdaccio's config must get right, checked synchronously
 * while Verdaccio builds its app, so a bad config stops Verdaccio at start with the reason instead
 * of answering 401, 404 or 500 to every request later.
 *
 * - One store: the plugin is listed under both `auth:` and `middlewares:` as `orgctl`, and both
 *   sections name the same `data:` folder (relative paths from the config file's folder).
 * - The data folder is a folder (created when missing) this process can create files in.
 * - The `seed:` file (auth section) is readable, JSON, and a valid seed; `signup:` (auth section)
 *   is open, closed or invite; `smtp:` and `mailFrom:` (auth section) are a usable SMTP URL and sender;
 *   `publicUrl:` (auth section), the URL browsers reach Verdaccio at, can bind security keys.
 *
 * Verdaccio swallows errors thrown while it loads a plugin (it logs them and runs without it), so
 * the plugin keeps the error and throws it from the hooks Verdaccio calls synchronously while it
 * builds the app (`apiJWTmiddleware`, `register_middlewares`): Verdaccio's start then fails.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { validateSeed, type Seed } from '../server/core/seed.js';
import { isSignupPolicy, type SignupPolicy } from '../shared/names.js';
import { MailConfigError, parseMailFrom, parseSmtpUrl } from '../server/mail/config.js';
import { PublicUrlError, relyingParty } from '../server/core/webauthn-challenges.js';

/** The plugin's id in Verdaccio's `auth:` and `middlewares:` sections (folder verdaccio-orgctl). */
export const PLUGIN_ID = 'orgctl';

export class PluginConfigError extends Error {
  constructor(message: string) {
    super(`verdaccio-orgctl: ${message}`);
    this.name = 'PluginConfigError';
  }
}

/** The parts of Verdaccio's parsed config read here. */
export interface VerdaccioConfig {
  configPath?: string;
  self_path?: string;
  config_path?: string;
  auth?: Record<string, unknown> | null;
  middlewares?: Record<string, unknown> | null;
}

export interface CheckedConfig {
  /** the data folder, absolute */
  dataDir: string;
  /** the parsed, validated seed of `auth.orgctl.seed`, if any */
  seed?: Seed;
  /** who may sign up: `auth.orgctl.signup` (default open) */
  signup: SignupPolicy;
  /** `auth.orgctl.smtp` and `auth.orgctl.mailFrom` (as `registry serve --smtp/--mail-from`), checked */
  mail: { smtp?: string; mailFrom?: string };
  /** `auth.orgctl.publicUrl`: security keys' relying party (without it, security keys are off in Verdaccio) */
  publicUrl?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The config file's folder: relative `data:` and `seed:` paths start there. */
export function configBase(config: VerdaccioConfig): string {
  const file = config.configPath ?? config.self_path ?? config.config_path;
  return file ? path.dirname(file) : process.cwd();
}

/** `section.orgctl` of `auth` or `middlewares`: undefined when not listed, {} when listed empty. */
function sectionOf(config: VerdaccioConfig, half: 'auth' | 'middlewares'): Record<string, unknown> | undefined {
  const list = config[half];
  if (!isObject(list) || !(PLUGIN_ID in list)) return undefined;
  const s = list[PLUGIN_ID];
  return isObject(s) ? s : {};
}

const SHAPE = `auth: { ${PLUGIN_ID}: { data: ./orgctl-data } } and middlewares: { ${PLUGIN_ID}: { data: ./orgctl-data } }`;

/** Both halves listed, each with the same `data:`; returns the absolute data folder. */
function checkHalves(config: VerdaccioConfig, base: string): string {
  const auth = sectionOf(config, 'auth');
  const mw = sectionOf(config, 'middlewares');
  if (!auth) throw new PluginConfigError(`the plugin is listed under \`middlewares:\` but not under \`auth:\`; both halves are needed, with the same \`data:\` folder: ${SHAPE}`);
  if (!mw) throw new PluginConfigError(`the plugin is listed under \`auth:\` but not under \`middlewares:\`; both halves are needed, with the same \`data:\` folder: ${SHAPE}`);
  for (const [half, s] of [['auth', auth], ['middlewares', mw]] as const) {
    if (typeof s.data !== 'string' || s.data.trim() === '') {
      throw new PluginConfigError(`set \`data:\` (orgctl's data folder) under ${half}.${PLUGIN_ID}; both halves name the same folder: ${SHAPE}`);
    }
  }
  const a = path.resolve(base, auth.data as string);
  const m = path.resolve(base, mw.data as string);
  if (a !== m) {
    throw new PluginConfigError(
      `auth.${PLUGIN_ID}.data (${a}) and middlewares.${PLUGIN_ID}.data (${m}) name different folders; both halves must share one store: set the same \`data:\` in both sections`,
    );
  }
  return a;
}

/** The data folder exists (or is created) as a folder, and this process can create files in it. */
function checkDataFolder(dir: string): void {
  let isDir: boolean | null = null;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PluginConfigError(`cannot use the data folder ${dir}: ${errCode(e)}`);
  }
  if (isDir === false) throw new PluginConfigError(`the data folder ${dir} is a file, not a folder; set \`data:\` to a folder (it is created when missing)`);
  if (isDir === null) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new PluginConfigError(`cannot create the data folder ${dir}: ${errCode(e)}`);
    }
  }
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    unlinkSync(probe);
  } catch (e) {
    throw new PluginConfigError(`the data folder ${dir} is not writable by this process: ${errCode(e)}`);
  }
}

/** Reads and validates the seed file; every error says it is the seed's. */
function readSeed(file: string): Seed {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PluginConfigError(`cannot read the seed file ${file} (auth.${PLUGIN_ID}.seed): ${errCode(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PluginConfigError(`the seed file ${file} (auth.${PLUGIN_ID}.seed) is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return validateSeed(raw);
  } catch (e) {
    throw new PluginConfigError(`the seed file ${file} (auth.${PLUGIN_ID}.seed) is invalid: ${(e as Error).message}`);
  }
}

/** Checks Verdaccio's config for the plugin; throws a PluginConfigError naming the fix. */
export function checkConfig(config: VerdaccioConfig): CheckedConfig {
  const base = configBase(config);
  const dataDir = checkHalves(config, base);
  const seedPath = sectionOf(config, 'auth')?.seed;
  if (seedPath !== undefined && (typeof seedPath !== 'string' || seedPath.trim() === '')) {
    throw new PluginConfigError(`auth.${PLUGIN_ID}.seed must be the path of a seed file`);
  }
  // The seed first: a bad seed must not leave a new, empty data folder behind.
  const signup = sectionOf(config, 'auth')?.signup ?? 'open';
  if (!isSignupPolicy(signup)) throw new PluginConfigError(`\`signup:\` must be open, closed or invite, got ${JSON.stringify(signup)}`);
  // A bad `smtp:` or `mailFrom:` stops Verdaccio at start (the message never holds the password).
  const auth = sectionOf(config, 'auth')!;
  const mail = { smtp: auth.smtp === undefined ? undefined : String(auth.smtp), mailFrom: auth.mailFrom === undefined ? undefined : String(auth.mailFrom) };
  try {
    if (mail.smtp !== undefined) parseSmtpUrl(mail.smtp, 'smtp');
    if (mail.mailFrom !== undefined) parseMailFrom(mail.mailFrom, 'mailFrom');
  } catch (e) {
    if (e instanceof MailConfigError) throw new PluginConfigError(e.message);
    throw e;
  }
  const publicUrl = auth.publicUrl === undefined ? undefined : String(auth.publicUrl);
  try {
    if (publicUrl !== undefined) relyingParty(publicUrl);
  } catch (e) {
    if (e instanceof PublicUrlError) throw new PluginConfigError(`\`publicUrl:\` (auth.${PLUGIN_ID}.publicUrl): ${e.message}`);
    throw e;
  }
  const seed = seedPath ? readSeed(path.resolve(base, seedPath)) : undefined;
  checkDataFolder(dataDir);
  return { dataDir, seed, signup, mail, publicUrl };
}
