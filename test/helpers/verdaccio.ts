/**
 * Job: serve a registry with Verdaccio (registry.ts's startRegistry({ server: 'verdaccio' }) calls
 * it; tests do not). Starts a real Verdaccio (the pinned devDependency) in this process with orgctl's plugin
 * (plugins/verdaccio-orgctl → dist/verdaccio/plugin.js, so `npm run build` first): loopback only,
 * port 0, no uplinks, package storage in a temp folder, web UI off, JWT mode.
 *
 * Verdaccio and the plugin are loaded with Node's own `require`/`import`, not jest's module system
 * (Verdaccio's loader `require`s plugins itself), so the plugin's shared registry is the native one.
 * startRegistry's options for the registry (seed, clock, logs, in memory unless `dataDir`) are opened
 * with the same native module and handed to the plugin with `provideRegistry`, which makes
 * `registry.core` the live core behind both plugin halves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OpenRegistry, OpenRegistryOptions } from '../../src/server/index.js';
import { ROOT } from './fixtures.js';
import type { Served, StartRegistryOptions } from './registry.js';

interface PluginModule {
  openRegistry(opts: OpenRegistryOptions): Promise<OpenRegistry>;
  provideRegistry(dataDir: string, registry: OpenRegistry): void;
  sharedRegistry(dataDir: string): Promise<OpenRegistry>;
  closeRegistry(dataDir: string): Promise<void>;
  /** awaited after a package-creating write passed the plugin's checks, before Verdaccio stores it */
  setCreateGate(gate: ((pkg: string) => Promise<void>) | null): void;
}

type RunServer = (config: object) => Promise<Server>;

/** Node's real `require` (jest replaces `node:module`'s createRequire with its own). */
function nativeRequire(): NodeJS.Require {
  const mod = process.getBuiltinModule('node:module') as typeof import('node:module');
  return mod.createRequire(path.join(ROOT, 'package.json'));
}

let loaded: Promise<{ plugin: PluginModule; runServer: RunServer }> | null = null;
function load() {
  return (loaded ??= (async () => {
    const req = nativeRequire();
    const entry = req(path.join(ROOT, 'plugins', 'verdaccio-orgctl')) as { load(): Promise<PluginModule> };
    const plugin = await entry.load();
    const { runServer } = req('verdaccio') as { runServer: RunServer };
    return { plugin, runServer };
  })());
}

/** The Verdaccio config the tests use (and the README shows, in YAML). */
export function verdaccioConfig(dir: string, dataDir: string, seedFile?: string, mail: { smtp?: string; mailFrom?: string } = {}): Record<string, unknown> {
  return {
    configPath: path.join(dir, 'config.yaml'),
    self_path: path.join(dir, 'config.yaml'),
    storage: path.join(dir, 'storage'),
    plugins: path.join(ROOT, 'plugins'),
    auth: { orgctl: { data: dataDir, ...(seedFile ? { seed: seedFile } : {}), ...mail } },
    middlewares: { orgctl: { data: dataDir } },
    packages: {
      '@*/*': { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' },
      '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
    },
    web: { enable: false },
    security: { api: { jwt: { sign: { expiresIn: '7d' } } } },
    log: { type: 'stdout', format: 'json', level: 'error' },
  };
}

/**
 * Serves Verdaccio + the plugin on 127.0.0.1:0. `open`: the registry to hand to the plugin; null to
 * let the plugin open its store from the config (`opts.fromConfig`).
 */
export async function serveVerdaccio(open: OpenRegistryOptions | null, opts: Pick<StartRegistryOptions, 'dataDir' | 'fromConfig'>): Promise<Served> {
  const { plugin, runServer } = await load();
  const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-verdaccio-'));
  const dataKey = opts.dataDir ? path.resolve(opts.dataDir) : path.join(dir, 'orgctl-data');
  if (open) plugin.provideRegistry(dataKey, await plugin.openRegistry(open));
  let server: Server;
  let registry: OpenRegistry;
  try {
    const { seedFile, ...mail } = opts.fromConfig ?? {};
    server = await runServer(verdaccioConfig(dir, dataKey, seedFile, mail));
    registry = await plugin.sharedRegistry(dataKey);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await plugin.closeRegistry(dataKey);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    registry,
    async close() {
      plugin.setCreateGate(null);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await plugin.closeRegistry(dataKey);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Holds every write that creates a package on the Verdaccio being served (after the plugin's
 * checks, before Verdaccio stores it) at `gate(pkg)`; null removes the gate. For race tests; the
 * gate is cleared when that Verdaccio closes.
 */
export async function gateVerdaccioCreations(gate: ((pkg: string) => Promise<void>) | null): Promise<void> {
  (await load()).plugin.setCreateGate(gate);
}
