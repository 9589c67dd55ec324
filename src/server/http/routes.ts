import type { IncomingMessage } from 'node:http';
import type { RegistryCore } from '../core/registry-core.js';
import { discovery } from '../core/discovery.js';
import { isMaintainersChange } from '../core/package-store.js';
import type { Actor, Credentials } from '../core/types.js';
import { HttpError, MAX_PUBLISH_BYTES, parseJson, parseJsonObject, type Reply } from './http-util.js';
import { showLoginPage, submitLoginPage } from './web-login.js';
import { keyAnswer, keyOptions, showRegisterPage, showVerifyPage, staticFile } from './webauthn.js';

/**
 * The npm-compatible routes (docs/registry-api.md). Each handler turns HTTP into a core call and
 * the core's answer into npm's wire shape; no rule lives here.
 */
export interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  cred: Credentials;
  core: RegistryCore;
  /** the server's base URL as the client reached it, ending in '/' */
  base: string;
  body(): Promise<Record<string, unknown>>;
  text(): Promise<string>;
  actor(): Promise<Actor>;
  /** the caller, or null without credentials (bad credentials still throw) */
  optionalActor(): Promise<Actor | null>;
}

export interface Route {
  method: string;
  /** path segments; `:name` captures one segment (already percent-decoded) */
  path: string[];
  handler: (ctx: RouteContext) => Promise<Reply>;
  /** further condition on the captured parameters; a route whose guard fails does not match */
  guard?: (params: Record<string, string>) => boolean;
  /** body limit in bytes, when not MAX_BODY_BYTES */
  maxBody?: number;
  /**
   * A package route (publish, packument, tarball, dist-tags, unpublish). In Verdaccio these are
   * Verdaccio's own, so the plugin leaves them alone (src/verdaccio/plugin.ts).
   */
  packages?: boolean;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
const JSON_TYPE = { 'content-type': 'application/json' };
/** A reply whose JSON the core has serialised already (a cached packument or roster). */
const rawJson = (status: number, text: string): Reply => ({ status, raw: text, headers: JSON_TYPE });
const COUCH_PREFIX = 'org.couchdb.user:';

function route(method: string, path: string, handler: Route['handler'], extra: Pick<Route, 'guard' | 'maxBody' | 'packages'> = {}): Route {
  return { method, path: path.split('/').filter(Boolean), handler, ...extra };
}

function pkgRoute(method: string, path: string, handler: Route['handler'], extra: Pick<Route, 'guard' | 'maxBody'> = {}): Route {
  return route(method, path, handler, { ...extra, packages: true });
}

/**
 * Package routes capture the package as their first segment(s). `-` is never a package (every
 * other route starts with it), so a guard keeps `/-/…` paths away from them; `:scope` must start
 * with `@` (`/@acme/widget/-/widget-1.0.0.tgz`, the tarball URLs the packument hands out).
 */
const notDash = { guard: (p: Record<string, string>) => p.pkg !== '-' };
const scoped = { guard: (p: Record<string, string>) => p.scope!.startsWith('@') };
const scopedName = (p: Record<string, string>) => `${p.scope}/${p.name}`;

/** A tarball as npm fetches it. */
async function tarballReply(c: RouteContext, pkg: string): Promise<Reply> {
  const data = await c.core.tarball(await c.optionalActor(), pkg, c.params.file!);
  return { status: 200, raw: data, headers: { 'content-type': 'application/octet-stream' } };
}

/** The body of `npm dist-tag add`: a JSON string (the version). */
async function jsonString(c: RouteContext): Promise<unknown> {
  return parseJson(await c.text());
}

/** npm's `?format=cli`: plain names instead of objects. */
const cliFormat = (c: RouteContext): boolean => c.query.get('format') === 'cli';

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}.`, 'EBADQUERY');
  }
  return Number(raw);
}

export const routes: Route[] = [
  route('GET', '/-/ping', async () => json(200, {})),

  // ---- login, whoami, logout
  route('GET', '/-/whoami', async (c) => json(200, c.core.whoami(await c.actor()))),
  route('PUT', '/-/user/:couch', async (c) => {
    const seg = c.params.couch!;
    if (!seg.startsWith(COUCH_PREFIX)) throw new HttpError(404, 'Not found.', 'ENOTFOUND');
    const name = seg.slice(COUCH_PREFIX.length);
    const body = await c.body();
    const { token, created } = await c.core.legacyLogin(c.cred, body, name);
    return json(201, { ok: true, id: `${COUCH_PREFIX}${name}`, rev: '_we_dont_use_revs_any_more', token, ...(created ? { created: true } : {}) });
  }),
  route('DELETE', '/-/user/token/:token', async (c) => {
    await c.core.revokeTokenValue(await c.actor(), c.cred, c.params.token!);
    return json(200, { ok: true });
  }),
  route('POST', '/-/v1/login', async (c) => {
    const body = await c.body();
    const { loginId, doneId } = c.core.startWebLogin(body.create === true);
    return json(200, { loginUrl: `${c.base}-/v1/login/web/${loginId}`, doneUrl: `${c.base}-/v1/login/done/${doneId}` });
  }),
  route('GET', '/-/v1/login/web/:id', showLoginPage),
  route('POST', '/-/v1/login/web/:id', submitLoginPage),
  route('GET', '/-/v1/login/done/:id', async (c) => {
    const r = await c.core.pollWebLogin(c.params.id!);
    if (!r) return json(202, {}, { 'retry-after': '1' });
    return json(200, r);
  }),

  // ---- profile and 2FA
  route('GET', '/-/npm/v1/user', async (c) => json(200, c.core.profile((await c.actor()).user))),
  route('POST', '/-/npm/v1/user', async (c) => {
    const body = await c.body();
    return json(200, await c.core.updateProfile(await c.actor(), c.cred, body));
  }),

  // ---- security keys (docs/registry-api.md "Security keys"): the CLI's calls, then the browser's pages
  route('POST', '/-/orgctl/v1/webauthn/registrations', async (c) => {
    const body = await c.body();
    return json(200, await c.core.webauthn.startRegistration(await c.actor(), c.cred, body));
  }),
  route('GET', '/-/orgctl/v1/webauthn/registrations/:id', async (c) => {
    const r = c.core.webauthn.pollRegistration(c.params.id!);
    return r ? json(200, r) : json(202, {}, { 'retry-after': '1' });
  }),
  route('GET', '/-/orgctl/v1/webauthn/done/:id', async (c) => {
    const r = c.core.auth.challenges.poll(c.params.id!);
    return r ? json(200, r) : json(202, {}, { 'retry-after': '1' });
  }),
  route('GET', '/-/orgctl/v1/webauthn/keys', async (c) => json(200, c.core.webauthn.listKeys(await c.actor()))),
  route('DELETE', '/-/orgctl/v1/webauthn/keys/:name', async (c) => json(200, await c.core.webauthn.removeKey(await c.actor(), c.cred, c.params.name!))),
  route('GET', '/-/orgctl/webauthn/register/:id', showRegisterPage),
  route('POST', '/-/orgctl/webauthn/register/:id/options', (c) => keyOptions(c, 'register')),
  route('POST', '/-/orgctl/webauthn/register/:id', (c) => keyAnswer(c, 'register')),
  route('GET', '/-/orgctl/webauthn/verify/:id', showVerifyPage),
  route('POST', '/-/orgctl/webauthn/verify/:id/options', (c) => keyOptions(c, 'verify')),
  route('POST', '/-/orgctl/webauthn/verify/:id', (c) => keyAnswer(c, 'verify')),
  route('GET', '/-/orgctl/webauthn/static/:file', staticFile),

  // ---- tokens
  route('GET', '/-/npm/v1/tokens', async (c) => {
    const actor = await c.actor();
    const perPage = intParam(c.query, 'perPage', 10, 1, 9999);
    const page = intParam(c.query, 'page', 0, 0, 1_000_000);
    const { objects, total } = c.core.listTokens(actor, page, perPage);
    const next = (page + 1) * perPage < total ? `/-/npm/v1/tokens?page=${page + 1}&perPage=${perPage}` : null;
    const prev = page > 0 ? `/-/npm/v1/tokens?page=${page - 1}&perPage=${perPage}` : null;
    return json(200, { objects, total, urls: { next, prev }, userHasOldFormatToken: false });
  }),
  route('POST', '/-/npm/v1/tokens', async (c) => {
    const body = await c.body();
    return json(201, await c.core.createToken(await c.actor(), c.cred, body));
  }),
  route('DELETE', '/-/npm/v1/tokens/token/:key', async (c) => {
    await c.core.deleteToken(await c.actor(), c.cred, c.params.key!);
    return { status: 204 };
  }),

  // ---- org membership
  // The roster's JSON is cached by the core until the membership changes (raw: no re-serializing).
  route('GET', '/-/org/:org/user', async (c) => rawJson(200, c.core.rosterJson(await c.actor(), c.params.org!))),
  route('PUT', '/-/org/:org/user', async (c) => {
    const body = await c.body();
    return json(201, await c.core.setMember(await c.actor(), c.cred, c.params.org!, body));
  }),
  route('DELETE', '/-/org/:org/user', async (c) => {
    const body = await c.body();
    await c.core.removeMember(await c.actor(), c.cred, c.params.org!, body);
    return { status: 204 };
  }),

  // ---- teams (libnpmteam paths)
  // npm asks `?format=cli` (names); without it the objects pnpm 12 reads
  route('GET', '/-/org/:org/team', async (c) => {
    const teams = c.core.listTeams(await c.actor(), c.params.org!);
    return json(200, cliFormat(c) ? teams : teams.map((t) => ({ name: t.slice(t.indexOf(':') + 1) })));
  }),
  route('PUT', '/-/org/:org/team', async (c) => {
    const body = await c.body();
    return json(201, await c.core.createTeam(await c.actor(), c.cred, c.params.org!, body));
  }),
  route('DELETE', '/-/team/:org/:team', async (c) => {
    await c.core.destroyTeam(await c.actor(), c.cred, c.params.org!, c.params.team!);
    return { status: 204 };
  }),
  route('GET', '/-/team/:org/:team/user', async (c) => {
    const users = c.core.teamMembers(await c.actor(), c.params.org!, c.params.team!);
    return json(200, cliFormat(c) ? users : users.map((name) => ({ name })));
  }),
  route('PUT', '/-/team/:org/:team/user', async (c) => {
    const body = await c.body();
    await c.core.addTeamMember(await c.actor(), c.cred, c.params.org!, c.params.team!, body);
    return json(201, {});
  }),
  route('DELETE', '/-/team/:org/:team/user', async (c) => {
    const body = await c.body();
    await c.core.removeTeamMember(await c.actor(), c.cred, c.params.org!, c.params.team!, body);
    return { status: 204 };
  }),

  // ---- package access (libnpmaccess: npm access; docs/registry-api.md §3.9)
  route('GET', '/-/org/:org/package', async (c) => json(200, c.core.grants.orgPackages(await c.actor(), c.params.org!))),
  route('GET', '/-/user/:user/package', async (c) => json(200, c.core.grants.userPackages(await c.actor(), c.params.user!))),
  route('GET', '/-/team/:org/:team/package', async (c) => json(200, c.core.grants.teamPackages(await c.actor(), c.params.org!, c.params.team!))),
  route('PUT', '/-/team/:org/:team/package', async (c) => {
    const body = await c.body();
    await c.core.grants.grant(await c.actor(), c.cred, c.params.org!, c.params.team!, body);
    return json(201, {});
  }),
  route('DELETE', '/-/team/:org/:team/package', async (c) => {
    const body = await c.body();
    await c.core.grants.revoke(await c.actor(), c.cred, c.params.org!, c.params.team!, body);
    return { status: 204 };
  }),
  route('GET', '/-/package/:pkg/collaborators', async (c) => {
    const all = c.core.grants.collaborators(await c.optionalActor(), c.params.pkg!);
    // pnpm 12 asks `?format=cli` and reads a list of {user, permissions}
    if (!cliFormat(c)) return json(200, all);
    return json(200, Object.entries(all).map(([user, p]) => ({ user, permissions: p === 'write' ? 'read-write' : 'read-only' })));
  }),
  route('GET', '/-/package/:pkg/visibility', async (c) => json(200, c.core.grants.visibility(await c.optionalActor(), c.params.pkg!))),
  route('GET', '/-/package/:pkg/access', async (c) => json(200, c.core.grants.visibility(await c.optionalActor(), c.params.pkg!))),
  route('POST', '/-/package/:pkg/access', async (c) => {
    const body = await c.body();
    const s = await c.core.grants.setAccess(await c.actor(), c.cred, c.params.pkg!, body);
    return json(200, { access: s.access, mfa: s.mfa });
  }),
  // npm owner add|rm reads the user's name and email first
  route('GET', '/-/user/:couch', async (c) => {
    const seg = c.params.couch!;
    if (!seg.startsWith(COUCH_PREFIX)) throw new HttpError(404, 'Not found.', 'ENOTFOUND');
    return json(200, c.core.accounts.publicUser(await c.actor(), seg.slice(COUCH_PREFIX.length)));
  }),

  // ---- orgctl extensions (docs/registry-api.md "Extensions")
  route('GET', '/-/orgctl/v1', async () => json(200, discovery())),
  route('PUT', '/-/orgctl/v1/orgs/:org', async (c) => {
    const body = await c.body();
    return json(201, await c.core.orgLifecycle.create(await c.actor(), c.cred, c.params.org!, body));
  }),
  route('DELETE', '/-/orgctl/v1/orgs/:org', async (c) => json(200, await c.core.orgLifecycle.deleteOrg(await c.actor(), c.cred, c.params.org!))),
  route('GET', '/-/orgctl/v1/orgs/:org/members', async (c) => {
    const all = c.core.detailedMembers(await c.actor(), c.params.org!);
    const user = c.query.get('user');
    return json(200, user === null ? all : all.filter((m) => m.user === user));
  }),
  route('GET', '/-/orgctl/v1/orgs/:org/tfa', async (c) => json(200, c.core.tfaStatus(await c.actor(), c.params.org!))),
  route('GET', '/-/orgctl/v1/orgs/:org/tfa/preview', async (c) => json(200, c.core.tfaPreview(await c.actor(), c.params.org!))),
  route('PUT', '/-/orgctl/v1/orgs/:org/tfa', async (c) => {
    const body = await c.body();
    if (typeof body.required !== 'boolean') throw new HttpError(400, 'required must be true or false.', 'EBADREQUEST');
    if (body.maxRemovals !== undefined && (!Number.isInteger(body.maxRemovals) || (body.maxRemovals as number) < 0)) {
      throw new HttpError(400, 'maxRemovals must be a whole number of 0 or more.', 'EBADREQUEST');
    }
    const actor = await c.actor();
    if (body.required) return json(200, await c.core.requireTfa(actor, c.cred, c.params.org!, { maxRemovals: body.maxRemovals as number | undefined }));
    return json(200, await c.core.liftTfa(actor, c.cred, c.params.org!));
  }),
  route('PUT', '/-/orgctl/v1/orgs/:org/tfa/schedule', async (c) => json(200, await c.core.tfaSchedule.schedule(await c.actor(), c.cred, c.params.org!, await c.body()))),
  route('DELETE', '/-/orgctl/v1/orgs/:org/tfa/schedule', async (c) => json(200, await c.core.tfaSchedule.cancel(await c.actor(), c.cred, c.params.org!))),
  route('GET', '/-/orgctl/v1/tfa-deadlines', async (c) => json(200, c.core.tfaSchedule.deadlinesFor(await c.actor()))),
  route('POST', '/-/orgctl/v1/orgs/:org/tfa/remind', async (c) => json(200, await c.core.remindTfa(await c.actor(), c.cred, c.params.org!))),
  route('GET', '/-/orgctl/v1/orgs/:org/removals', async (c) => json(200, c.core.removals(await c.actor(), c.params.org!))),
  route('GET', '/-/orgctl/v1/orgs/:org/audit', async (c) => {
    const sinceRaw = c.query.get('since');
    const since = sinceRaw === null ? undefined : Date.parse(sinceRaw);
    if (since !== undefined && Number.isNaN(since)) throw new HttpError(400, 'since must be a date, e.g. 2026-11-01 or 2026-11-01T12:00:00Z.', 'EBADQUERY');
    const limit = intParam(c.query, 'limit', 1000, 1, 100_000);
    return json(200, c.core.audit(await c.actor(), c.params.org!, { since, limit }));
  }),
  route('POST', '/-/orgctl/v1/orgs/:org/invitations', async (c) => {
    const body = await c.body();
    return json(200, await c.core.invite(await c.actor(), c.cred, c.params.org!, body));
  }),
  route('GET', '/-/orgctl/v1/orgs/:org/invitations', async (c) => json(200, c.core.orgInvitations(await c.actor(), c.params.org!))),
  route('DELETE', '/-/orgctl/v1/orgs/:org/invitations/:user', async (c) => json(200, await c.core.revokeInvitation(await c.actor(), c.cred, c.params.org!, c.params.user!))),
  route('GET', '/-/orgctl/v1/invitations', async (c) => json(200, c.core.myInvitations(await c.actor()))),
  route('POST', '/-/orgctl/v1/invitations/:org/accept', async (c) => json(200, await c.core.acceptInvitation(await c.actor(), c.cred, c.params.org!))),
  route('POST', '/-/orgctl/v1/invitations/:org/decline', async (c) => json(200, await c.core.declineInvitation(await c.actor(), c.cred, c.params.org!))),

  // ---- packages (docs/registry-api.md §3.8). Rules live in the core; these only map HTTP.
  pkgRoute('GET', '/-/package/:pkg/dist-tags', async (c) => json(200, c.core.distTags(await c.optionalActor(), c.params.pkg!))),
  pkgRoute('PUT', '/-/package/:pkg/dist-tags/:tag', async (c) => {
    const version = await jsonString(c);
    return json(201, await c.core.setDistTag(await c.actor(), c.cred, c.params.pkg!, c.params.tag!, version));
  }),
  pkgRoute('DELETE', '/-/package/:pkg/dist-tags/:tag', async (c) => json(200, await c.core.removeDistTag(await c.actor(), c.cred, c.params.pkg!, c.params.tag!))),
  pkgRoute('GET', '/:pkg', async (c) => rawJson(200, c.core.packages.packumentJson(await c.optionalActor(), c.params.pkg!, c.base)), notDash),
  pkgRoute(
    'PUT',
    '/:pkg',
    async (c) => {
      const body = await c.body();
      return json(201, await c.core.publish(await c.actor(), c.cred, c.params.pkg!, body));
    },
    { ...notDash, maxBody: MAX_PUBLISH_BYTES },
  ),
  pkgRoute('GET', '/:pkg/-/:file', async (c) => tarballReply(c, c.params.pkg!), notDash),
  pkgRoute('GET', '/:scope/:name/-/:file', async (c) => tarballReply(c, scopedName(c.params)), scoped),
  pkgRoute(
    'PUT',
    '/:pkg/-rev/:rev',
    async (c) => {
      const body = await c.body();
      // npm owner add|rm sends the maintainers alone; unpublish sends the versions to keep
      if (isMaintainersChange(body)) return json(200, await c.core.packages.setMaintainers(await c.actor(), c.cred, c.params.pkg!, c.params.rev!, body));
      return json(200, await c.core.unpublishVersions(await c.actor(), c.cred, c.params.pkg!, c.params.rev!, body));
    },
    { ...notDash, maxBody: MAX_PUBLISH_BYTES },
  ),
  pkgRoute('DELETE', '/:pkg/-rev/:rev', async (c) => json(200, await c.core.unpublishPackage(await c.actor(), c.cred, c.params.pkg!, c.params.rev!)), notDash),
  pkgRoute('DELETE', '/:pkg/-/:file/-rev/:rev', async (c) => json(200, await c.core.unpublishTarball(await c.actor(), c.cred, c.params.pkg!, c.params.file!, c.params.rev!)), notDash),
  pkgRoute(
    'DELETE',
    '/:scope/:name/-/:file/-rev/:rev',
    async (c) => json(200, await c.core.unpublishTarball(await c.actor(), c.cred, scopedName(c.params), c.params.file!, c.params.rev!)),
    scoped,
  ),
];

/** Route parameters that carry a secret (a token, a token key, a login session id). */
const SECRET_PARAMS = new Set(['token', 'key', 'id']);

/** The decoded segments of a request path (query dropped, empty segments skipped); null when the percent-encoding is bad. */
export function pathSegments(rawUrl: string): string[] | null {
  const qi = rawUrl.indexOf('?');
  try {
    return (qi >= 0 ? rawUrl.slice(0, qi) : rawUrl).split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/** The routes of each path length, in table order (built on first use). */
let byLength: Map<number, Route[]> | null = null;

/** The routes whose path (and guard) match `segments`, in table order, any method, with their parameters. */
export function matchingRoutes(segments: string[]): { route: Route; params: Record<string, string> }[] {
  if (!byLength) {
    byLength = new Map();
    for (const r of routes) {
      const list = byLength.get(r.path.length) ?? [];
      list.push(r);
      byLength.set(r.path.length, list);
    }
  }
  const out: { route: Route; params: Record<string, string> }[] = [];
  for (const route of byLength.get(segments.length) ?? []) {
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const p = route.path[i]!;
      if (p.charCodeAt(0) === 58 /* : */) params[p.slice(1)] = segments[i]!;
      else ok = p === segments[i];
    }
    if (ok && (!route.guard || route.guard(params))) out.push({ route, params });
  }
  return out;
}

/** The path of a matched route as logged: its own segments, secret parameters as `***`. */
export function routeLogPath(route: Route, params: Record<string, string>): string {
  return (
    '/' +
    route.path
      .map((seg) => {
        if (!seg.startsWith(':')) return seg;
        const name = seg.slice(1);
        return SECRET_PARAMS.has(name) ? '***' : encodeURIComponent(params[name]!).replace(/%3A/gi, ':');
      })
      .join('/')
  );
}
