import { conflict } from '../server/core/errors.js';
import { HttpError } from '../server/http/http-util.js';
import type { Req, Res } from './shapes.js';

/**
 * Packages being created in Verdaccio, per data folder: Verdaccio stores a package some time after
 * allow_publish, so two requests could otherwise both find a name free and both publish into it,
 * and an org could be created over a scope a package is being stored in.
 */

/** Names being created (data folder + NUL + name) → the request creating them, until it is answered. */
const creating = new Map<string, object>();
/** Creations ever started per scope (data folder + NUL + `@scope`). */
const started = new Map<string, number>();

/**
 * Holds the new name `pkg` for this request until its response ends. Another request's creation
 * in progress → 409.
 */
export function claimCreation(dataDir: string, pkg: string, ctx: { req: Req; res: Res }): void {
  const key = `${dataDir}\0${pkg}`;
  const holder = creating.get(key);
  if (holder === ctx.req) return;
  if (holder) throw conflict(`${pkg} is being published by another request. Try again.`);
  // 'close' has fired already for a client that went away: holding the name would never end.
  if (ctx.res.closed || ctx.res.destroyed) throw new HttpError(400, 'The client closed the request.', 'EABORTED');
  creating.set(key, ctx.req);
  const slash = pkg.indexOf('/');
  if (pkg.startsWith('@') && slash > 0) {
    const scopeKey = `${dataDir}\0${pkg.slice(0, slash)}`;
    started.set(scopeKey, (started.get(scopeKey) ?? 0) + 1);
  }
  ctx.res.once('close', () => {
    if (creating.get(key) === ctx.req) creating.delete(key);
  });
}

/** The packages of `@scope/` being created now in `dataDir`, and how many creations were ever started there. */
export function creationsIn(dataDir: string, scope: string): { names: string[]; started: number } {
  const prefix = `${dataDir}\0@${scope}/`;
  const names = [...creating.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(dataDir.length + 1));
  return { names, started: started.get(`${dataDir}\0@${scope}`) ?? 0 };
}
