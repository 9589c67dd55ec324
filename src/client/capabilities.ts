import { CliError } from '../errors.js';
import { DISCOVERY_PATH, type Feature } from '../shared/features.js';
import type { RegistryClient } from './client.js';
import { HttpError, serverMessage } from './errors.js';

/**
 * Which of orgctl's extensions a registry has (`GET /-/orgctl/v1/`, docs/registry-api.md
 * "Discovery"), asked only when an answer needs explaining: a command calls its endpoint as usual
 * and, when the registry answers that the path does not exist, asks once which features it has.
 * A command that succeeds never asks, and the answer is cached per registry for the process, so a
 * command run sends the discovery request at most once.
 */
export interface Capabilities {
  /** the extension's version; null when the registry has no orgctl extensions */
  version: string | null;
  features: ReadonlySet<string>;
  /** without extensions: the registry's answer to the discovery path (how it answers a path it does not have) */
  missing?: { status: number; body: unknown };
}

/** What a command needs: one of orgctl's features, or npm's own org and team endpoints. */
export type Need = Feature | 'orgs';

/** How the messages name each need. */
const NAMES: Record<Need, string> = {
  orgTfa: 'org 2FA policy',
  invitations: 'org invitations',
  audit: 'org audit logs',
  removals: 'reinstating removed members',
  orgLifecycle: 'creating and deleting orgs',
  tfaSchedule: 'scheduled 2FA enforcement',
  orgs: 'orgs',
};

/** Statuses with which registries say "no such endpoint". */
const MISSING = new Set([404, 405, 501]);

const cache = new Map<string, Promise<Capabilities>>();

/** The registry's extensions, asked once per registry and process. */
export function capabilities(client: Pick<RegistryClient, 'registry' | 'raw'>): Promise<Capabilities> {
  let p = cache.get(client.registry);
  if (!p) {
    p = discover(client);
    cache.set(client.registry, p);
    p.catch(() => cache.delete(client.registry));
  }
  return p;
}

async function discover(client: Pick<RegistryClient, 'raw'>): Promise<Capabilities> {
  const res = await client.raw('GET', DISCOVERY_PATH);
  // A failing registry tells nothing about what it has: the caller keeps its own error.
  if (res.status >= 500 || res.status === 429) throw new Error(`discovery answered ${res.status}`);
  const b = res.body as { orgctl?: unknown; features?: unknown } | undefined;
  if (res.status === 200 && b && typeof b === 'object' && typeof b.orgctl === 'string' && Array.isArray(b.features)) {
    return { version: b.orgctl, features: new Set(b.features.filter((f): f is string => typeof f === 'string')) };
  }
  return { version: null, features: new Set(), missing: { status: res.status, body: res.body } };
}

/** The registry lacks something a command needs (exit 1). */
export class UnsupportedError extends CliError {
  constructor(registry: string, need: Need) {
    super(`this registry (${registry}) does not support ${NAMES[need]}; orgctl's registry or Verdaccio with the orgctl plugin do (see README)`);
  }
}

/** True for an answer with which registries say "no such endpoint" (404, 405, 501). */
export function isMissing(err: unknown): err is HttpError {
  return err instanceof HttpError && MISSING.has(err.status);
}

/**
 * Turns "not found" into what it means. `err` is what a request for `need` failed with; when it
 * says the path does not exist, the registry is asked (once) what it has:
 * - a feature of orgctl's: missing from the registry → UnsupportedError; present → `err` as it
 *   was (the org, user or invitation does not exist);
 * - npm's org endpoints (`orgs`): a registry with orgctl's extensions has them (→ `err`); one
 *   without has them when its "not found" differs from how it answers a path it does not have:
 *   a JSON message that is not the one it gave for the discovery path (→ `err`, e.g. "no such
 *   org"); the same message, or a page that is not JSON (an HTML "Cannot PUT"), → UnsupportedError.
 * Anything else, and a failure of the discovery request itself, leave `err` as it was.
 */
export async function explainMissing(err: unknown, client: Pick<RegistryClient, 'registry' | 'raw'>, need: Need): Promise<unknown> {
  if (!isMissing(err)) return err;
  let caps: Capabilities;
  try {
    caps = await capabilities(client);
  } catch {
    return err;
  }
  if (need !== 'orgs') return caps.features.has(need) ? err : new UnsupportedError(client.registry, need);
  if (caps.version !== null) return err;
  const said = serverMessage(err.body);
  const jsonAnswer = err.body !== null && typeof err.body === 'object' && said !== undefined;
  const sameAsMissing = caps.missing !== undefined && caps.missing.status === err.status && serverMessage(caps.missing.body) === said;
  return !jsonAnswer || sameAsMissing ? new UnsupportedError(client.registry, 'orgs') : err;
}
