/**
 * Server faults as the client meets them (issue 9, item 6): 500, 503 with Retry-After, a
 * connection closed mid-response, a connection dropped with no answer, and a server that stalls.
 * Each case runs on both transports: node:http (the default) and undici (used behind a proxy;
 * here an injected dispatcher). Requests are counted server-side, so "sent exactly once" is what
 * the server saw. client.test.ts covers the basics (503/429 retries, POST 503 once, refused
 * connections); this file adds the faults around them.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { RegistryClient, type HttpMethod, type RegistryClientOptions } from '../../../src/client/client.js';
import { HttpError, NetworkError } from '../../../src/client/errors.js';
import { ExitCode } from '../../../src/errors.js';
import {
  cutMidResponse,
  dropConnection,
  json,
  stallMidBody,
  startScriptedServer,
  type Handler,
  type ScriptedServer,
} from '../../helpers/scripted-server.js';
import { testClock } from '../../helpers/clock.js';

const TIMEOUT_MS = 200;

let server: ScriptedServer | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
  await server?.close();
  server = undefined;
});

const TRANSPORTS = ['node:http', 'undici'] as const;
type Transport = (typeof TRANSPORTS)[number];

async function setup(transport: Transport, handler: Handler, extra: Partial<RegistryClientOptions> = {}) {
  server = await startScriptedServer(handler);
  const clock = testClock();
  const opts: RegistryClientOptions = { registry: server.url, clock, random: () => 0.5, timeoutMs: TIMEOUT_MS, ...extra };
  if (transport === 'undici') {
    const agent = new Agent();
    opts.dispatcher = agent;
    cleanups.push(() => agent.close());
  }
  const c = new RegistryClient(opts);
  cleanups.push(() => c.close());
  return { c, clock, s: server };
}

const failureOf = (p: Promise<unknown>) => p.then(
  () => {
    throw new Error('expected the request to fail');
  },
  (e: unknown) => e,
);

/** Every method the client can send, and whether a failed attempt may be sent again. */
const METHODS: [HttpMethod, boolean][] = [
  ['GET', true],
  ['HEAD', true],
  ['PUT', true],
  ['DELETE', true],
  ['OPTIONS', true],
  ['POST', false],
  ['PATCH', false],
];

