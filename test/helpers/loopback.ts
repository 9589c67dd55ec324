import { request } from 'node:http';

/** Linux routes all of 127.0.0.0/8 to loopback: tests play several clients with `localAddress`. */
export interface FromResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One HTTP request to `base` + `path` from `localAddress` (e.g. '127.0.0.2'), on its own connection
 * (no keep-alive). The body is parsed as JSON when it is JSON.
 */
export function requestFrom(localAddress: string, base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<FromResult> {
  const url = new URL(path.replace(/^\//, ''), base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search, method, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
