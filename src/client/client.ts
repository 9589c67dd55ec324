import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { VERSION } from '../version.js';
import { isSecureForCredentials } from '../config/registry.js';
import { errorForResponse, InsecureRegistryError, NETWORK_HINT, NetworkError, redactPath } from './errors.js';

import { systemClock, type Clock } from './clock.js';

export { systemClock, type Clock };

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' | 'OPTIONS';

export interface RequestOptions {
  /** JSON body (sent with `content-type: application/json`). */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as `npm-otp`. */
  otp?: string;
  /** Sent as `npm-command` (defaults to the client's command). */
  command?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Set when the body carries a password: then the request obeys the same transport rule as a token. */
  sensitive?: boolean;
  /** Override the client's token for this request (`null` sends none). */
  token?: string | null;
  /**
   * `false`: never repeat this request, even if its method is idempotent. For writes whose answer
   * reports what the first attempt changed (enforcement's list of removed members), a repeat would
   * succeed with a misleading answer.
   */
  retry?: boolean;
  /**
   * Return a successful answer's body as the bytes the registry sent (`Buffer[]`, not decoded or
   * parsed; errors are still parsed). For output passed straight through: `org ls --json` on
   * 10,000 members then skips the decode, the parse and the re-serializing.
   */
  bytes?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  url: string;
}

export interface RetryPolicy {
  /** Total attempts, including the first (at most 3 by contract). */
  attempts: number;
  /** First backoff wait; doubled per retry, with jitter. */
  baseDelayMs: number;
  /** Largest wait the client accepts, from backoff or from `Retry-After`. A longer `Retry-After` is not waited for. */
  maxDelayMs: number;
}

export interface RegistryClientOptions {
  /** Normalised registry URL (ends with `/`). */
  registry: string;
  token?: string;
  /** Default `npm-command` header. */
  command?: string;
  userAgent?: string;
  /** Per-request timeout for connecting, headers and body. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** In [0, 1); injected to make jitter deterministic in tests. */
  random?: () => number;
  /** A ready undici dispatcher (tests); otherwise one is built from `env` (proxies). */
  dispatcher?: Dispatcher;
  /** Proxy settings are read from here (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower case too). */
  env?: NodeJS.ProcessEnv;
  /** Debug log sink (never receives credentials). */
  debug?: (line: string) => void;
  /** Wraps each request's whole wait, retries included (the CLI shows a spinner when it is slow). */
  wait?: <T>(wait: Promise<T>) => Promise<T>;
  /** The hint when the registry refuses `token` (401): it names where the token came from. */
  refusedTokenHint?: string;
}

const IDEMPOTENT = new Set<string>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

export function defaultUserAgent(): string {
  return `orgctl/${VERSION} node/${process.version} ${process.platform} ${process.arch}`;
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds, or undefined.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * The registry client every command uses. It speaks npm's wire conventions (headers, JSON bodies,
 * `npm-otp`), refuses to leak credentials over plain http, retries idempotent requests and turns
 * HTTP failures into typed errors. Requests go through Node's own http/https modules; undici (which
 * costs more to load than the rest of the CLI) is imported only when a proxy is configured or a
 * dispatcher is injected (tests).
 */
export class RegistryClient {
  readonly registry: string;
  readonly token?: string;
  private readonly opts: RegistryClientOptions;
  private readonly retry: RetryPolicy;
  /** the client's clock: backoff waits, and polling a web-auth doneUrl (client/web-auth.ts) */
  readonly clock: Clock;
  private dispatcherPromise?: Promise<Dispatcher>;
  private readonly agents = new Map<string, HttpAgent>();

  constructor(opts: RegistryClientOptions) {
    this.opts = opts;
    this.registry = opts.registry;
    this.token = opts.token;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.retry.attempts = Math.max(1, Math.min(3, this.retry.attempts));
    this.clock = opts.clock ?? systemClock;
  }

