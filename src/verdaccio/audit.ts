/**
 * The audit events of package writes Verdaccio carries out (`package.publish`,
 * `package.unpublish`, docs/registry-api.md §8.1), with the reference registry's shapes. What a
 * write does is read from the request before Verdaccio handles it; the event is committed (by the
 * core, for an org's package only) once Verdaccio answers 2xx, before the answer leaves, so a
 * client that saw its write succeed finds its event.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storedVersions, type VerdaccioStorage } from './maintainers.js';

export interface PackageWriteEvent {
  action: 'package.publish' | 'package.unpublish';
  detail: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The event a write request to `pkg` makes if it succeeds, or null: a publish (a body with an
 * attachment), the removal of some versions (`PUT …/-rev/…` with fewer versions than stored) or
 * of the package (`DELETE …/-rev/…`). Tarball removals, dist-tags and deprecations make none.
 */
export async function writeEvent(req: IncomingMessage & { body?: unknown; originalUrl?: string }, storage: VerdaccioStorage, pkg: string): Promise<PackageWriteEvent | null> {
  const body = req.body;
  const path = (req.originalUrl ?? req.url ?? '/').split('?')[0]!;
  const revPath = /\/-rev\//.test(path);
  if (req.method === 'PUT' && isObject(body) && isObject(body.versions)) {
    const attachments = isObject(body._attachments) ? Object.keys(body._attachments) : [];
    if (attachments.length > 0) {
      const tags = isObject(body['dist-tags']) ? Object.keys(body['dist-tags']) : [];
      return { action: 'package.publish', detail: { version: Object.keys(body.versions)[0], tags } };
    }
    if (!revPath) return null;
    const kept = body.versions;
    const stored = await storedVersions(storage, pkg);
    const gone = stored.filter((v) => !(v in kept));
    if (gone.length === 0) return null;
    return { action: 'package.unpublish', detail: gone.length === stored.length ? { versions: gone, package: true } : { versions: gone } };
  }
  if (req.method === 'DELETE' && revPath && !/\/-\/[^/]+\/-rev\//.test(path)) {
    return { action: 'package.unpublish', detail: { versions: await storedVersions(storage, pkg), package: true } };
  }
  return null;
}

/**
 * Runs `record` when the response is about to end with a 2xx status, and lets the response end
 * when it has settled (a failure is handed to `onError`; the write itself has happened).
 */
export function beforeSuccessEnds(res: ServerResponse, record: () => Promise<void>, onError: (e: unknown) => void): void {
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    if (res.statusCode < 200 || res.statusCode > 299) return end(...args);
    record().then(
      () => end(...args),
      (e) => {
        onError(e);
        end(...args);
      },
    );
    return res;
  }) as ServerResponse['end'];
}
