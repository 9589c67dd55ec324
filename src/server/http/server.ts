import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RegistryCore } from '../core/registry-core.js';
import { CoreError } from '../core/errors.js';
import type { Actor, Credentials } from '../core/types.js';
import { HttpError, credentialsOf, errorReply, hasRequestBody, parseJsonObject, readBody, send, type Reply } from './http-util.js';
import { matchingRoutes, pathSegments, routeLogPath, type RouteContext } from './routes.js';

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

/** A Host header the base URL may be built from: a name or IPv4 address, or an IPv6 one in brackets, and a port. */
const HOST_HEADER = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/;

export function createRegistryServer(opts: RegistryServerOptions): RegistryServer {
  const { core } = opts;
  const log = opts.log ?? (() => {});
  let url: string | null = null;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  /** What is known of a request as it is answered; its log line is written when the response closes. */
  interface Entry {
    started: number;
    /** the matched route's path (secrets masked), or null: the raw path, masked by logPath */
    path: string | null;
    status: number;
    cred?: Credentials;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, entry: Entry): Promise<void> {
    let reply: Reply;
    try {
      reply = await dispatch(req, entry);
    } catch (err) {
      reply = errorReply(err, entry.cred);
      if (reply.status >= 500) opts.onError?.(err);
    }
    if (reply.status >= 400 && (reply.status === 413 || (hasRequestBody(req) && !req.readableEnded))) {
      // Do not read an unread (possibly huge) body; close the connection after answering.
      reply.headers = { ...(reply.headers ?? {}), connection: 'close' };
    }
    entry.status = reply.status;
    if (!res.headersSent) send(res, reply);
  }

  /** The matching route's answer (a bad URL, an unknown path or method throws HttpError). */
  function dispatch(req: IncomingMessage, entry: Entry): Promise<Reply> {
    const rawUrl = req.url ?? '/';
    if (!rawUrl.startsWith('/') || rawUrl.length > 8192) throw new HttpError(400, 'Bad request URL.', 'EBADURL');
    const qi = rawUrl.indexOf('?');
    const rawPath = qi >= 0 ? rawUrl.slice(0, qi) : rawUrl;
    const segments = pathSegments(rawPath);
    if (!segments) throw new HttpError(400, 'Bad percent-encoding in the URL.', 'EBADURL');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let allowed: Set<string> | null = null;
    for (const { route: r, params } of matchingRoutes(segments)) {
      entry.path = routeLogPath(r, params);
      if (r.method !== method) {
        (allowed ??= new Set()).add(r.method);
        continue;
      }
      const cred = credentialsOf(req);
      entry.cred = cred;
      return r.handler(new Context(req, params, qi >= 0 ? rawUrl.slice(qi + 1) : '', cred, core, baseUrlFor, r.maxBody));
    }
    if (allowed) {
      if (allowed.has('GET')) allowed.add('HEAD');
      throw new HttpError(405, `Method ${req.method} is not allowed here; use ${[...allowed].join(' or ')}.`, 'EMETHOD', { allow: [...allowed].join(', ') });
    }
    throw new HttpError(404, `Not found: ${req.method} ${logPath(rawPath)}`, 'ENOTFOUND');
  }

  // The last Host header seen and its base URL: clients send the same one request after request.
  let lastHost: string | undefined;
  let lastBase = '';
  function baseUrlFor(req: IncomingMessage): string {
    const host = req.headers.host;
    if (host === lastHost) return lastBase;
    if (typeof host !== 'string' || !HOST_HEADER.test(host)) return url ?? '/';
    lastHost = host;
    lastBase = `http://${host}/`;
    return lastBase;
  }

  const limits = { ...CONNECTION_DEFAULTS };
  for (const k of Object.keys(CONNECTION_DEFAULTS) as (keyof ConnectionOptions)[]) if (opts[k] !== undefined) limits[k] = opts[k]!;
  // connectionsCheckingInterval: how often Node applies the two timeouts (its 30 s would let 15 s run to 45 s)
  const serverOptions = { headersTimeout: limits.headersTimeout, requestTimeout: limits.requestTimeout, connectionsCheckingInterval: 1_000 };
  const server = createServer(serverOptions, (req, res) => {
    inFlight++;
    const entry: Entry = { started: performance.now(), path: null, status: 0 };
    res.on('close', () => {
      inFlight--;
      if (entry.status) log(`${req.method} ${entry.path ?? logPath(req.url ?? '/')} ${entry.status} ${(performance.now() - entry.started).toFixed(1)}ms`);
      if (inFlight === 0 && idle) idle();
    });
    handle(req, res, entry).catch((err) => {
      opts.onError?.(err);
      if (res.headersSent) return;
      entry.status = 500;
      send(res, { status: 500, body: { error: 'Internal server error.', message: 'Internal server error.', code: 'EINTERNAL' } });
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

/** What a route handler gets: the query, base URL, body and actor are worked out on first use. */
class Context implements RouteContext {
  private q: URLSearchParams | null = null;
  private textP: Promise<string> | null = null;
  private actorP: Promise<Actor> | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly params: Record<string, string>,
    private readonly rawQuery: string,
    readonly cred: Credentials,
    readonly core: RegistryCore,
    private readonly baseOf: (req: IncomingMessage) => string,
    private readonly maxBody: number | undefined,
  ) {}

  get base(): string {
    return this.baseOf(this.req);
  }

  get query(): URLSearchParams {
    return (this.q ??= new URLSearchParams(this.rawQuery));
  }

  text(): Promise<string> {
    return (this.textP ??= readBody(this.req, this.maxBody));
  }

  async body(): Promise<Record<string, unknown>> {
    return parseJsonObject(await this.text());
  }

  actor(): Promise<Actor> {
    return (this.actorP ??= this.core.requireActor(this.cred));
  }

  optionalActor(): Promise<Actor | null> {
    return this.core.authenticate(this.cred);
  }
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
