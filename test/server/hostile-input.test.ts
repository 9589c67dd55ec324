import { describe, expect, it } from '@jest/globals';
import { registryPerFile } from '../helpers/registry.js';
import { call, rawRequest } from '../helpers/http.js';
import { ALICE, BOB } from '../helpers/fixtures.js';

const srv = registryPerFile();

const expectJsonError = (r: { status: number; body: any; headers: Headers }, status: number) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json');
  expect(typeof r.body.error).toBe('string');
  expect(r.body.message).toBe(r.body.error);
  expect(r.body.code).toMatch(/^E[A-Z]+/);
};

describe('bad requests get 4xx JSON errors and the server keeps serving', () => {
  it('unknown routes are JSON 404; wrong methods are 405 with Allow; HEAD works like GET without a body', async () => {
    expectJsonError(await call(srv.url, 'GET', '/nope'), 404);
    const r = await call(srv.url, 'PATCH', '/-/org/acme/user', { token: BOB.token });
    expectJsonError(r, 405);
    expect(r.headers.get('allow')).toBe('GET, PUT, DELETE, HEAD');
    const head = await call(srv.url, 'HEAD', '/-/whoami', { token: BOB.token });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it.each([
    ['malformed JSON', '{"user":'],
    ['a JSON array', '["bob"]'],
    ['a JSON string', '"bob"'],
  ])('%s → 400', async (_label, raw) => {
    expectJsonError(await call(srv.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, raw, headers: { 'content-type': 'application/json' } }), 400);
  });

  it.each([
    ['a number as user', { user: 42 }],
    ['an object as user', { user: { name: 'bob' } }],
    ['a bad role', { user: 'bob', role: 'god' }],
    ['upper case', { user: 'Bob' }],
    ['dot-dot', { user: 'a..b' }],
    ['a slash', { user: 'a/b' }],
    ['NUL', { user: 'bo\u0000b' }],
    ['unicode', { user: 'bób' }],
    ['a very long name', { user: 'a'.repeat(300) }],
  ])('%s → 400 before any auth or OTP work', async (_label, body) => {
    expectJsonError(await call(srv.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, body }), 400);
  });

  it.each(['/-/org/ac%2fme/user', '/-/org/..%2e/user', '/-/org/%E0%A4%A/user', '/-/org/AC ME/user', '/-/team/acme/c%00re/user'])('odd path %s → 400', async (path) => {
    expectJsonError(await call(srv.url, 'GET', path, { token: BOB.token }), 400);
  });

  it('a body over 1 MiB is refused with 413', async () => {
    const r = await call(srv.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, raw: JSON.stringify({ user: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expectJsonError(r, 413);
  });

  it('a chunked body over 1 MiB is refused with 413 too', async () => {
    // one 2 MiB chunk, streamed until the server answers
    const size = 2 * 1024 * 1024;
    const r = await rawRequest(srv.url, { method: 'PUT', path: '/-/org/acme/user', headers: { authorization: `Bearer ${ALICE.token}`, 'transfer-encoding': 'chunked' }, body: `${size.toString(16)}\r\n`, fillerBytes: size });
    expect([r.status, r.headers['content-type'], JSON.parse(r.text).code]).toEqual([413, 'application/json', 'ETOOLARGE']);
  });

  it('a malformed Authorization header is 400, an unknown scheme too', async () => {
    expectJsonError(await call(srv.url, 'GET', '/-/whoami', { headers: { authorization: 'Bearer' } }), 400);
    expectJsonError(await call(srv.url, 'GET', '/-/whoami', { headers: { authorization: 'Digest abc' } }), 400);
  });

  it('still serves normally after all of that, and never answered 5xx', async () => {
    expect((await call(srv.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
    expect(srv.reg.logs.filter((l) => / 5\d\d /.test(l))).toEqual([]);
  });
});
