import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RegistryCore, type CoreOptions } from './core/registry-core.js';
import { PublicUrlError, relyingParty } from './core/webauthn-challenges.js';
import { buildSeedOps, SeedError, validateSeed } from './core/seed.js';
import { listenAdminSocket, type AdminSocket } from './http/admin-socket.js';
import { createRegistryServer, type ConnectionOptions, type RegistryServer } from './http/server.js';
import { FileStore } from './store/file-store.js';
import { MemoryStore, type Store } from './store/store.js';
import { FileMailer, MemoryMailer, type Mailer } from './core/outbox.js';
import { MailConfigError, parseMailFrom, parseSmtpUrl } from './mail/config.js';
import { FileTarballs, MemoryTarballs } from './store/tarballs.js';
import path from 'node:path';

/**
 * Assembles a reference registry: store (file or memory) → core (+ seed when the store is new)
 * → HTTP server. Used by `orgctl registry serve`, the demo and every test.
 */
export interface OpenRegistryOptions {
  /** durable state folder; without it, state is in memory */
  dataDir?: string;
  /** seed object (already parsed) applied when the store is new */
  seed?: unknown;
  now?: () => number;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  onError?: (err: unknown) => void;
  /** growing delays after wrong passwords and OTPs (docs/registry-api.md §4.5) */
  throttle?: CoreOptions['throttle'];
  /** bounded password hashing; tests pass a `gate` to hold checks */
  passwords?: CoreOptions['passwords'];
  /** HTTP timeouts and the per-address connection cap (defaults: CONNECTION_DEFAULTS) */
  http?: ConnectionOptions;
  /** who may create an account by signing up (docs/registry-api.md "Sign-up"); default `open` */
  signup?: CoreOptions['signup'];
  /** the URL browsers reach the registry at (security keys' relying party); default the listen URL with host localhost */
  publicUrl?: string;
  /** send notifications over SMTP (`smtp://user:pass@host:587`, `smtps://…`); without it they stay in the outbox */
  smtp?: string;
  /** the sender of notifications (default `orgctl registry <registry@localhost>`) */
  mailFrom?: string;
  /** delivery retries, and timers on `now` (tests move the clock instead of waiting) */
  mailRetry?: CoreOptions['mailRetry'];
  timers?: CoreOptions['timers'];
}

export interface OpenRegistry {
  core: RegistryCore;
  store: Store;
  http: RegistryServer;
  seeded: boolean;
  /** stops HTTP (finishing in-flight requests), then flushes and closes the store */
  close(): Promise<void>;
}

export async function openRegistry(opts: OpenRegistryOptions = {}): Promise<OpenRegistry> {
  // Validate the seed before touching the data folder, so a bad seed changes nothing.
  const seed = opts.seed !== undefined ? validateSeed(opts.seed) : undefined;
  const now = opts.now ?? Date.now;
  const { core, store } = await openCore({ ...opts, now });
  let seeded = false;
  let admin: AdminSocket | null = null;
  try {
    if (seed && store.isNew) {
      await core.applySeedOps(await buildSeedOps(seed, new Date(now()).toISOString()));
      seeded = true;
    }
    // Scheduled 2FA requirements whose deadline passed while no server ran: enforced before serving.
    await core.tfaSchedule.start(core.timers, opts.log ?? opts.warn);
    // The operator API, only with a data folder (whose lock this process now holds).
    if (opts.dataDir) admin = await listenAdminSocket(core, opts.dataDir, opts.warn);
  } catch (e) {
    await core.tfaSchedule.stop();
    await core.mail.stop();
    await store.close();
    throw e;
  }
  const http = createRegistryServer({ ...opts.http, core, log: opts.log, onError: opts.onError });
  return {
    core,
    store,
    http,
    seeded,
    async close() {
      await admin?.close();
      await http.close();
      await core.tfaSchedule.stop();
      await core.mail.stop();
      await store.close();
    },
  };
}

/**
 * The store (a data folder, locked, or memory) and a core on it, with no HTTP: what
 * `openRegistry` serves, and what an operator command opens while no server runs. Mail settings
 * are checked before the folder is touched (a bad --smtp or --mail-from changes nothing). Stop
 * `core.mail` before closing the store.
 */
export async function openCore(
  opts: Pick<OpenRegistryOptions, 'dataDir' | 'now' | 'log' | 'warn' | 'throttle' | 'passwords' | 'signup' | 'smtp' | 'mailFrom' | 'mailRetry' | 'timers' | 'publicUrl'>,
): Promise<{ core: RegistryCore; store: Store }> {
  if (opts.publicUrl !== undefined) relyingParty(opts.publicUrl); // a bad --public-url fails before the folder is touched
  const from = parseMailFrom(opts.mailFrom);
  const smtp = opts.smtp !== undefined ? parseSmtpUrl(opts.smtp) : undefined;
  const store: Store = opts.dataDir ? await FileStore.open(opts.dataDir, { warn: opts.warn }) : new MemoryStore();
  // Notifications: over SMTP (nodemailer, loaded only then), else RFC 5322 files in <data>/outbox/, or kept in memory without --data.
  const mailer: Mailer = smtp
    ? new (await import('./mail/smtp.js')).SmtpMailer(smtp, from)
    : opts.dataDir
      ? new FileMailer(path.join(path.resolve(opts.dataDir), 'outbox'), from.text)
      : new MemoryMailer();
  // Package tarballs: files in <data>/tarballs/ (fsync'd before the metadata commit), or in memory.
  const tarballs = opts.dataDir ? new FileTarballs(path.join(path.resolve(opts.dataDir), 'tarballs')) : new MemoryTarballs();
  const core = new RegistryCore({
    store,
    now: opts.now,
    mailer,
    tarballs,
    throttle: opts.throttle,
    passwords: opts.passwords,
    signup: opts.signup,
    publicUrl: opts.publicUrl,
    mailRetry: opts.mailRetry,
    timers: opts.timers,
    mailLog: (line) => (opts.warn ?? opts.log)?.(line),
  });
  void core.flushOutbox();
  return { core, store };
}

/** Reads and parses a seed file; errors name the file. */
export async function readSeedFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SeedError(`cannot read seed file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SeedError(`seed file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * For tests of a spawned server only (docs/registry-api.md, "Test clock"): a clock read from
 * `file` on every call, which holds the time in milliseconds since the epoch. Read once here, so a
 * missing or malformed file fails at start-up; a later bad read throws (the request fails).
 */
export function fileClock(file: string): () => number {
  const now = () => {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^\d{1,15}$/.test(text)) throw new Error(`ORGCTL_TEST_CLOCK_FILE ${file} does not hold a time in milliseconds`);
    return Number(text);
  };
  now();
  return now;
}

export { RegistryCore, SeedError, MailConfigError, PublicUrlError };
export type { HostPackages } from './core/org-lifecycle.js';