  /** Resolves a registry-relative path (keeping any registry path prefix) or passes an absolute URL through. */
  url(path: string, query?: RequestOptions['query']): string {
    const u = /^https?:\/\//i.test(path) ? new URL(path) : new URL(path.replace(/^\/+/, ''), this.registry);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Sends a request and returns the parsed JSON body; any status >= 400 throws a typed error. */
  async request<T = unknown>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    if (res.status >= 400) {
      // The hint names the source of the client's own token, not of a token given for this request.
      const refusedHint = opts.token === undefined && this.token ? this.opts.refusedTokenHint : undefined;
      throw errorForResponse({ status: res.status, method, url: res.url, body: res.body, headers: res.headers }, refusedHint);
    }
    return res.body as T;
  }

  /**
   * Like `request` but returns every response, including >= 400 after retries (for flows that read
   * statuses themselves, such as the web-login poll). Network errors still throw.
   */
  async raw(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const sent = this.send(method, path, opts);
    return this.opts.wait ? this.opts.wait(sent) : sent;
  }

  private async send(method: HttpMethod, path: string, opts: RequestOptions): Promise<RawResponse> {
    const url = this.url(path, opts.query);
    const headers = this.headers(url, opts);
    if ((headers.authorization || opts.sensitive) && !isSecureForCredentials(url)) {
      throw new InsecureRegistryError(url);
    }
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const retryable = opts.retry !== false && IDEMPOTENT.has(method);
    for (let attempt = 1; ; attempt++) {
      let res: RawResponse | undefined;
      let failure: NetworkError | undefined;
      try {
        res = await this.once(method, url, headers, body, opts.bytes === true);
      } catch (err) {
        failure = toNetworkError(err, url, retryable, this.opts.timeoutMs ?? 30_000);
      }
      const last = !retryable || attempt >= this.retry.attempts;
      if (res && !(res.status === 429 || res.status >= 500)) return res;
      if (last) {
        if (failure) throw failure;
        return res!;
      }
      let wait = this.backoff(attempt);
      if (res) {
        const after = parseRetryAfter(res.headers['retry-after'], this.clock.now());
        if (after !== undefined) {
          if (after > this.retry.maxDelayMs) return res; // the server wants longer than we wait: give up now
          wait = after;
        }
      }
      this.opts.debug?.(`retry ${attempt}/${this.retry.attempts - 1} for ${method} ${safeUrl(url)} in ${wait} ms (${res ? res.status : failure!.message})`);
      await this.clock.sleep(wait);
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random. */
  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const random = this.opts.random ?? Math.random;
    return Math.round(exp / 2 + (random() * exp) / 2);
  }

  private headers(url: string, opts: RequestOptions): Record<string, string> {
    const h: Record<string, string> = {
      'user-agent': this.opts.userAgent ?? defaultUserAgent(),
      accept: 'application/json',
      ...opts.headers,
    };
    const command = opts.command ?? this.opts.command;
    if (command) h['npm-command'] = command;
    if (opts.otp) h['npm-otp'] = opts.otp;
    const token = opts.token === null ? undefined : (opts.token ?? this.token);
    // Credentials go only to the registry's own origin (not to e.g. a third-party doneUrl).
    if (token && new URL(url).origin === new URL(this.registry).origin) h.authorization = `Bearer ${token}`;
    return h;
  }

  private async once(method: string, url: string, headers: Record<string, string>, body: string | undefined, asBytes: boolean): Promise<RawResponse> {
    if (!this.opts.dispatcher && !proxyConfigured(this.opts.env ?? {})) return this.onceNode(method, url, headers, body, asBytes);
    const { request } = await import('undici');
    const timeout = this.opts.timeoutMs ?? 30_000;
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      dispatcher: await this.dispatcher(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    this.opts.debug?.(`${method} ${safeUrl(url)} -> ${res.statusCode}`);
    return { status: res.statusCode, headers: res.headers, body: answer(res.statusCode, [bytes], res.headers['content-type'], asBytes), url };
  }

  /**
   * One request on node:http / node:https with a keep-alive agent per protocol. The timeout applies
   * to connecting and to every wait for data (headers, then each part of the body), as undici's do.
   */
  private async onceNode(method: string, url: string, headers: Record<string, string>, body: string | undefined, asBytes: boolean): Promise<RawResponse> {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
    let agent = this.agents.get(u.protocol);
    if (!agent) {
      agent = new mod.Agent({ keepAlive: true });
      this.agents.set(u.protocol, agent);
    }
    const timeout = this.opts.timeoutMs ?? 30_000;
    const reqHeaders: Record<string, string> = { ...headers };
    if (body !== undefined) reqHeaders['content-length'] = String(Buffer.byteLength(body));
    const { status, resHeaders, chunks } = await new Promise<{ status: number; resHeaders: IncomingMessage['headers']; chunks: Buffer[] }>((resolve, reject) => {
      const req = mod.request(u, { method, headers: reqHeaders, agent, timeout }, (res) => {
        const chunks: Buffer[] = []; // kept as they arrive: decoded once, or not at all (bytes)
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, resHeaders: res.headers, chunks }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeout} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
    this.opts.debug?.(`${method} ${safeUrl(url)} -> ${status}`);
    return { status, headers: resHeaders, body: answer(status, chunks, resHeaders['content-type'], asBytes), url };
  }

  private dispatcher(): Promise<Dispatcher> {
    if (this.opts.dispatcher) return Promise.resolve(this.opts.dispatcher);
    this.dispatcherPromise ??= buildDispatcher(this.opts.env ?? {}, this.opts.timeoutMs ?? 30_000);
    return this.dispatcherPromise;
  }

  /** Releases sockets so the process can exit promptly. */
  async close(): Promise<void> {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    if (this.dispatcherPromise) await (await this.dispatcherPromise).close();
  }
}

/** True when HTTP_PROXY or HTTPS_PROXY (either case) is set: then requests go through undici's proxy agent. */
function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return !!(env.http_proxy || env.HTTP_PROXY || env.https_proxy || env.HTTPS_PROXY);
}

/**
 * An undici dispatcher honouring HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) from `env`.
 * Loopback hosts are never proxied.
 */
export async function buildDispatcher(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Dispatcher> {
  const undici = await import('undici');
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
  const connect = { timeout: timeoutMs };
  if (!httpProxy && !httpsProxy) return new undici.Agent({ connect });
  const noProxy = [env.no_proxy ?? env.NO_PROXY ?? '', 'localhost', '127.0.0.1', '::1'].filter(Boolean).join(',');
  return new undici.EnvHttpProxyAgent({ httpProxy, httpsProxy, noProxy, connect });
}

/** A response body: the raw chunks when bytes were asked for and it succeeded, else parsed JSON or text. */
function answer(status: number, chunks: Buffer[], contentType: string | string[] | undefined, asBytes: boolean): unknown {
  if (asBytes && status < 400) return chunks;
  return parseBody(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'), contentType);
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (!text) return undefined;
  const ct = String(contentType ?? '');
  if (ct.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function safeUrl(url: string): string {
  return `${new URL(url).origin}${redactPath(url)}`;
}

/**
 * One line saying what went wrong on the wire: not reached, connection closed while answering, or
 * no answer within the timeout. When a request that is never repeated (POST, PATCH) may have
 * reached the registry, the hint says so, as running the command again could repeat the change.
 */
function toNetworkError(err: unknown, url: string, retryable: boolean, timeoutMs: number): NetworkError {
  const e = err as { code?: string; message?: string };
  const host = new URL(url).host;
  const code = e?.code ?? '';
  const mayHaveApplied = retryable
    ? NETWORK_HINT
    : 'The change may have been made: check before running the command again (orgctl does not repeat it).';
  // node reports ETIMEDOUT, undici UND_ERR_{CONNECT,HEADERS,BODY}_TIMEOUT.
  if (/TIME(D)?OUT/i.test(code)) {
    const hint = `Set ORGCTL_TIMEOUT (seconds) to wait longer. ${code === 'UND_ERR_CONNECT_TIMEOUT' ? NETWORK_HINT : mayHaveApplied}`;
    return new NetworkError(`the registry at ${host} did not answer within ${timeoutMs / 1000} s (${code})`, err, hint);
  }
  if (/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(code)) {
    return new NetworkError(`the connection to the registry at ${host} closed before the answer was complete (${code})`, err, mayHaveApplied);
  }
  return new NetworkError(`could not reach the registry at ${host}${code ? ` (${code})` : e?.message ? `: ${e.message}` : ''}`, err);
}

