/**
 * The Verdaccio adapter: one module that Verdaccio loads twice, as an auth plugin and as a
 * middleware plugin (through the CommonJS entry plugins/verdaccio-orgctl). Both halves share one
 * reference-registry assembly (store + core + request handler) per data folder, kept in a
 * module-level map, so Verdaccio's package routes and orgctl's endpoints see the same live state.
 *
 * No rule lives here: orgctl's endpoints are handed to the reference registry's own request
 * handler, and package access asks the core (`authenticate`, `packageAccess`, `packageWrite`,
 * `otpGate`); ./maintainers.ts records and reads a package's maintainers in Verdaccio's storage,
 * and ./owners.ts serves `npm owner` (the list it changes is kept by the core).
 * No runtime dependency on Verdaccio: the few shapes used are declared in ./shapes.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { openRegistry, type HostPackages, type OpenRegistry } from '../server/index.js';
import { matchingRoutes, pathSegments, routeLogPath } from '../server/http/routes.js';
import { credentialsOf, errorReply, hasRequestBody, send, HttpError } from '../server/http/http-util.js';
import { CoreError } from '../server/core/errors.js';
import type { Actor, Credentials } from '../server/core/types.js';
import type { SignupPolicy } from '../shared/names.js';
import { recordPublisher, storedInScope, storedMaintainers, type VerdaccioStorage } from './maintainers.js';
import { beforeSuccessEnds, writeEvent } from './audit.js';
import { claimCreation, creationsIn } from './creations.js';
import { answerWebLogin, isWebLogin } from './web-ui.js';
import { addMaintainersOnSend, answerOwnerChange, revPutPackage } from './owners.js';
import { checkConfig, type CheckedConfig } from './config-check.js';
import type { RemoteUser, PackageAccessInfo, JwtHelpers, PluginLogger, OrgctlPluginConfig, PluginOptions, Req, Res, Middleware, AccessCallback, OrgctlPlugin } from './shapes.js';

export type { RemoteUser, PackageAccessInfo, JwtHelpers, PluginLogger, OrgctlPluginConfig, PluginOptions, Middleware, OrgctlPlugin };

// ---------------------------------------------------------------- the shared assembly

const shared = new Map<string, Promise<OpenRegistry>>();
/** Verdaccio's package storage per data folder, handed over by the middleware half. */
const storages = new Map<string, VerdaccioStorage>();

/**
 * Makes `registry` the assembly the plugin uses for data folder `dataDir` (an absolute path), instead
 * of opening one. Test harnesses use it to run an in-memory registry on a controlled clock.
 */
export function provideRegistry(dataDir: string, registry: OpenRegistry | Promise<OpenRegistry>): void {
  const key = path.resolve(dataDir);
  shared.set(key, Promise.resolve(registry).then(withHostPackages(key)));
}

/** Verdaccio's package storage for `dataDir`, which the middleware half hands over. */
function storageFor(dataDir: string): VerdaccioStorage {
  const storage = storages.get(dataDir);
  if (!storage) throw new Error('verdaccio-orgctl: list the plugin under `middlewares:` too (with the same `data:`)');
  return storage;
}

/** Lets the core's org creation and deletion see the packages Verdaccio stores for `dataDir`. */
function withHostPackages(dataDir: string): (r: OpenRegistry) => OpenRegistry {
  const host: HostPackages = {
    stored: async (scope) => storedInScope(storageFor(dataDir), scope),
    creating: (scope) => creationsIn(dataDir, scope),
  };
  return (r) => {
    r.core.orgLifecycle.useHostPackages(host);
    return r;
  };
}

/** Forgets (and closes) the assembly for `dataDir`. */
export async function closeRegistry(dataDir: string): Promise<void> {
  const key = path.resolve(dataDir);
  const p = shared.get(key);
  shared.delete(key);
  storages.delete(key);
  if (p) await (await p).close();
}

