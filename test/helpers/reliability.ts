/**
 * Shared pieces of the reliability suite (test/reliability): a seeded PRNG, the default/stress
 * sizes, temp folders, and a raw HTTP/1.1 request over a socket (fetch would normalise `..`,
 * refuse NUL and bad methods, and never send a lying Content-Length).
 */
import { afterEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `ORGCTL_STRESS=1` runs the full sizes (npm run test:stress); the default keeps CI fast. */
export const STRESS = process.env.ORGCTL_STRESS === '1';
export const size = (dflt: number, stress: number): number => (STRESS ? stress : dflt);
/** The PRNG seed: fixed by default so a failure can be replayed; `ORGCTL_SEED=n` picks another. */
export const SEED = Number(process.env.ORGCTL_SEED ?? 20261128);

export interface Rng {
  /** a float in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast and deterministic for a given seed. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** Fresh temp folders for each test, removed after it. */
export function useTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
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
