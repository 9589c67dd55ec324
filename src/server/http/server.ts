import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RegistryCore } from '../core/registry-core.js';
import { CoreError } from '../core/errors.js';
import type { Credentials } from '../core/types.js';
import { HttpError, credentialsOf, errorReply, hasRequestBody, send, type Reply } from './http-util.js';
import { bodyReaders, matchingRoutes, pathSegments, routeLogPath, type RouteContext } from './routes.js';

/**
 * The reference registry's HTTP layer on node:http: routing, body limits, credentials, error
 * mapping and one log line per request (never a token, password or OTP: paths that carry a token
 * or a login session id are redacted).
 */
export interface ConnectionOptions {
  /** ms a client has to send the request line and headers (Node's `headersTimeout`) */
  headersTimeout?: number;
  /** ms a client has to send the whole request, body included (Node's `requestTimeout`) */
  requestTimeout?: number;
  /** ms an idle keep-alive connection stays open after an answer */
  keepAliveTimeout?: number;
  /** ms of silence (nothing sent either way) after which a connection is closed (Node's `server.timeout`) */
  idleTimeout?: number;
  /** open connections allowed from one client address; further ones are closed at once (0: no cap) */
  maxConnectionsPerAddress?: number;
}

/**
 * So that slow or idle clients cannot make the server unreachable: a connection that sends
 * nothing is subject to no timeout but `idleTimeout`, hence the per-address cap.
 */
export const CONNECTION_DEFAULTS: Required<ConnectionOptions> = {
  headersTimeout: 15_000,
  requestTimeout: 120_000,
  keepAliveTimeout: 5_000,
  idleTimeout: 60_000,
  maxConnectionsPerAddress: 128,
};

export interface RegistryServerOptions extends ConnectionOptions {
  core: RegistryCore;
  /** one line per request; default: none */
  log?: (line: string) => void;
  /** called with unexpected errors (server bugs), which become 500s */
  onError?: (err: unknown) => void;
}

export interface RegistryServer {
  server: Server;
  /** resolves to the base URL, ending in '/' */
  listen(port: number, host: string): Promise<string>;
  /** stops accepting, waits for in-flight requests, closes idle keep-alive connections */
  close(): Promise<void>;
  url: string | null;
}

/**
 * The request path as logged for an unmatched request: query dropped, control characters
 * replaced, and any segment that could be a secret (a token, a long id) replaced by `***`.
 */
export function logPath(rawUrl: string): string {
  const p = rawUrl
    .split('?')[0]!
    .split('/')
    .map((seg) => (/^(npm_|%6Eo?pm_)/i.test(seg) || seg.length >= 24 ? '***' : seg))
    .join('/')
    // Control characters and very long paths would make the log unreadable or forge lines.
    .replace(/[\x00-\x1f\x7f]/g, '?');
  return p.length > 200 ? `${p.slice(0, 200)}…` : p;
}

