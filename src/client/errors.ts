import { CliError, ExitCode } from '../errors.js';
import { visible } from '../ui/visible.js';

/** The parts of a response an error keeps (never the request's headers: they hold credentials). */
export interface HttpErrorInit {
  status: number;
  method: string;
  url: string;
  body: unknown;
  headers?: Record<string, string | string[] | undefined>;
}

/** The server's own words: `message` first (registry docs), else `error`. */
export function serverMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; error?: unknown; reason?: unknown };
    for (const v of [b.message, b.error, b.reason]) if (typeof v === 'string' && v.trim()) return v.trim();
  }
  if (typeof body === 'string' && body.trim() && body.length < 300 && !body.trimStart().startsWith('<')) return body.trim();
  return undefined;
}

function serverCode(body: unknown): string | undefined {
  const c = (body as { code?: unknown } | null)?.code;
  return typeof c === 'string' && c ? c : undefined;
}

/**
 * A response with status >= 400. 401 means the credential was missing or refused, so it exits 4;
 * everything else is a failed operation (exit 1). The message quotes the server with its control
 * characters made visible; `serverMessage` keeps the server's words as sent (for `--json`).
 */
export class HttpError extends CliError {
  readonly status: number;
  /** The server's `code` (e.g. `EOTP`), else `E<status>` like npm. */
  readonly code: string;
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly serverMessage?: string;
  constructor(init: HttpErrorInit, exitCode?: ExitCode, hint?: string) {
    const msg = serverMessage(init.body);
    const path = redactPath(init.url);
    super(
      `${msg === undefined ? `the registry answered ${init.status}` : visible(msg)} (${init.method} ${visible(path)}: ${init.status})`,
      exitCode ?? (init.status === 401 ? ExitCode.Auth : ExitCode.Failure),
      hint ?? (init.status === 401 ? 'Your token was refused: run `orgctl login` again or check ORGCTL_TOKEN.' : undefined),
    );
    this.status = init.status;
    this.code = serverCode(init.body) ?? `E${init.status}`;
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
    this.serverMessage = msg;
  }
}

/** The server asked for a one-time password (401 + `WWW-Authenticate: OTP`, or `code: EOTP`). */
export class OtpRequiredError extends HttpError {
  constructor(init: HttpErrorInit) {
    super(init, ExitCode.Auth, 'Pass a one-time password from your authenticator (or a recovery code) with --otp <code>.');
  }
}

export const NETWORK_HINT = 'Check the registry URL, your network and the HTTP(S)_PROXY settings.';

/** The registry could not be reached, dropped the connection, or did not answer in time (exit 1). */
export class NetworkError extends CliError {
  override readonly cause?: unknown;
  constructor(message: string, cause?: unknown, hint: string = NETWORK_HINT) {
    super(message, ExitCode.Failure, hint);
    this.cause = cause;
  }
}

/** Refused before sending: a credential would travel over plain http to a non-loopback host (exit 2). */
export class InsecureRegistryError extends CliError {
  constructor(url: string) {
    const u = new URL(url);
    super(
      `refusing to send or receive credentials over plain http to ${u.host}`,
      ExitCode.Usage,
      'Use an https:// registry URL. Plain http is only allowed for loopback hosts (127.0.0.1, ::1, localhost).',
    );
  }
}

/**
 * The path and query of a URL, for messages and debug lines. Token revocation puts the token in
 * the path (`/-/user/token/<token>`), so that segment is masked.
 */
export function redactPath(url: string): string {
  let path: string;
  try {
    const u = new URL(url);
    path = `${u.pathname}${u.search}`;
  } catch {
    path = url;
  }
  return path.replace(/(\/-\/user\/token\/)[^/?]+/, '$1***');
}

/**
 * npm's classification of a 401 (npm-registry-fetch check-response.js): an `otp` part in
 * `WWW-Authenticate`, or with no such header a body mentioning a one-time password, or a JSON
 * `code: "EOTP"`.
 */
export function isOtpChallenge(status: number, headers: Record<string, string | string[] | undefined>, body: unknown): boolean {
  if (status !== 401) return false;
  const raw = headers['www-authenticate'];
  const www = Array.isArray(raw) ? raw.join(',') : raw;
  if (www) {
    if (www.split(/,\s*/).some((p) => p.trim().toLowerCase() === 'otp')) return true;
  }
  if (serverCode(body) === 'EOTP') return true;
  if (!www) {
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
    if (/one-time pass/i.test(text)) return true;
  }
  return false;
}

/** Builds the typed error for a failed response. */
export function errorForResponse(init: HttpErrorInit, refusedTokenHint?: string): HttpError {
  if (isOtpChallenge(init.status, init.headers ?? {}, init.body)) return new OtpRequiredError(init);
  return new HttpError(init, undefined, init.status === 401 ? refusedTokenHint : undefined);
}
