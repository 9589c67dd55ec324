/**
 * `npm owner ls|add|rm` on Verdaccio. Verdaccio 6.8 serves packuments without a top-level
 * `maintainers` and refuses npm's owner change (`PUT /<pkg>/-rev/<rev>` with the maintainers
 * alone) with 422. So the plugin's middleware, which runs before Verdaccio's routes:
 *
 * * answers the owner change itself: the core keeps the list (`hostMaintainers`) and applies the
 *   rules; any other `PUT …/-rev/…` (npm's unpublish) goes on to Verdaccio with the body it read;
 * * adds `maintainers` to the full packument Verdaccio sends for `GET /<pkg>`, with its ETag.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RegistryCore } from '../server/core/registry-core.js';
import { CoreError } from '../server/core/errors.js';
import { isMaintainersChange } from '../server/core/package-store.js';
import type { Actor, Credentials } from '../server/core/types.js';
import { matchingRoutes, pathSegments } from '../server/http/routes.js';
import { MAX_PUBLISH_BYTES, parseJsonObject, readBody, send } from '../server/http/http-util.js';
import { maintainersIn, storedMaintainers, type StoredPackage, type VerdaccioStorage } from './maintainers.js';
import type { Req, Res } from './shapes.js';

/** The package of a request to the package route `method path` (e.g. `PUT :pkg/-rev/:rev`), or null. */
function packageOfRoute(req: IncomingMessage, method: string, path: string): string | null {
  if (req.method !== method) return null;
  const segs = pathSegments(req.url ?? '/');
  if (!segs) return null;
  for (const { route, params } of matchingRoutes(segs)) {
    if (route.packages && route.method === method && route.path.join('/') === path) return params.pkg!;
  }
  return null;
}

/** The package of `PUT /<pkg>/-rev/<rev>` (npm's owner change and unpublish), or null. */
export const revPutPackage = (req: IncomingMessage): string | null => packageOfRoute(req, 'PUT', ':pkg/-rev/:rev');

/**
 * Reads the body of a `PUT /<pkg>/-rev/<rev>`. npm's owner change is answered here (true); for
 * anything else the parsed body is left where Verdaccio's JSON parser looks first (`req.body`,
 * `req._body`: body-parser's "already parsed"), and the caller lets Verdaccio handle it (false).
 */
export async function answerOwnerChange(req: Req & { body?: unknown; _body?: boolean }, res: Res, core: RegistryCore, storage: VerdaccioStorage, pkg: string, auth: { actor: Actor; cred: Credentials } | undefined): Promise<boolean> {
  const readerAttached = readBody(req, MAX_PUBLISH_BYTES);
  req.resume();
  const body = parseJsonObject(await readerAttached);
  if (!isMaintainersChange(body)) {
    req.body = body;
    req._body = true;
    return false;
  }
  if (!auth) throw new CoreError('unauthenticated', `Log in to change the owners of ${pkg}.`, { code: 'ENEEDAUTH' });
  const answer = await core.packages.setHostMaintainers(auth.actor, auth.cred, pkg, body, () => storedMaintainers(storage, pkg));
  send(res, { status: 200, body: { ...answer, rev: typeof body._rev === 'string' ? body._rev : undefined } });
  return true;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * For `GET /<pkg>` (the full packument, not npm's abbreviated one): adds `maintainers`
 * (`[{name, email}]`, the core's list or the one Verdaccio's storage records) to what Verdaccio
 * sends (its `final` step sends the packument as a JSON string), and recomputes the ETag so a
 * client revalidating its cache sees an owner change.
 */
export function addMaintainersOnSend(req: IncomingMessage, res: Res, core: RegistryCore): void {
  const pkg = packageOfRoute(req, 'GET', ':pkg');
  if (pkg === null) return;
  const r = res as Res & { send(body: unknown): unknown };
  const original = r.send.bind(r);
  r.send = (body: unknown) => {
    r.send = original; // once: express's send may call itself (e.g. for a HEAD)
    const type = String(res.getHeader('content-type') ?? '');
    if (res.statusCode !== 200 || typeof body !== 'string' || !type.startsWith('application/json')) return original(body);
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return original(body);
    }
    if (!isObject(doc) || doc.name !== pkg) return original(body);
    const names = core.packages.hostMaintainers(pkg, maintainersIn(doc as StoredPackage));
    if (names === null) return original(body);
    doc.maintainers = names.map((name) => ({ name, email: core.user(name)?.email ?? undefined }));
    const text = JSON.stringify(doc, undefined, '  ') + '\n';
    res.setHeader('etag', `"${createHash('md5').update(text).digest('hex')}"`);
    return original(text);
  };
}
