import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** What orgctl remembers per registry after `orgctl login`. */
export interface StoredCredential {
  token: string;
  username?: string;
}

/** Tokens keyed by normalised registry URL. */
export interface TokenStore {
  get(registry: string): Promise<StoredCredential | undefined>;
  set(registry: string, cred: StoredCredential): Promise<void>;
  /** Returns true when something was removed. */
  delete(registry: string): Promise<boolean>;
  /** Where the tokens live, for messages (undefined for in-memory stores). */
  readonly location?: string;
}

/**
 * The folder orgctl keeps its state in: `ORGCTL_CONFIG_DIR` when set, else
 * `$XDG_CONFIG_HOME/orgctl`, else `~/.config/orgctl`.
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.ORGCTL_CONFIG_DIR) return env.ORGCTL_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME ?? env.USERPROFILE ?? '.', '.config');
  return join(base, 'orgctl');
}

export const CREDENTIALS_FILE = 'credentials.json';

type Shape = Record<string, StoredCredential>;

/**
 * A conf-backed store: `<configDir>/credentials.json`, file mode 0600, folder mode 0700. conf is
 * imported lazily so commands that never touch credentials do not pay for it.
 */
export async function confTokenStore(dir: string): Promise<TokenStore> {
  // conf creates the folder with the default mode; create it first so it is private from the start,
  // and tighten it if it already existed.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const { default: Conf } = await import('conf');
  const conf = new Conf<Shape>({
    cwd: dir,
    configName: 'credentials',
    configFileMode: 0o600,
    // Registry URLs are full of dots; they are keys, not paths.
    accessPropertiesByDotNotation: false,
    clearInvalidConfig: false,
  });
  return {
    location: conf.path,
    async get(registry) {
      const v = conf.get(registry) as StoredCredential | undefined;
      return v && typeof v.token === 'string' && v.token ? v : undefined;
    },
    async set(registry, cred) {
      conf.set(registry, cred);
    },
    async delete(registry) {
      if (!conf.has(registry)) return false;
      conf.delete(registry);
      return true;
    },
  };
}

/** An in-memory store for tests and for run functions that must not touch the disk. */
export function memoryTokenStore(initial: Record<string, StoredCredential> = {}): TokenStore & {
  entries(): Record<string, StoredCredential>;
} {
  const data = new Map(Object.entries(initial));
  return {
    async get(registry) {
      return data.get(registry);
    },
    async set(registry, cred) {
      data.set(registry, { ...cred });
    },
    async delete(registry) {
      return data.delete(registry);
    },
    entries: () => Object.fromEntries(data),
  };
}
