/**
 * The Verdaccio shapes the plugin uses, declared here: the plugin has no runtime dependency on
 * Verdaccio (src/verdaccio/plugin.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerdaccioConfig } from './config-check.js';
import type { VerdaccioStorage } from './maintainers.js';

/** Verdaccio's `req.remote_user`. */
export interface RemoteUser {
  name?: string;
  groups: string[];
  real_groups: string[];
  error?: string;
}

/** What Verdaccio passes to allow_*: the package name plus its matched `packages:` rule. */
export interface PackageAccessInfo {
  name: string;
  version?: string;
}

export interface JwtHelpers {
  createRemoteUser(name: string, groups: string[]): RemoteUser;
  createAnonymousRemoteUser(): RemoteUser;
}

export interface PluginLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
}

/**
 * The plugin's section of the Verdaccio config (Verdaccio merges its own config into it); read
 * from Verdaccio's whole config by ./config-check.ts, which checks both halves at once.
 */
export interface OrgctlPluginConfig {
  /** the orgctl data folder; relative paths are resolved from the Verdaccio config file's folder */
  data?: string;
  /** a seed file (JSON, as for `orgctl registry serve --seed`), applied when the store is new */
  seed?: string;
  /** who may create an account by signing up: `open` (default), `closed` or `invite` */
  signup?: string;
  /** send notifications over SMTP (as `registry serve --smtp`); without it they are files in `<data>/outbox/` */
  smtp?: string;
  /** the sender of notifications (as `registry serve --mail-from`) */
  mailFrom?: string;
}

export interface PluginOptions {
  config: VerdaccioConfig;
  logger: PluginLogger;
}

export type Req = IncomingMessage & { remote_user?: RemoteUser; originalUrl?: string };
export type Res = ServerResponse & { locals?: Record<string, unknown> };
export type Next = (err?: unknown) => void;
export type Middleware = (req: Req, res: Res, next: Next) => void;
export type AuthCallback = (err: Error | null, groups?: string[] | false) => void;
export type AccessCallback = (err: Error | null, ok?: boolean) => void;

/** What the CommonJS entry exposes to Verdaccio, method for method. */
export interface OrgctlPlugin {
  authenticate(user: string, password: string, cb: AuthCallback): void;
  allow_access(user: RemoteUser, pkg: PackageAccessInfo, cb: AccessCallback): void;
  allow_publish(user: RemoteUser, pkg: PackageAccessInfo, cb: AccessCallback): void;
  allow_unpublish(user: RemoteUser, pkg: PackageAccessInfo, cb: AccessCallback): void;
  apiJWTmiddleware(helpers: JwtHelpers): Middleware;
  /**
   * The middleware half: `register_middlewares(app, auth, storage)` does
   * `app.use(plugin.middleware(storage))`; the storage is where the auth half reads maintainers.
   */
  middleware(storage?: VerdaccioStorage): Middleware;
  /**
   * Throws the config problem found at load (a PluginConfigError naming the fix), if any. The
   * CommonJS entry calls it from the hooks Verdaccio runs synchronously while building its app
   * (errors thrown while Verdaccio loads a plugin are only logged), so Verdaccio's start fails.
   */
  assertUsable(): void;
}
