/** A tiny fetch wrapper for tests that talk HTTP to the reference registry. */
export interface CallOptions {
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
  const res = await fetch(new URL(path.replace(/^\//, ''), base), { method, headers, body: payload });
  const text = await res.text();
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
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