export function createRegistryServer(opts: RegistryServerOptions): RegistryServer {
  const { core } = opts;
  const log = opts.log ?? (() => {});
  let url: string | null = null;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let reply: Reply;
    let cred: Credentials | undefined;
    let shownPath: string | null = null;
    try {
      reply = await dispatch(req, (c) => (cred = c), (p) => (shownPath = p));
    } catch (err) {
      reply = errorReply(err, cred);
      if (reply.status >= 500) opts.onError?.(err);
    }
    if (reply.status === 413 || (hasRequestBody(req) && !req.readableEnded && reply.status >= 400)) {
      // Do not read an unread (possibly huge) body; close the connection after answering.
      reply.headers = { ...(reply.headers ?? {}), connection: 'close' };
    }
    if (!res.headersSent) send(res, reply);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${method} ${shownPath ?? logPath(req.url ?? '/')} ${reply.status} ${ms.toFixed(1)}ms`);
    });
  }

  async function dispatch(req: IncomingMessage, setCred: (c: Credentials) => void, setPath: (p: string) => void): Promise<Reply> {
    const rawUrl = req.url ?? '/';
    if (!rawUrl.startsWith('/') || rawUrl.length > 8192) throw new HttpError(400, 'Bad request URL.', 'EBADURL');
    const qi = rawUrl.indexOf('?');
    const rawPath = qi >= 0 ? rawUrl.slice(0, qi) : rawUrl;
    const query = new URLSearchParams(qi >= 0 ? rawUrl.slice(qi + 1) : '');
    const segments = pathSegments(rawPath);
    if (!segments) throw new HttpError(400, 'Bad percent-encoding in the URL.', 'EBADURL');
    const allowed = new Set<string>();
    for (const { route: r, params } of matchingRoutes(segments)) {
      setPath(routeLogPath(r, params));
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      if (r.method !== method) {
        allowed.add(r.method);
        continue;
      }
      const cred = credentialsOf(req);
      setCred(cred);
      let actorP: ReturnType<RouteContext['actor']> | null = null;
      const ctx: RouteContext = {
        req,
        params,
        query,
        cred,
        core,
        base: baseUrlFor(req),
        ...bodyReaders(req, r.maxBody),
        actor: () => (actorP ??= core.requireActor(cred)),
        optionalActor: () => core.authenticate(cred),
      };
      return r.handler(ctx);
    }
    if (allowed.size > 0) {
      if (allowed.has('GET')) allowed.add('HEAD');
      throw new HttpError(405, `Method ${req.method} is not allowed here; use ${[...allowed].join(' or ')}.`, 'EMETHOD', { allow: [...allowed].join(', ') });
    }
    throw new HttpError(404, `Not found: ${req.method} ${logPath(rawPath)}`, 'ENOTFOUND');
  }

  function baseUrlFor(req: IncomingMessage): string {
    const host = req.headers.host;
    if (typeof host === 'string' && /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(host)) return `http://${host}/`;
    return url ?? '/';
  }

  const limits = { ...CONNECTION_DEFAULTS };
  for (const k of Object.keys(CONNECTION_DEFAULTS) as (keyof ConnectionOptions)[]) if (opts[k] !== undefined) limits[k] = opts[k]!;
  // connectionsCheckingInterval: how often Node applies the two timeouts (its 30 s would let 15 s run to 45 s)
  const serverOptions = { headersTimeout: limits.headersTimeout, requestTimeout: limits.requestTimeout, connectionsCheckingInterval: 1_000 };
  const server = createServer(serverOptions, (req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0 && idle) idle();
    });
    handle(req, res).catch((err) => {
      opts.onError?.(err);
      if (!res.headersSent) send(res, { status: 500, body: { error: 'Internal server error.', message: 'Internal server error.', code: 'EINTERNAL' } });
    });
  });
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.timeout = limits.idleTimeout;
  limitConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncache-control: no-store\r\ncontent-type: application/json\r\n\r\n{"error":"Bad request.","message":"Bad request.","code":"EBADREQUEST"}');
    else socket.destroy();
    void err;
  });

  return {
    server,
    get url() {
      return url;
    },
    listen(port: number, host: string): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          url = `http://${h}:${a.port}/`;
          core.webauthn.listening(url);
          resolve(url);
        });
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const finish = () => server.closeIdleConnections();
        if (inFlight === 0) finish();
        else idle = finish;
      });
    },
  };
}

/**
 * Closes, as soon as it is accepted, a connection from an address that already has `max` open
 * (0: no cap). The count is by the exact peer address.
 */
function limitConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    const n = open.get(addr) ?? 0;
    if (n >= max) {
      socket.destroy();
      return;
    }
    open.set(addr, n + 1);
    socket.once('close', () => {
      const left = open.get(addr)! - 1;
      if (left === 0) open.delete(addr);
      else open.set(addr, left);
    });
  });
}

export { CoreError };
