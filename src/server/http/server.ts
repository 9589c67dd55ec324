import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryCore } from '../core/registry-core.js';
import { CoreError } from '../core/errors.js';
import type { Credentials } from '../core/types.js';
import { HttpError, credentialsOf, errorReply, send, type Reply } from './http-util.js';
import { bodyReaders, matchingRoutes, pathSegments, routeLogPath, type RouteContext } from './routes.js';

/**
 * The reference registry's HTTP layer on node:http: routing, body limits, credentials, error
 * mapping and one log line per request (never a token, password or OTP: paths that carry a token
 * or a login session id are redacted).
 */
export interface RegistryServerOptions {
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
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (reply.status === 413 || (hasBody && !req.readableEnded && reply.status >= 400)) {
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

  const server = createServer((req, res) => {
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

export { CoreError };
