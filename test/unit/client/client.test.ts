import { afterEach, describe, expect, it } from '@jest/globals';
import { RegistryClient, parseRetryAfter } from '../../../src/client/client.js';
import { HttpError, InsecureRegistryError, NetworkError, OtpRequiredError } from '../../../src/client/errors.js';
import { ExitCode } from '../../../src/errors.js';
import { json, startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { testClock } from '../../helpers/clock.js';
import { VERSION } from '../../../src/version.js';

let server: ScriptedServer | undefined;
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

function client(registry: string, extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) {
  const clock = testClock();
  const c = new RegistryClient({ registry, clock, random: () => 0.5, ...extra });
  clients.push(c);
  return { c, clock };
}

describe('RegistryClient retries', () => {
  it('retries a GET answered 503 then 200, with a backoff wait', async () => {
    server = await startScriptedServer((_req, res, i) => (i === 0 ? json(res, 503, { error: 'busy' }) : json(res, 200, { username: 'alice' })));
    const { c, clock } = client(server.url);
    await expect(c.request('GET', '-/whoami')).resolves.toEqual({ username: 'alice' });
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps).toHaveLength(1);
    // base 500 ms, equal jitter with random()=0.5 → 250 + 125
    expect(clock.sleeps[0]).toBe(375);
  });

  it('waits what Retry-After asks for (seconds) on 429', async () => {
    server = await startScriptedServer((_req, res, i) =>
      i === 0 ? json(res, 429, { error: 'slow down' }, { 'retry-after': '2' }) : json(res, 200, { ok: true }),
    );
    const { c, clock } = client(server.url);
    await c.request('GET', '-/whoami');
    expect(clock.sleeps).toEqual([2000]);
  });

  it('gives up after 3 attempts and reports the last error with the server message', async () => {
    server = await startScriptedServer((_req, res) => json(res, 503, { error: 'Service Unavailable', message: 'maintenance until noon' }));
    const { c, clock } = client(server.url);
    const err = await c.request('DELETE', '-/org/acme/user').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(503);
    expect((err as HttpError).message).toContain('maintenance until noon');
    expect((err as HttpError).exitCode).toBe(ExitCode.Failure);
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[1]).toBeGreaterThan(clock.sleeps[0]!);
  });

  it('never retries a POST', async () => {
    server = await startScriptedServer((_req, res) => json(res, 503, { error: 'busy' }));
    const { c, clock } = client(server.url);
    await expect(c.request('POST', '-/v1/login', { body: {} })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry 4xx other than 429', async () => {
    server = await startScriptedServer((_req, res) => json(res, 404, { error: 'Not Found', message: 'no such org', code: 'E404' }));
    const { c } = client(server.url);
    await expect(c.request('GET', '-/org/nope/user')).rejects.toMatchObject({ status: 404, code: 'E404' });
    expect(server.requests).toHaveLength(1);
  });

  it('does not wait for a Retry-After longer than its maximum', async () => {
    server = await startScriptedServer((_req, res) => json(res, 503, { error: 'later' }, { 'retry-after': '3600' }));
    const { c, clock } = client(server.url);
    await expect(c.request('GET', '-/whoami')).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries network errors on idempotent methods, then throws a NetworkError (exit 1)', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, {}));
    const deadUrl = server.url;
    await server.close();
    server = undefined;
    const { c, clock } = client(deadUrl);
    const err = await c.request('GET', '-/whoami').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).exitCode).toBe(ExitCode.Failure);
    expect((err as NetworkError).message).toMatch(/could not reach the registry at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('RegistryClient requests', () => {
  it('sends npm-style headers, the token, the OTP and a JSON body under the registry path prefix', async () => {
    server = await startScriptedServer((_req, res) => json(res, 201, { ok: true }));
    const { c } = client(`${server.url}reg/`, { token: 'tok123', command: 'org' });
    await c.request('PUT', '/-/org/acme/user', { body: { user: 'bob', role: 'admin' }, otp: '123456', query: { format: 'cli' } });
    const [req] = server.requests;
    expect(req!.url).toBe('/reg/-/org/acme/user?format=cli');
    expect(req!.headers['user-agent']).toBe(`orgctl/${VERSION} node/${process.version} ${process.platform} ${process.arch}`);
    expect(req!.headers['npm-command']).toBe('org');
    expect(req!.headers['npm-otp']).toBe('123456');
    expect(req!.headers.authorization).toBe('Bearer tok123');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ user: 'bob', role: 'admin' });
  });

  it('sends no npm-otp header when no OTP is given', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, { username: 'a' }));
    const { c } = client(server.url, { token: 't' });
    await c.request('GET', '-/whoami');
    expect(server.requests[0]!.headers['npm-otp']).toBeUndefined();
  });

  it('does not send the token to another origin (e.g. an absolute doneUrl elsewhere)', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, {}));
    const other = await startScriptedServer((_req, res) => json(res, 200, {}));
    try {
      const { c } = client(server.url, { token: 'secret-token' });
      await c.request('GET', `${other.url}done/1`);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('maps 401 to exit 4 and a WWW-Authenticate: OTP challenge to OtpRequiredError', async () => {
    server = await startScriptedServer((req, res) =>
      req.url === '/-/whoami'
        ? json(res, 401, { error: 'Unauthorized', message: 'invalid token', code: 'E401' })
        : json(res, 401, { error: 'otp', message: 'This operation requires a one-time password.', code: 'EOTP' }, { 'www-authenticate': 'OTP' }),
    );
    const { c } = client(server.url, { token: 't' });
    const e401 = (await c.request('GET', '-/whoami').catch((e: unknown) => e)) as HttpError;
    expect(e401).toBeInstanceOf(HttpError);
    expect(e401).not.toBeInstanceOf(OtpRequiredError);
    expect(e401.exitCode).toBe(ExitCode.Auth);
    expect(e401.message).toContain('invalid token');
    const eotp = (await c.request('PUT', '-/org/acme/user', { body: {} }).catch((e: unknown) => e)) as HttpError;
    expect(eotp).toBeInstanceOf(OtpRequiredError);
    expect(eotp.exitCode).toBe(ExitCode.Auth);
    expect(eotp.code).toBe('EOTP');
  });

  it('recognises an OTP challenge by header parts like npm ("Bearer, OTP"), not by "OTP realm=x"', async () => {
    server = await startScriptedServer((req, res) =>
      json(res, 401, { error: 'nope' }, { 'www-authenticate': req.url === '/a' ? 'Bearer, OTP' : 'OTP realm="x"' }),
    );
    const { c } = client(server.url);
    await expect(c.request('GET', 'a')).rejects.toBeInstanceOf(OtpRequiredError);
    const other = await c.request('GET', 'b').catch((e: unknown) => e);
    expect(other).toBeInstanceOf(HttpError);
    expect(other).not.toBeInstanceOf(OtpRequiredError);
  });

  it('keeps the token out of error messages for token revocation', async () => {
    server = await startScriptedServer((_req, res) => json(res, 404, { error: 'no such token' }));
    const { c } = client(server.url, { token: 'npm_SECRET' });
    const err = (await c.request('DELETE', `-/user/token/npm_SECRET`).catch((e: unknown) => e)) as HttpError;
    expect(err.message).toContain('/-/user/token/***');
    expect(err.message).not.toContain('npm_SECRET');
  });

  it('refuses to send a token over plain http to a non-loopback host, before any request', async () => {
    const { c } = client('http://registry.example.com/', { token: 't' });
    const err = (await c.request('GET', '-/whoami').catch((e: unknown) => e)) as InsecureRegistryError;
    expect(err).toBeInstanceOf(InsecureRegistryError);
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('refusing to send or receive credentials over plain http to registry.example.com');
  });

  it('refuses a password-bearing request over plain http to a non-loopback host too', async () => {
    const { c } = client('http://10.1.2.3:8080/');
    await expect(c.request('PUT', '-/user/org.couchdb.user:a', { body: { password: 'x' }, sensitive: true })).rejects.toBeInstanceOf(
      InsecureRegistryError,
    );
  });
});