/** The assembly for an absolute data folder, opened once per process (`seed`: validated already). */
export function sharedRegistry(dataDir: string, seed?: unknown, logger?: PluginLogger, signup?: SignupPolicy, more: { smtp?: string; mailFrom?: string; publicUrl?: string } = {}): Promise<OpenRegistry> {
  const key = path.resolve(dataDir);
  let p = shared.get(key);
  if (!p) {
    p = (async () => {
      const opened = await openRegistry({
        dataDir: key,
        seed,
        signup,
        smtp: more.smtp,
        mailFrom: more.mailFrom,
        publicUrl: more.publicUrl,
        warn: (l) => logger?.warn({ line: l }, 'orgctl: @{line}'),
        onError: (e) => logger?.error({ err: (e as Error)?.stack ?? String(e) }, 'orgctl: unexpected error @{err}'),
      });
      return withHostPackages(key)(opened);
    })();
    p.then((r) => {
      logger?.info({ line: r.core.mail.description }, 'orgctl: mail: @{line}');
      logger?.info({ line: r.core.webauthn.relyingPartyDescription() }, 'orgctl: security keys: @{line}');
    }).catch(() => shared.delete(key));
    shared.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------- request classification

/**
 * If the path is one of the reference registry's routes (any method) other than its package
 * routes, the path to log for it (secret parameters as `***`); else null, and Verdaccio serves
 * the request.
 */
export function coreRoutePath(rawUrl: string): string | null {
  const segs = pathSegments(rawUrl);
  if (!segs) return null;
  for (const { route, params } of matchingRoutes(segs)) {
    if (!route.packages) return routeLogPath(route, params); // package routes stay Verdaccio's
  }
  return null;
}

/** The package a request to one of Verdaccio's package routes is about (the route table says where it sits), or null. */
export function packageOfPath(rawUrl: string): string | null {
  const segs = pathSegments(rawUrl);
  if (!segs) return null;
  for (const { route, params } of matchingRoutes(segs)) if (route.packages) return params.pkg ?? `${params.scope}/${params.name}`;
  return null;
}

/** A package write (publish, unpublish, tag, deprecate, star), as opposed to a read or npm audit. */
function isPackageWrite(req: IncomingMessage): boolean {
  const m = req.method ?? 'GET';
  if (m === 'PUT' || m === 'DELETE' || m === 'PATCH') return true;
  return m === 'POST' && !(req.url ?? '/').startsWith('/-/');
}

// ---------------------------------------------------------------- the plugin

interface RequestAuth {
  actor: Actor;
  cred: Credentials;
}

/** remote_user objects (and requests) this plugin authenticated → who, as the core saw it. */
const byRemoteUser = new WeakMap<object, Actor>();
const byRequest = new WeakMap<object, RequestAuth>();
/** remote_user object → its request (one per request), so allow_publish sees the parsed body. */
const requestOf = new WeakMap<object, { req: Req & { body?: unknown }; res: Res }>();
/** Requests whose audit event is arranged (see ./audit.ts). */
const audited = new WeakSet<object>();

/** Test seam: awaited when a write that creates a package has passed its checks (race tests). */
let createGate: ((pkg: string) => Promise<void>) | null = null;
export function setCreateGate(gate: ((pkg: string) => Promise<void>) | null): void {
  createGate = gate;
}

/** Answers with the reference registry's error shape (closing the connection if the body is unread). */
function replyError(req: IncomingMessage, res: ServerResponse, err: unknown, cred?: Credentials): void {
  const reply = errorReply(err, cred);
  if (hasRequestBody(req) && !req.readableEnded) reply.headers = { ...(reply.headers ?? {}), connection: 'close' };
  if (!res.headersSent) send(res, reply);
}

/** A core error as Verdaccio's error handler wants it: an Error with the reference server's `status`. */
function verdaccioError(e: unknown): Error {
  if (e instanceof CoreError || e instanceof HttpError) return Object.assign(new Error(e.message), { status: errorReply(e).status, code: e.code });
  return e instanceof Error ? e : new Error(String(e));
}

/** Creates the plugin for one Verdaccio plugin section (called once per half). */
export function createPlugin(_pluginConfig: OrgctlPluginConfig, options: PluginOptions): OrgctlPlugin {
  const logger = options.logger;
  let checked: CheckedConfig | null = null;
  let problem: Error | null = null;
  try {
    checked = checkConfig(options.config);
  } catch (e) {
    problem = e as Error;
    logger.error({ err: problem.message }, '@{err}');
  }
  const dataDir = checked?.dataDir ?? '';
  const registry = () => (problem ? Promise.reject(problem) : sharedRegistry(dataDir, checked?.seed, logger, checked?.signup, { ...checked?.mail, publicUrl: checked?.publicUrl }));
  // Open (or find) the store at start-up, so a damaged or locked store shows in the log at once.
  let opened: OpenRegistry | null = null;
  if (!problem) {
    registry().then(
      (r) => (opened = r),
      (e) => logger.error({ err: (e as Error).message }, 'orgctl: cannot open the store: @{err}'),
    );
  }

  /** The live actor behind a remote_user; null for anonymous. */
  async function actorOf(user: RemoteUser): Promise<Actor | null> {
    if (!user?.name) return null;
    const known = byRemoteUser.get(user);
    if (known) return known;
    // A remote_user this plugin did not build (another auth plugin's): the account, no token.
    const rec = (await registry()).core.user(user.name);
    return rec ? { user: rec, token: null, via: 'token' } : null;
  }

  /**
   * A write to `pkg` (Verdaccio's own name for it, decoded from the path by its router): the core
   * rules with the maintainers Verdaccio's storage records; the publisher is recorded in the body.
   */
  async function mayWrite(user: RemoteUser, pkg: string): Promise<void> {
    const { core } = await registry();
    const actor = await actorOf(user);
    const storage = storageFor(dataDir);
    // The list set with npm owner (kept by the core) or else the one Verdaccio's storage records
    const current = async () => core.packages.hostMaintainers(pkg, await storedMaintainers(storage, pkg));
    let maintainers = await current();
    const ctx = requestOf.get(user);
    if (maintainers === null && ctx) {
      // A new name: claim it, then read again (another request may have stored it meanwhile).
      claimCreation(dataDir, pkg, ctx);
      maintainers = await current();
    }
    core.packageWrite(actor, pkg, maintainers);
    if (maintainers === null && createGate) await createGate(pkg);
    // Verdaccio has parsed the body by now (its allow_* checks run inside its router).
    if (actor) recordPublisher(ctx?.req.body, actor.user.name, maintainers ?? [actor.user.name], (name) => core.user(name)?.email ?? undefined);
    // Its audit event, once per request (a tarball removal asks twice), when Verdaccio answers 2xx.
    if (actor && ctx && !audited.has(ctx.req)) {
      audited.add(ctx.req);
      const event = await writeEvent(ctx.req, storage, pkg);
      if (event) beforeSuccessEnds(ctx.res, () => core.packageAudit(actor, pkg, event.action, event.detail), (e) => logger.error({ err: (e as Error)?.message ?? String(e) }, 'orgctl: cannot record the audit event: @{err}'));
    }
  }

  function decide(user: RemoteUser, pkg: PackageAccessInfo, want: 'read' | 'write', cb: AccessCallback): void {
    (async () => {
      if (want === 'write') return mayWrite(user, pkg.name);
      const { core } = await registry();
      core.packageAccess(await actorOf(user), pkg.name, 'read');
      // `npm access set status=public` opens an org's package to everybody, whatever `packages:` says
      return core.access.settings(pkg.name)?.access === 'public' && core.access.packageOrg(pkg.name) !== null;
    })().then(
      // Otherwise allowed by orgctl's rules: the `packages:` rules of the config decide the rest.
      (open) => cb(null, open === true),
      (e) => cb(verdaccioError(e)),
    );
  }

  return {
    assertUsable() {
      if (problem) throw problem;
    },
    authenticate(user, password, cb) {
      registry()
        .then(({ core }) => core.authenticate({ basic: { user, password }, ip: '' }))
        .then(
          (actor) => cb(null, actor ? [actor.user.name] : false),
          (e) => cb(verdaccioError(e)),
        );
    },
    allow_access: (user, pkg, cb) => decide(user, pkg, 'read', cb),
    allow_publish: (user, pkg, cb) => decide(user, pkg, 'write', cb),
    allow_unpublish: (user, pkg, cb) => decide(user, pkg, 'write', cb),

    apiJWTmiddleware(helpers) {
      return (req, res, next) => {
        // Verdaccio's access log already listens for 'data': hold the body until its reader is
        // attached (as Verdaccio's own JWT middleware does), or it would flow away meanwhile.
        req.pause();
        const proceed = () => {
          req.resume();
          next();
        };
        const setUser = (u: RemoteUser) => {
          req.remote_user = u;
          requestOf.set(u, { req, res });
          if (res.locals) res.locals.remote_user = u;
        };
        setUser(helpers.createAnonymousRemoteUser());
        // orgctl's endpoints authenticate by themselves (a Basic+OTP credential is checked once).
        if (coreRoutePath(req.url ?? '/') !== null || isWebLogin(req)) return proceed();
        let cred: Credentials | undefined;
        const signIn = (actor: Actor | null) => {
          if (!actor) return;
          const u = helpers.createRemoteUser(actor.user.name, [actor.user.name]);
          byRemoteUser.set(u, actor);
          byRequest.set(req, { actor, cred: cred! });
          setUser(u);
        };
        const fail = (e: unknown) => (e instanceof CoreError || e instanceof HttpError ? replyError(req, res, e, cred) : next(e));
        // Verdaccio 6.8 finds its web API routes (/-/verdaccio/data/…) only when this step calls
        // next() in the same tick: anonymous requests and tokens are decided at once; only
        // passwords (hashed in the pool) and a store still opening wait.
        let now: Actor | null | undefined; // undefined: decided after an await
        try {
          cred = credentialsOf(req);
          if (cred.bearer === undefined && !cred.basic) now = null;
          else if (cred.bearer !== undefined && opened) now = opened.core.auth.tokenActor(cred.bearer, cred.ip);
        } catch (e) {
          return fail(e);
        }
        if (now !== undefined) {
          signIn(now);
          return proceed();
        }
        registry()
          .then(({ core }) => core.authenticate(cred!))
          .then(signIn)
          .then(proceed, fail);
      };
    },

    middleware(storage) {
      if (storage) storages.set(dataDir, storage);
      return (req, res, next) => {
        req.pause(); // see apiJWTmiddleware
        const proceed = () => {
          req.resume();
          next();
        };
        if (isWebLogin(req)) {
          registry()
            .then(({ core }) => answerWebLogin(req, res, core))
            .catch((e) => (e instanceof CoreError || e instanceof HttpError ? replyError(req, res, e) : next(e)));
          return;
        }
        const shown = coreRoutePath(req.url ?? '/');
        if (shown !== null) {
          // Verdaccio's access log prints originalUrl when the request ends: no secrets in it.
          // It also copies originalUrl into req.url when the request closes (which may come
          // first): hand the reference handler the real URL.
          const url = req.url;
          req.originalUrl = shown;
          registry().then(
            (reg) => {
              req.url = url;
              // The reference handler attaches its body reader synchronously; then let the body flow.
              reg.http.server.emit('request', req, res);
              req.resume();
            },
            (e) => next(e),
          );
          return;
        }
        const auth = byRequest.get(req);
        if (opened) addMaintainersOnSend(req, res, opened.core); // GET /<pkg>: npm owner ls
        // Package writes: an OTP for auth-and-writes users (and password credentials), and from
        // everybody for a package whose 2FA setting asks for one (npm access set mfa=publish).
        const pkg = packageOfPath(req.url ?? '/');
        const gate = async (core: OpenRegistry['core']) => {
          if (auth && isPackageWrite(req)) await core.otpGate(auth.actor, auth.cred, pkg === null ? 'write' : core.access.writeOtpNeed(auth.actor, pkg));
        };
        const fail = (e: unknown) => (e instanceof CoreError || e instanceof HttpError ? replyError(req, res, e, auth?.cred) : next(e));
        const ownerPkg = revPutPackage(req);
        if (ownerPkg !== null) {
          // npm owner add|rm is answered here; npm's unpublish goes on to Verdaccio (./owners.ts)
          registry()
            .then(async ({ core }) => {
              if (await answerOwnerChange(req, res, core, storageFor(dataDir), ownerPkg, auth)) return;
              await gate(core);
              proceed();
            })
            .catch(fail);
          return;
        }
        if (!auth || !isPackageWrite(req)) return proceed();
        registry()
          .then(({ core }) => gate(core))
          .then(proceed, fail);
      };
    },
  };
}

/** For hosts and test harnesses that open the registry themselves, then `provideRegistry` it. */
export { openRegistry };
