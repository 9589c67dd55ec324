import type { IncomingMessage, ServerResponse } from 'node:http';
import { CoreError, type CoreErrorKind } from '../core/errors.js';
import type { Credentials } from '../core/types.js';

/** Largest request body accepted; larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest publish body (npm's packument with the tarball in base64): its own, larger limit. */
export const MAX_PUBLISH_BYTES = 16 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects accepted in a JSON body (the body itself is level 1).
 * Deeper bodies are refused before JSON.parse: a manifest nested thousands of levels deep would
 * later make JSON.stringify throw (a 500 on every read of the package).
 */
export const MAX_JSON_DEPTH = 64;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS: Record<CoreErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  otp: 401,
  ip: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
};

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** a raw body (HTML, or a tarball's bytes); `body` is ignored when set */
  raw?: string | Buffer;
}

/** Maps a thrown value to a reply. Anything that is not a known error is a 500 (a server bug). */
export function errorReply(err: unknown, cred?: Credentials): Reply {
  if (err instanceof HttpError) {
    return { status: err.status, body: errorBody(err.message, err.code), headers: err.headers };
  }
  if (err instanceof CoreError) {
    const headers: Record<string, string> = {};
    if (err.kind === 'otp') {
      headers['www-authenticate'] = 'OTP';
      headers['npm-notice'] = 'You must provide a one-time pass. You can provide one using the "--otp" flag.';
    }
    if (err.kind === 'ip') headers['www-authenticate'] = 'ipaddress';
    if (err.kind === 'unauthenticated' && err.code === 'EAUTH') {
      headers['www-authenticate'] = cred?.basic ? 'Basic realm="registry"' : 'Bearer realm="registry"';
    }
    if (err.kind === 'rate_limited' && err.retryAfter) headers['retry-after'] = String(err.retryAfter);
    return { status: STATUS[err.kind], body: { ...errorBody(err.message, err.code), ...(err.extra ?? {}) }, headers };
  }
  return { status: 500, body: errorBody('Internal server error.', 'EINTERNAL') };
}

export function errorBody(message: string, code: string): { error: string; message: string; code: string } {
  return { error: message, message, code };
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...(reply.headers ?? {}) };
  let payload: string | Buffer | undefined;
  if (reply.raw !== undefined) {
    payload = reply.raw;
    headers['content-type'] ??= 'text/html; charset=utf-8';
  } else if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Reads the body up to `maxBytes` (default MAX_BODY_BYTES). Throws HttpError 413 beyond that. */
/** Whether the request announces a body (a non-zero Content-Length, or chunked). */
export function hasRequestBody(req: IncomingMessage): boolean {
  return (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  // A larger limit applies only to a body of declared length: a chunked one, which could stall
  // without end, keeps the ordinary limit (npm sends Content-Length with a publish).
  const limit = req.headers['content-length'] === undefined ? Math.min(maxBytes, MAX_BODY_BYTES) : maxBytes;
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `Request body is larger than ${limit} bytes.`, 'ETOOLARGE'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `Request body is larger than ${limit} bytes.`, 'ETOOLARGE'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/**
 * True when `text`, read as JSON, nests arrays and objects deeper than `max`. One pass over the
 * structure: strings are skipped with indexOf, so a large base64 tarball costs little.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  const structural = /["[\]{}]/g;
  let depth = 0;
  let m: RegExpExecArray | null;
  while ((m = structural.exec(text))) {
    const c = m[0];
    if (c === '"') {
      // Find the closing quote: one preceded by an even number of backslashes.
      let from = m.index + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return false; // unterminated string: JSON.parse reports it
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === 92) slashes++;
        from = q + 1;
        if (slashes % 2 === 0) break;
      }
      structural.lastIndex = from;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return true;
    } else depth--;
  }
  return false;
}

/** Parses a JSON body of any type: 400 EJSONDEPTH when nested too deep, 400 EBADJSON when not JSON. */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, `Request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, 'EJSONDEPTH');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.', 'EBADJSON');
  }
}

/** Parses a JSON body that must be an object (an empty body counts as `{}`). */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const v = parseJson(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'Request body must be a JSON object.', 'EBADJSON');
  return v as Record<string, unknown>;
}

/** Bearer or Basic credentials, the OTP header and the client address. */
export function credentialsOf(req: IncomingMessage): Credentials {
  const cred: Credentials = { ip: req.socket.remoteAddress ?? '' };
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^(\w+)\s+(.+)$/.exec(auth.trim());
    if (!m) throw new HttpError(400, 'Malformed Authorization header.', 'EBADAUTH');
    const scheme = m[1]!.toLowerCase();
    if (scheme === 'bearer') cred.bearer = m[2]!;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i <= 0) throw new HttpError(400, 'Malformed Basic credentials.', 'EBADAUTH');
      cred.basic = { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
    } else throw new HttpError(400, `Unsupported authorization scheme ${m[1]}.`, 'EBADAUTH');
  }
  const otp = req.headers['npm-otp'];
  if (typeof otp === 'string' && otp.length > 0) {
    if (otp.length > 128) throw new HttpError(400, 'npm-otp header is too long.', 'EBADOTP');
    cred.otp = otp;
  }
  return cred;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
