import type { Command } from 'commander';
import { rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isSignupPolicy, type SignupPolicy } from '../../shared/names.js';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import type { IO } from '../../ui/io.js';

export interface ServeOptions {
  host: string;
  port: number;
  data?: string;
  seed?: string;
  /** serve the demo data shipped with orgctl (fixtures/demo.json) and print a walkthrough on stderr */
  demo: boolean;
  /** open connections allowed per client address (0: no cap); default CONNECTION_DEFAULTS */
  maxConnectionsPerAddress?: number;
  /** who may create an account by signing up */
  signup: SignupPolicy;
  /** SMTP URL for notifications (else ORGCTL_SMTP_URL; without either they stay in the outbox) */
  smtp?: string;
  /** the sender of notifications */
  mailFrom?: string;
  /** write the URL to this file once listening (removed at the stop), for scripts that background the server */
  urlFile?: string;
  /** the URL browsers reach the registry at (security keys); default the listen URL with host localhost */
  publicUrl?: string;
}

/** Whether `host` is a loopback address (or `localhost`): only this machine can reach it. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^(0+:){7}0*1$/.test(h);
  return false;
}

/**
 * The sign-up policy: `--signup` as given, else `open` on a loopback address. Any other address
 * needs an explicit choice (exit 2): a shared registry should not be open by accident.
 */
export function signupPolicy(flag: string | undefined, host: string): SignupPolicy {
  if (flag !== undefined) {
    if (!isSignupPolicy(flag)) throw new UsageError(`--signup must be open, closed or invite, got "${flag}"`);
    return flag;
  }
  if (isLoopbackHost(host)) return 'open';
  throw new UsageError(
    `--host ${host} is not a loopback address: choose who may create an account with --signup`,
    'Use --signup closed (accounts only from operators), --signup invite (a pending invitation is needed) or --signup open (anyone who can reach the server).',
  );
}

export interface ServeDeps extends Pick<AppDeps, 'io' | 'proc'> {
  now?: () => number;
}

const EXAMPLES = `
Examples:
  $ orgctl registry serve                          # in memory, on a free port
  $ orgctl registry serve --demo --port 4873           # the demo org acme, and what to try
  $ orgctl registry serve --url-file reg.url &         # scripts: the URL is in reg.url once it listens
  $ orgctl registry serve --host 0.0.0.0 --port 4873 --data ./registry-data --signup closed
  $ ORGCTL_SMTP_URL=smtp://registry:secret@mail.example.com:587 orgctl registry serve --data ./registry-data --mail-from registry@example.com
`;

export function registerServe(parent: Command, deps: AppDeps, runF = serveRun): Command {
  return parent
    .command('serve')
    .description('Start the reference registry; prints its base URL as the first line of stdout')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free port)', '0')
    .option('--data <dir>', 'keep state in this folder (created 0700); without it, state is in memory')
    .option('--seed <file>', 'JSON seed applied when the store is new (see docs/registry-api.md)')
    .option('--demo', 'serve the demo data shipped with orgctl (org acme) and print what to try on stderr')
    .option('--signup <policy>', 'who may create an account: open, closed or invite (default: open on a loopback --host; required otherwise)')
    .option('--max-connections-per-address <n>', 'open connections allowed from one client address (default 128; 0: no cap, e.g. behind a reverse proxy)')
    .option('--smtp <url>', 'send notifications by email: smtp://user:password@host:587 (STARTTLS) or smtps://…:465 (TLS); prefer ORGCTL_SMTP_URL, which other users cannot see')
    .option('--mail-from <address>', 'the sender of notifications (default "orgctl registry <registry@localhost>")')
    .option('--url-file <file>', 'write the URL to this file once listening (removed when the server stops): for scripts that run it in the background')
    .option('--public-url <url>', 'the URL browsers reach the registry at: security keys are bound to its host (default: the listen URL with host localhost; https: unless the host is localhost)')
    .option('--json', 'accepted for consistency: stdout is already only the URL')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: { host: string; port: string; data?: string; seed?: string; demo?: boolean; maxConnectionsPerAddress?: string; signup?: string; smtp?: string; mailFrom?: string; urlFile?: string; publicUrl?: string }) => {
      if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${flags.port}"`);
      const cap = flags.maxConnectionsPerAddress;
      if (cap !== undefined && !/^\d{1,6}$/.test(cap)) throw new UsageError(`--max-connections-per-address must be a whole number (0 for no cap), got "${cap}"`);
      if (flags.demo && flags.seed !== undefined) throw new UsageError('--demo serves the demo data shipped with orgctl: it cannot be combined with --seed', 'Drop --seed to use the demo data, or --demo to use your seed.');
      const signup = signupPolicy(flags.signup, flags.host);
      await runF(
        { host: flags.host, port: Number(flags.port), data: flags.data, seed: flags.seed, demo: !!flags.demo, maxConnectionsPerAddress: cap === undefined ? undefined : Number(cap), signup, smtp: flags.smtp, mailFrom: flags.mailFrom, urlFile: flags.urlFile, publicUrl: flags.publicUrl },
        deps,
      );
    });
}