describe.each(TRANSPORTS)('client faults over %s', (transport) => {
  it.each(METHODS)('%s answered 500 three times: %s means 3 attempts, else exactly 1; exit 1 with the server message', async (method, retried) => {
    const { c, clock, s } = await setup(transport, (_req, res) => json(res, 500, { error: 'Internal Server Error', message: 'store unavailable' }));
    const err = await failureOf(c.request(method, '-/org/acme/user', method === 'GET' || method === 'HEAD' ? {} : { body: { user: 'bob' } }));
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(500);
    expect((err as HttpError).exitCode).toBe(ExitCode.Failure);
    if (method !== 'HEAD') expect((err as HttpError).message).toContain('store unavailable');
    expect(s.requests.map((r) => r.method)).toEqual(Array(retried ? 3 : 1).fill(method));
    expect(clock.sleeps).toHaveLength(retried ? 2 : 0);
  });

  it('a 500 then a 200 on a PUT succeeds on the second attempt', async () => {
    const { c, s } = await setup(transport, (_req, res, i) => (i === 0 ? json(res, 500, { error: 'oops' }) : json(res, 200, { ok: true })));
    await expect(c.request('PUT', '-/org/acme/user', { body: { user: 'bob', role: 'admin' } })).resolves.toEqual({ ok: true });
    expect(s.requests).toHaveLength(2);
    expect(JSON.parse(s.requests[1]!.body)).toEqual({ user: 'bob', role: 'admin' });
  });

  it('a PUT sent with retry: false (enforcement) is sent once even on a cut connection, and says the change may have been made', async () => {
    const { c, s } = await setup(transport, (_req, res) => cutMidResponse(res));
    const err = await failureOf(c.request('PUT', '-/orgctl/v1/orgs/acme/tfa', { body: { required: true }, retry: false }));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).hint).toMatch(/may have been made/);
    expect(s.requests).toHaveLength(1);
  });

  it('503 with Retry-After (an HTTP date) on a DELETE waits that long, then succeeds', async () => {
    const { c, clock, s } = await setup(transport, (_req, res, i) =>
      i === 0 ? json(res, 503, { error: 'maintenance' }, { 'retry-after': new Date(clock.now() + 4000).toUTCString() }) : json(res, 200, {}),
    );
    await c.request('DELETE', '-/org/acme/user', { body: { user: 'bob' } });
    expect(s.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([4000]);
  });

  it('503 with Retry-After on a POST is not waited for: one request, the 503 reported (exit 1)', async () => {
    const { c, clock, s } = await setup(transport, (_req, res) => json(res, 503, { error: 'busy', message: 'try again later' }, { 'retry-after': '1' }));
    const err = await failureOf(c.request('POST', '-/orgctl/v1/orgs/acme/invitations', { body: { invitations: [{ user: 'bob' }] } }));
    expect(err).toMatchObject({ status: 503, exitCode: ExitCode.Failure });
    expect(s.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a GET whose connection closes mid-response (headers sent, body cut) is retried and then succeeds', async () => {
    const { c, s } = await setup(transport, (_req, res, i) => (i === 0 ? cutMidResponse(res) : json(res, 200, { username: 'alice' })));
    await expect(c.request('GET', '-/whoami')).resolves.toEqual({ username: 'alice' });
    expect(s.requests).toHaveLength(2);
  });

  it('a GET cut mid-response every time: 3 attempts, then a NetworkError saying the connection closed (exit 1)', async () => {
    const { c, s } = await setup(transport, (_req, res) => cutMidResponse(res));
    const err = await failureOf(c.request('GET', '-/org/acme/user'));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).exitCode).toBe(ExitCode.Failure);
    expect((err as NetworkError).message).toMatch(/^the connection to the registry at 127\.0\.0\.1:\d+ closed before the answer was complete \(\w+\)$/);
    expect(s.requests).toHaveLength(3);
  });

  it.each([
    ['closes mid-response', cutMidResponse],
    ['drops the connection with no answer', dropConnection],
    ['answers 503', (res: Parameters<Handler>[1]) => json(res, 503, { error: 'busy' })],
  ] as const)('a POST the server %s is sent exactly once and fails with exit 1', async (_what, fault) => {
    const { c, clock, s } = await setup(transport, (_req, res) => fault(res));
    const err = await failureOf(c.request('POST', '-/orgctl/v1/orgs/acme/invitations', { body: { invitations: [{ user: 'bob' }] } }));
    expect((err as NetworkError | HttpError).exitCode).toBe(ExitCode.Failure);
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /-/orgctl/v1/orgs/acme/invitations']);
    expect(clock.sleeps).toEqual([]);
    if (err instanceof NetworkError) {
      // The change may have been made: the user is told to check rather than to simply run it again.
      expect(err.hint).toMatch(/may have been made/);
    }
  });

  it('a server that never answers: each GET attempt times out, 3 attempts, a clear timeout message naming ORGCTL_TIMEOUT (exit 1)', async () => {
    const { c, s } = await setup(transport, () => {});
    const err = await failureOf(c.request('GET', '-/org/acme/user'));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).exitCode).toBe(ExitCode.Failure);
    expect((err as NetworkError).message).toMatch(/^the registry at 127\.0\.0\.1:\d+ did not answer within 0\.2 s \(\w+\)$/);
    expect((err as NetworkError).hint).toContain('ORGCTL_TIMEOUT');
    expect(s.requests).toHaveLength(3);
  });

  it('a server that stalls in the middle of the body times out too', async () => {
    const { c, s } = await setup(transport, (_req, res) => stallMidBody(res), { retry: { attempts: 1 } });
    const err = await failureOf(c.request('GET', '-/org/acme/user'));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/did not answer within 0\.2 s/);
    expect(s.requests).toHaveLength(1);
  });

  it('a POST to a server that never answers is sent once and times out (exit 1)', async () => {
    const { c, s } = await setup(transport, () => {});
    const err = await failureOf(c.request('POST', '-/orgctl/v1/orgs/acme/tfa/remind'));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/did not answer within 0\.2 s/);
    expect((err as NetworkError).hint).toMatch(/may have been made/);
    expect(s.requests).toHaveLength(1);
  });
});

describe('client faults: messages', () => {
  it('names the timeout in whole seconds when it is whole (the default is 30 s)', async () => {
    const { c } = await setup('node:http', () => {}, { timeoutMs: 1000, retry: { attempts: 1 } });
    const err = (await failureOf(c.request('GET', '-/whoami'))) as NetworkError;
    expect(err.message).toMatch(/did not answer within 1 s \(/);
  });

  it('a refused connection still says the registry could not be reached, with the usual hint', async () => {
    const { c, s } = await setup('node:http', (_req, res) => json(res, 200, {}), { retry: { attempts: 1 } });
    await s.close();
    server = undefined;
    const err = (await failureOf(c.request('POST', '-/v1/login', { body: {} }))) as NetworkError;
    expect(err.message).toMatch(/^could not reach the registry at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    expect(err.hint).toBe('Check the registry URL, your network and the HTTP(S)_PROXY settings.');
  });
});
