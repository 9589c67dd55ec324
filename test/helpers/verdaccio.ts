/**
 * Job: serve a registry with Verdaccio (registry.ts's startRegistry({ server: 'verdaccio' }) calls serveVerdaccio;
 * tests do not; they call startPlainVerdaccio for a Verdaccio without the plugin). Starts a real Verdaccio (the pinned devDependency) in this process with orgctl's plugin
 * (plugins/verdaccio-orgctl → dist/verdaccio/plugin.js, so `npm run build` first): loopback only,
 * port 0, no uplinks, package storage in a temp folder, web UI off, JWT mode.
 *
 * Verdaccio and the plugin are loaded with Node's own `require`/`import`, not jest's module system
 * (Verdaccio's loader `require`s plugins itself), so the plugin's shared registry is the native one.
 * startRegistry's options for the registry (seed, clock, logs, in memory unless `dataDir`) are opened
 * with the same native module and handed to the plugin with `provideRegistry`, which makes
 * `registry.core` the live core behind both plugin halves.
 *
 *   await startPlainVerdaccio()  -> { url, adduser(name, password), close() }
 *        a Verdaccio with NO orgctl plugin (htpasswd auth): the registry without orgctl's extensions
 *   await gateVerdaccioCreations(gate | null), await holdVerdaccioCreation(name) -> { held, release() }
 *        race tests: hold a package-creating write after the plugin's checks, before Verdaccio stores it
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
export function verdaccioConfig(dir: string, dataDir: string, seedFile?: string, extra: { signup?: string; smtp?: string; mailFrom?: string } = {}): Record<string, unknown> {
  return {
    configPath: path.join(dir, 'config.yaml'),
    self_path: path.join(dir, 'config.yaml'),
    storage: path.join(dir, 'storage'),
    plugins: path.join(ROOT, 'plugins'),
    auth: { orgctl: { data: dataDir, ...(seedFile ? { seed: seedFile } : {}), ...extra } },
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
    const { seedFile, ...extra } = opts.fromConfig ?? {};
    server = await runServer(verdaccioConfig(dir, dataKey, seedFile, extra));
    registry = await plugin.sharedRegistry(dataKey);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    // Security keys: as the config's `publicUrl: http://localhost:<port>/` would (the port is known only now).
    registry.core.webauthn.listening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
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
 * Starts Verdaccio + the plugin in this process from `verdaccioConfig(dir, dir/orgctl-data)` as
 * changed by `edit` (dir: a new temp folder, removed on close), letting the plugin open its own
 * store. For start-up checks: rejects with Verdaccio's start error when the config is refused.
 */
export async function startVerdaccioWith(edit: (config: Record<string, any>, dir: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const { plugin, runServer } = await load();
  const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-vconfig-'));
  const dataKey = path.join(dir, 'orgctl-data');
  const config = verdaccioConfig(dir, dataKey);
  edit(config, dir);
  const cleanup = async () => {
    await plugin.closeRegistry(dataKey);
    rmSync(dir, { recursive: true, force: true });
  };
  let server: Server;
  try {
    server = await runServer(config);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await cleanup();
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

/**
 * Holds the next write that creates `name` (after the plugin's checks, before Verdaccio stores
 * it): `held` resolves once it is held, `release()` lets it go on. The gate then lets other writes
 * through.
 */
export async function holdVerdaccioCreation(name: string): Promise<{ held: Promise<void>; release: () => void }> {
  let entered!: () => void;
  let release!: () => void;
  const held = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  await gateVerdaccioCreations(async (pkg) => {
    if (pkg !== name) return;
    entered();
    await gate;
  });
  return { held, release };
}

/** A Verdaccio with no orgctl plugin: what a user has before installing it. */
export interface PlainVerdaccio {
  /** base URL, ending in '/' */
  url: string;
  /** creates a user through Verdaccio's own adduser (`PUT /-/user/org.couchdb.user:<name>`, htpasswd) */
  adduser(name: string, password: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves a plain Verdaccio (htpasswd auth, NO orgctl plugin, legacy tokens, web UI off) on
 * 127.0.0.1:0: the "registry without orgctl's extensions" of the any-registry tests.
 */
export async function startPlainVerdaccio(): Promise<PlainVerdaccio> {
  const { runServer } = await load();
  const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-verdaccio-plain-'));
  let server: Server;
  try {
    server = await runServer({
      configPath: path.join(dir, 'config.yaml'),
      self_path: path.join(dir, 'config.yaml'),
      storage: path.join(dir, 'storage'),
      auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 100 } },
      packages: { '@*/*': { access: '$authenticated', publish: '$authenticated' }, '**': { access: '$all', publish: '$authenticated' } },
      web: { enable: false },
      log: { type: 'stdout', format: 'json', level: 'error' },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    async adduser(name, password) {
      const res = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, url), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
      });
      if (res.status !== 201) throw new Error(`Verdaccio adduser ${name}: ${res.status} ${await res.text()}`);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts Verdaccio with `edit` applied to its config and returns the message it refused to start
 * with; fails the test if it started (the start-up checks' tests).
 */
export async function verdaccioStartError(edit: (config: Record<string, any>, dir: string) => void): Promise<string> {
  let started: { close(): Promise<void> } | null = null;
  try {
    started = await startVerdaccioWith(edit);
  } catch (e) {
    return (e as Error).message;
  } finally {
    await started?.close();
  }
  throw new Error('Verdaccio started with a config that should be refused');
}