/** The clock ORGCTL_TEST_CLOCK_FILE names (tests only: docs/registry-api.md, "Test clock"), said on stderr. */
export function testClock(io: IO, fileClock: (file: string) => () => number): () => number {
  const file = io.env.ORGCTL_TEST_CLOCK_FILE!;
  let now: () => number;
  try {
    now = fileClock(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code ? `cannot read ORGCTL_TEST_CLOCK_FILE ${file}: ${code}` : (e as Error).message, ExitCode.Usage);
  }
  io.err(`warning: ORGCTL_TEST_CLOCK_FILE is set: the registry's time is read from ${file} (for tests only)\n`);
  return now;
}

/** Runs until SIGINT/SIGTERM; then finishes in-flight requests, flushes the store and returns. */
export async function serveRun(opts: ServeOptions, deps: ServeDeps): Promise<void> {
  const { io } = deps;
  // Listen for signals first, so a stop request that arrives during start-up is not lost.
  let stopRequested: ((sig: string) => void) | null = null;
  let pendingSignal: string | null = null;
  const onSignal = (sig: string) => (stopRequested ? stopRequested(sig) : (pendingSignal ??= sig));
  deps.proc.on('SIGINT', () => onSignal('SIGINT'));
  deps.proc.on('SIGTERM', () => onSignal('SIGTERM'));
  const { openRegistry, readSeedFile, SeedError, MailConfigError, PublicUrlError, fileClock } = await import('../../server/index.js');
  const { StoreError } = await import('../../server/store/file-store.js');
  const now = io.env.ORGCTL_TEST_CLOCK_FILE ? testClock(io, fileClock) : deps.now;
  const demo = opts.demo ? await import('./demo-guide.js') : undefined;
  const seedFile = demo ? demo.DEMO_SEED_FILE : opts.seed;
  // Access-log lines go out together once per turn of the event loop (one write, not one per
  // request); every other message first flushes them, so stderr keeps its order.
  const access = new LineBatch((s) => io.err(s));
  const say = (s: string) => {
    access.flush();
    io.err(s);
  };
  let registry;
  try {
    const seed = seedFile ? await readSeedFile(seedFile) : undefined;
    registry = await openRegistry({
      dataDir: opts.data,
      seed,
      now,
      log: (line) => access.add(`${line}\n`),
      warn: (line) => say(`warning: ${line}\n`),
      onError: (e) => say(`error: ${(e as Error)?.stack ?? String(e)}\n`),
      http: { maxConnectionsPerAddress: opts.maxConnectionsPerAddress },
      signup: opts.signup,
      smtp: opts.smtp ?? (io.env.ORGCTL_SMTP_URL || undefined),
      mailFrom: opts.mailFrom,
      publicUrl: opts.publicUrl,
    });
  } catch (e) {
    if (e instanceof SeedError || e instanceof StoreError || e instanceof MailConfigError || e instanceof PublicUrlError) throw new CliError(e.message, ExitCode.Usage);
    throw e;
  }
  let url: string;
  try {
    url = await registry.http.listen(opts.port, opts.host);
  } catch (e) {
    await registry.store.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${opts.port} on ${opts.host} is already in use`, ExitCode.Failure, 'Pick another with --port, or --port 0 for a free one.');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot listen on ${opts.host}: ${code}`, ExitCode.Usage);
    throw e;
  }
  if (opts.urlFile !== undefined) {
    try {
      await writeUrlFile(opts.urlFile, url);
    } catch (e) {
      await registry.close();
      throw new CliError(`cannot write --url-file ${opts.urlFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ExitCode.Usage);
    }
  }
  io.out(`${url}\n`);
  say(`orgctl registry listening on ${url}; state ${registry.store.description}${registry.seeded ? `; seeded from ${demo ? `the demo data (${seedFile})` : seedFile}` : ''}; sign-up ${opts.signup}\n`);
  say(`mail: ${registry.core.mail.description}\n`);
  say(`security keys: ${registry.core.webauthn.relyingPartyDescription()}\n`);
  if (demo) say(demo.demoGuide(url, registry.seeded));
  await new Promise<void>((resolve) => {
    let stopping = false;
    stopRequested = (sig: string) => {
      if (stopping) return;
      stopping = true;
      say(`${sig}: stopping; finishing in-flight requests\n`);
      registry.close().then(resolve, (e) => {
        say(`error while stopping: ${(e as Error).message}\n`);
        resolve();
      });
    };
    if (pendingSignal) stopRequested(pendingSignal);
  });
  if (opts.urlFile !== undefined) await rm(opts.urlFile, { force: true });
  say('stopped\n');
}

/** Lines written together at the end of the current turn of the event loop, or at `flush()`. */
export class LineBatch {
  private pending: string[] = [];

  constructor(private readonly write: (s: string) => void) {}

  add(line: string): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(line);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.write(text);
  }
}

/** Writes `url` to `file` whole: to a temporary file beside it, then renamed, so a reader never sees half. */
async function writeUrlFile(file: string, url: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${url}\n`, { mode: 0o644 });
  await rename(tmp, file);
}
