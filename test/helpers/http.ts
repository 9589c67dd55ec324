import { request as httpRequest } from 'node:http';

/** A tiny fetch wrapper for tests that talk HTTP to the reference registry. */
export interface CallOptions {
  /** the client address to send from: any of 127.0.0.0/8 (one agent per address, kept for the run) */
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
