/**
 * Job: a scripted HTTP server for the client's tests (not a registry: registry.ts starts those).
 *
 *   const s = await startScriptedServer((req, res, i) => json(res, i === 0 ? 503 : 200, {}))
 *   s.url, s.requests (method, url, headers, body), await s.close()
 *   cutMidResponse(res), stallMidBody(res), dropConnection(res): broken answers
 * The client's clock is clock.ts's testClock() (sleeps recorded in `clock.sleeps`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, index: number) => void;

export interface ScriptedServer {
  /** Base URL, ends with `/`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny node:http server on 127.0.0.1:0 for client unit tests: each request is recorded and
 * answered by `handler` (which gets the request's index, to script sequences like 503 then 200).
 */
export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      handler(rec, res, requests.length - 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A connection closed mid-response: the status line and headers go out (promising a longer body),
 * then part of the body, then the socket is destroyed.
 */
export function cutMidResponse(res: ServerResponse, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"partial":', () => res.socket?.destroy());
}

/** A stalled server: headers and the first part of the body go out, and then nothing more. */
export function stallMidBody(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"partial":');
}

/** A connection closed with no answer at all (no status line). */
export function dropConnection(res: ServerResponse): void {
  res.socket?.destroy();
}
