import { afterEach, beforeEach } from '@jest/globals';
import { openRegistry, type OpenRegistry } from '../../src/server/index.js';
import { BASIC, loadSeed } from './fixtures.js';
import { testClock, type TestClock } from './clock.js';

export interface StartRegistryOptions {
  /** a seed object, or a path relative to the repository root (e.g. 'fixtures/registry/basic.json') */
  seed?: string | object;
  /** durable state folder; in memory without it */
  dataDir?: string;
  /** the server's clock (ms); tests use it to control TOTP steps and expiry */
  now?: () => number;
}

export interface TestRegistry {
  /** base URL, ending in '/' */
  url: string;
  /** 'host:port' */
  host: string;
  registry: OpenRegistry;
  /** log lines the server wrote (one per request) */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the real reference registry in-process on 127.0.0.1:0; with ORGCTL_TEST_REGISTRY=verdaccio,
 * a real Verdaccio with orgctl's plugin instead (same shape; `npm run test:verdaccio`).
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  if (process.env.ORGCTL_TEST_REGISTRY === 'verdaccio') return (await import('./verdaccio.js')).startVerdaccio(opts);
  const logs: string[] = [];
  const registry = await openRegistry({
    seed: opts.seed === undefined ? undefined : loadSeed(opts.seed),
    dataDir: opts.dataDir,
    now: opts.now,
    log: (l) => logs.push(l),
    warn: (l) => logs.push(`warning: ${l}`),
    onError: (e) => logs.push(`error: ${(e as Error)?.stack ?? String(e)}`),
  });
  const url = await registry.http.listen(0, '127.0.0.1');
  return { url, host: new URL(url).host, registry, logs, close: () => registry.close() };
}

/**
 * A fresh registry (basic seed by default) for every test of the calling file, on a clock reset to
 * the same start before each test; closed after each test. A test may replace `t.reg` (say, to
 * restart on a data folder): whatever `t.reg` is at the end is closed.
 */
export function registryPerTest(seed: string | object = BASIC): { reg: TestRegistry; clock: TestClock } {
  const clock = testClock();
  const start = clock.now();
  const t = { reg: undefined as unknown as TestRegistry, clock };
  beforeEach(async () => {
    clock.set(start);
    t.reg = await startRegistry({ seed, now: clock.now });
  });
  afterEach(() => t.reg.close());
  return t;
}
