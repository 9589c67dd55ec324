// JSON bodies nested deeper than MAX_JSON_DEPTH are refused at parse time (docs/registry-api.md §2.3).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';
import { pkgPath, publishBody } from '../helpers/packages.js';
import { MAX_JSON_DEPTH } from '../../src/server/http/http-util.js';

const clock = testClock();
let reg: TestRegistry;
beforeEach(async () => {
  reg = await startRegistry({ seed: BASIC, clock });
});
afterEach(() => reg.close());

/** `levels` nested arrays, as JSON text (built as text: JSON.stringify itself fails deep enough). */
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const DEPTH_ERROR = { error: `Request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, message: `Request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, code: 'EJSONDEPTH' };
const json = { 'content-type': 'application/json' };
const alice = () => ({ token: ALICE.token, otp: totp(ALICE.secret, clock.now()), headers: json });

describe('a deeply nested JSON body is 400 EJSONDEPTH, never a 500', () => {
  it('publish (PUT /<pkg>) with a manifest nested 5000 levels deep', async () => {
    const raw = JSON.stringify(publishBody('deep', '1.0.0')).replace('"main":"index.js"', `"main":"index.js","deep":${nested(5000)}`);
    const r = await call(reg.url, 'PUT', pkgPath('deep'), { token: BOB.token, raw, headers: json });
    expect([r.status, r.body]).toEqual([400, DEPTH_ERROR]);
    expect((await call(reg.url, 'GET', '/deep')).status).toBe(404);
    expect(reg.logs.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it('PUT /-/org/<org>/user with a deep extra field: refused, nothing changed', async () => {
    const r = await call(reg.url, 'PUT', '/-/org/acme/user', { ...alice(), raw: `{"user":"bob","role":"admin","x":${nested(5000)}}` });
    expect([r.status, r.body]).toEqual([400, DEPTH_ERROR]);
    expect((await call(reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).body.bob).toBe('developer');
  });

  it('a body of a million nested arrays (under 1 MiB) gets the same answer, not "not valid JSON"', async () => {
    const r = await call(reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, raw: nested(500_000), headers: json });
    expect([r.status, r.body]).toEqual([400, DEPTH_ERROR]);
  });

  it('the dist-tag body (a JSON string) is bounded too', async () => {
    const r = await call(reg.url, 'PUT', '/-/package/deep/dist-tags/next', { token: BOB.token, raw: nested(5000), headers: json });
    expect([r.status, r.body]).toEqual([400, DEPTH_ERROR]);
  });
});

describe('the limit is exact and counts only structure', () => {
  it(`${MAX_JSON_DEPTH} levels (the body object included) are accepted; one more is refused`, async () => {
    // The body object is level 1, so the field may hold MAX_JSON_DEPTH - 1 levels.
    const ok = await call(reg.url, 'PUT', '/-/org/acme/user', { ...alice(), raw: `{"user":"bob","role":"admin","x":${nested(MAX_JSON_DEPTH - 1)}}` });
    expect(ok.status).toBe(201);
    const deep = await call(reg.url, 'PUT', '/-/org/acme/user', { ...alice(), raw: `{"user":"bob","role":"developer","x":${nested(MAX_JSON_DEPTH)}}` });
    expect([deep.status, deep.body.code]).toEqual([400, 'EJSONDEPTH']);
  });

  it('brackets inside strings, escaped quotes included, do not count', async () => {
    const text = `\\"${'[{'.repeat(200)}\\\\`;
    const r = await call(reg.url, 'PUT', '/-/org/acme/user', { ...alice(), raw: `{"user":"bob","role":"admin","note":"${text}","n2":"\\\\"}` });
    expect(r.status).toBe(201);
  });

  it('a body that is not JSON is still EBADJSON', async () => {
    const r = await call(reg.url, 'PUT', '/-/org/acme/user', { ...alice(), raw: '{"user":"bob' });
    expect([r.status, r.body.code]).toEqual([400, 'EBADJSON']);
  });
});
