/**
 * Job: HTTP calls to a registry under test (the reference registry, Verdaccio, a spawned server).
 *
 *   call(base, method, path, { token, otp, basic, body, raw, headers, from })
 *        -> { status, headers, body (parsed JSON or undefined), text }     fetch, for ordinary requests;
 *                                         `from`: the client address (any of 127.0.0.0/8), node:http
 *   submitLoginForm(loginUrl, { username, password, otp })                 the browser's web-login form
 *                                         (loads the page first, for its hidden CSRF field)
 *   rawRequest(base, { method, path, headers, body, fillerBytes })
 *        -> { status, headers, text }     one request over a raw socket: what fetch will not send
 *                                         (`..`, NUL, bad methods, a lying Content-Length, huge bodies)
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface CallOptions {
  /** the client address to send from: any of 127.0.0.0/8 (Linux routes all of it to loopback) */
  from?: string;
  token?: string;
  otp?: string;
  basic?: [string, string];
  body?: unknown;
  /** a raw body, sent as is */
  raw?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function call(base: string, method: string, path: string, o: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.basic) headers.authorization = `Basic ${Buffer.from(`${o.basic[0]}:${o.basic[1]}`).toString('base64')}`;
  if (o.otp) headers['npm-otp'] = o.otp;
  let payload: string | undefined = o.raw;
  if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  const url = new URL(path.replace(/^\//, ''), base);
  const res = o.from ? await sendFrom(o.from, url, method, headers, payload) : await fetch(url, { method, headers, body: payload });
  const text = await res.text();
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The request sent from a chosen local address (node:http's `localAddress`), answered as a fetch Response. */
function sendFrom(localAddress: string, url: URL, method: string, headers: Record<string, string>, payload: string | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: h }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Plays the browser on the registry's web-login page: loads it, then posts its form (username,
 * password, otp) with the page's hidden fields (the CSRF token).
 */
export async function submitLoginForm(loginUrl: string, fields: Record<string, string>): Promise<Response> {
  const html = await (await fetch(loginUrl)).text();
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  return fetch(loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    redirect: 'manual',
  });
}

export interface RawRequest {
  method: string;
  /** sent exactly as given on the request line */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** send this many filler bytes as the body (after `body`), in 64 KiB writes, until the server answers */
  fillerBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * Sends one request on a fresh connection (`Connection: close`) and reads the answer. Resolves
 * with status 0 when the server closed the connection without a status line.
 */
export function rawRequest(base: string, r: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname, port: Number(u.port) });
    const chunks: Buffer[] = [];
    let answered = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms to ${r.method} ${r.path.slice(0, 120)}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    sock.on('data', (c: Buffer) => {
      answered = true;
      chunks.push(c);
    });
    sock.on('error', () => sock.destroy()); // EPIPE/ECONNRESET after an early answer: keep what came
    sock.on('close', finish);
    sock.on('connect', async () => {
      const headers = { host: u.host, connection: 'close', ...(r.headers ?? {}) };
      const head = `${r.method} ${r.path} HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
      sock.write(Buffer.from(head, 'latin1'));
      if (r.body !== undefined) sock.write(r.body);
      let left = r.fillerBytes ?? 0;
      const block = Buffer.alloc(64 * 1024, 0x61);
      while (left > 0 && !answered && !sock.destroyed) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!sock.write(block.subarray(0, n))) await new Promise((res) => setTimeout(res, 1));
      }
    });
  });
}

function parseResponse(buf: Buffer): RawResponse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, text: buf.toString('utf8') };
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, text: body.toString('utf8') };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < b.length) {
    const nl = b.indexOf('\r\n', i);
    if (nl < 0) break;
    const n = parseInt(b.subarray(i, nl).toString('latin1'), 16);
    if (!n) break;
    out.push(b.subarray(nl + 2, nl + 2 + n));
    i = nl + 2 + n + 2;
  }
  return Buffer.concat(out);
}
