/**
 * Job: start and stop a registry for a test. Every test that needs a registry gets it here, on a
 * controlled clock (clock.ts), listening on 127.0.0.1:0, and closed by the helper that opened it.
 *
 *   await startRegistry({ seed, dataDir, clock, server })  -> TestRegistry { url, host, registry, logs, clock, close() }
 *   const srv = registryPerTest(opts)    a fresh registry for each test of the file (beforeEach/afterEach),
 *                                        its clock reset to the same start; `srv.reg`, `srv.url`, `srv.clock`.
 *                                        A test may replace `srv.reg` (say, to restart on a data folder):
 *                                        whatever it is at the end is closed.
 *   const ctx = registryPerFile(opts)    one registry for the whole file (beforeAll/afterAll); same shape
 *   it.concurrent('…', withFresh(start, async (ctx) => …))
 *                                        a context of its own for one test body (startOrgCli, the npm
 *                                        suite's startContext, startRegistry), closed after it
 *
 * Options: `signup` sets the sign-up policy (open, closed, invite). `seed` is a path relative to the repository root or an object (default: fixtures.ts's
 * BASIC; `null` for none; ignored when `dataDir` already holds a store). `dataDir` keeps state on
 * disk (in memory without it). `server: 'verdaccio'` starts a real Verdaccio with orgctl's plugin
 * instead (verdaccio.ts; ORGCTL_TEST_REGISTRY=verdaccio makes it the default: `npm run test:verdaccio`).
 * A registry in a separate process (the built CLI's `registry serve`) is serve.ts's job.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { openRegistry, type OpenRegistry, type OpenRegistryOptions } from '../../src/server/index.js';
import { BASIC, loadSeed } from './fixtures.js';
import { testClock, type TestClock } from './clock.js';

export interface StartRegistryOptions {
  /** a seed object or a path relative to the repository root; default BASIC, null for none */
  seed?: string | object | null;
  /** durable state folder; in memory without it */
  dataDir?: string;
  /** the server's clock; a fresh testClock() without it */
  clock?: TestClock;
  /** which server: the reference registry (default) or Verdaccio with orgctl's plugin */
  server?: 'reference' | 'verdaccio';
  /**
   * Verdaccio only: the plugin opens the store itself from its config (`data:` folder, `seed:` file
   * path), as a deployed Verdaccio does; `seed`, `clock` and `logs` are then not used.
   */
  fromConfig?: { seedFile?: string; signup?: string; smtp?: string; mailFrom?: string };
  /** password hashing limits, and a gate to hold checks (see ./gate.ts) */
  passwords?: OpenRegistryOptions['passwords'];
  /** HTTP timeouts and the per-address connection cap (the reference registry only) */
  http?: OpenRegistryOptions['http'];
  /** who may sign up (default `open`) */
  signup?: OpenRegistryOptions['signup'];
  /** send notifications to this SMTP URL (test/helpers/smtp.ts starts a server), from `mailFrom`, with these retries */
  smtp?: string;
  mailFrom?: string;
  mailRetry?: OpenRegistryOptions['mailRetry'];
}

export interface TestRegistry {
  /** base URL, ending in '/' */
  url: string;
  /** 'host:port' */
  host: string;
  /** the live registry (core, store): to read or arrange state directly */
  registry: OpenRegistry;
  /** log lines the server wrote (one per request; `warning: …`, `error: …`) */
  logs: string[];
  clock: TestClock;
  /** stops the server and closes the store (once; later calls wait for the first) */
  close(): Promise<void>;
}

/** What a started server hands back (the reference registry here, Verdaccio in verdaccio.ts). */
export interface Served {
  url: string;
  registry: OpenRegistry;
  close(): Promise<void>;
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const clock = opts.clock ?? testClock();
  const logs: string[] = [];
  const seed = opts.seed === undefined ? BASIC : opts.seed;
  const open: OpenRegistryOptions = {
    seed: seed === null ? undefined : loadSeed(seed),
    dataDir: opts.dataDir,
    now: clock.now,
    timers: clock,
    smtp: opts.smtp,
    mailFrom: opts.mailFrom,
    mailRetry: opts.mailRetry,
    passwords: opts.passwords,
    http: opts.http,
    signup: opts.signup,
    log: (l) => logs.push(l),
    warn: (l) => logs.push(`warning: ${l}`),
    onError: (e) => logs.push(`error: ${(e as Error)?.stack ?? String(e)}`),
  };
  const server = opts.server ?? (process.env.ORGCTL_TEST_REGISTRY === 'verdaccio' ? 'verdaccio' : 'reference');
  const served = server === 'verdaccio' ? await (await import('./verdaccio.js')).serveVerdaccio(opts.fromConfig ? null : open, opts) : await serveReference(open);
  let closing: Promise<void> | undefined;
  return { url: served.url, host: new URL(served.url).host, registry: served.registry, logs, clock, close: () => (closing ??= served.close()) };
}

async function serveReference(open: OpenRegistryOptions): Promise<Served> {
  const registry = await openRegistry(open);
  const url = await registry.http.listen(0, '127.0.0.1');
  return { url, registry, close: () => registry.close() };
}

export interface RegistryHandle {
  /** the current registry (settable: whatever it is when the test or file ends is closed) */
  reg: TestRegistry;
  readonly url: string;
  readonly clock: TestClock;
}

function lifecycle(before: typeof beforeEach, after: typeof afterEach, opts: StartRegistryOptions): RegistryHandle {
  const clock = opts.clock ?? testClock();
  const start = clock.now();
  let current: TestRegistry | undefined;
  before(async () => {
    clock.set(start);
    current = await startRegistry({ ...opts, clock });
  });
  after(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    clock,
    get reg() {
      if (!current) throw new Error('the registry is not started yet (use it inside a test)');
      return current;
    },
    set reg(r: TestRegistry) {
      current = r;
    },
    get url() {
      return this.reg.url;
    },
  };
}

/** A fresh registry for every test of the calling file (see the top of this file). */
export function registryPerTest(opts: StartRegistryOptions = {}): RegistryHandle {
  return lifecycle(beforeEach, afterEach, opts);
}

/** One registry for all the tests of the calling file (see the top of this file). */
export function registryPerFile(opts: StartRegistryOptions = {}): RegistryHandle {
  return lifecycle(beforeAll, afterAll, opts);
}

/** A test body that gets a context of its own from `start`, closed after it (for it.concurrent). */
export function withFresh<C extends { close(): Promise<void> }>(start: () => Promise<C>, fn: (ctx: C) => Promise<void>): () => Promise<void> {
  return async () => {
    const ctx = await start();
    try {
      await fn(ctx);
    } finally {
      await ctx.close();
    }
  };
}
