/**
 * Errors of the registry core. The core knows nothing of HTTP; the HTTP layer maps each kind to a
 * status (docs/registry-api.md lists the mapping): invalid 400, unauthenticated 401, otp 401 with
 * `WWW-Authenticate: OTP`, ip 401 with `WWW-Authenticate: ipaddress`, forbidden 403, not_found 404,
 * conflict 409, rate_limited 429 with `Retry-After`.
 */
export type CoreErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'otp'
  | 'ip'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited';

const CODES: Record<CoreErrorKind, string> = {
  invalid: 'EBADREQUEST',
  unauthenticated: 'EAUTH',
  otp: 'EOTP',
  ip: 'EAUTHIP',
  forbidden: 'EFORBIDDEN',
  not_found: 'ENOTFOUND',
  conflict: 'ECONFLICT',
  rate_limited: 'ERATELIMIT',
};

export class CoreError extends Error {
  readonly kind: CoreErrorKind;
  readonly code: string;
  /** Seconds a client should wait (rate_limited). */
  readonly retryAfter?: number;
  /** Extra JSON fields for the error body. */
  readonly extra?: Record<string, unknown>;
  constructor(kind: CoreErrorKind, message: string, opts: { code?: string; retryAfter?: number; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'CoreError';
    this.kind = kind;
    this.code = opts.code ?? CODES[kind];
    this.retryAfter = opts.retryAfter;
    this.extra = opts.extra;
  }
}

export const invalid = (m: string) => new CoreError('invalid', m);
export const forbidden = (m: string, code?: string) => new CoreError('forbidden', m, { code });
export const notFound = (m: string) => new CoreError('not_found', m);
export const conflict = (m: string) => new CoreError('conflict', m);
export const unauthenticated = (m: string) => new CoreError('unauthenticated', m);
