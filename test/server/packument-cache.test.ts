// Packuments are served from a cache of their JSON (core/packument-cache.ts): every change that
// shows in a packument must show on the next read, access must still be decided on each request,
// and the cache must stay bounded whatever Host headers clients send.
import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call, rawRequest } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, ERIN } from '../helpers/fixtures.js';
import { pkgPath, publishBody } from '../helpers/packages.js';
import { PackumentCache } from '../../src/server/core/packument-cache.js';

const srv = registryPerTest();
const aliceOtp = () => totp(ALICE.secret, srv.clock.now());
const publish = (token: string, name: string, version: string, opts: { otp?: string; tag?: string } = {}) =>
  call(srv.url, 'PUT', pkgPath(name), { token, otp: opts.otp, body: publishBody(name, version, opts) });
const read = async (name: string, token = BOB.token) => {
  const r = await call(srv.url, 'GET', pkgPath(name), { token });
  expect(r.status).toBe(200);
  return r.body;
};
const cache = () => (srv.reg.registry.core as unknown as { packages: { state: { packuments: PackumentCache } } }).packages.state.packuments;

describe('a cached packument follows every change', () => {
  it('new versions, dist-tags, maintainers, unpublished versions and a publisher\'s new email show on the next read', async () => {
    expect((await publish(BOB.token, 'hello', '1.0.0')).status).toBe(201);
    const first = await read('hello');
    expect(cache().size.entries).toBe(1);
    expect(await read('hello')).toEqual(first); // served from the cache

    expect((await publish(BOB.token, 'hello', '1.1.0', { tag: 'next' })).status).toBe(201);
    const second = await read('hello');
    expect(Object.keys(second.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(second['dist-tags']).toEqual({ latest: '1.0.0', next: '1.1.0' });
    expect(second._rev).not.toBe(first._rev);

    const tag = await call(srv.url, 'PUT', '/-/package/hello/dist-tags/beta', { token: BOB.token, raw: '"1.1.0"', headers: { 'content-type': 'application/json' } });
    expect(tag.status).toBe(201);
    expect((await read('hello'))['dist-tags']).toEqual({ latest: '1.0.0', next: '1.1.0', beta: '1.1.0' });

    const email = await call(srv.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { email: 'bob@new.example.com' } });
    expect([email.status, email.body?.code]).toEqual([200, undefined]);
    const third = await read('hello');
    expect(third.versions['1.0.0']._npmUser).toEqual({ name: 'bob', email: 'bob@new.example.com' });
    expect(third.maintainers).toEqual([{ name: 'bob', email: 'bob@new.example.com' }]);

    // npm unpublish of one version: GET ?write=true, PUT the document without it at its _rev
    const doc = await read('hello');
    delete doc.versions['1.1.0'];
    delete doc.time['1.1.0'];
    doc['dist-tags'] = { latest: '1.0.0' };
    const put = await call(srv.url, 'PUT', `/hello/-rev/${doc._rev}`, { token: BOB.token, body: doc });
    expect(put.status).toBe(200);
    expect(Object.keys((await read('hello')).versions)).toEqual(['1.0.0']);

    const gone = await call(srv.url, 'DELETE', `/hello/-rev/${(await read('hello'))._rev}`, { token: BOB.token });
    expect(gone.status).toBe(200);
    const after = await call(srv.url, 'GET', '/hello', { token: BOB.token });
    expect([after.status, after.body.code]).toEqual([404, 'ENOTFOUND']);
  });

  it('access is decided on every read: a member removed from the org is refused the packument the cache holds', async () => {
    expect((await publish(ALICE.token, '@acme/widget', '1.0.0', { otp: aliceOtp() })).status).toBe(201);
    await read('@acme/widget', ERIN.token);
    await read('@acme/widget', BOB.token);
    expect(cache().size.entries).toBe(1);
    const rm = await call(srv.url, 'DELETE', '/-/org/acme/user', { token: ALICE.token, otp: aliceOtp(), body: { user: 'erin' } });
    expect(rm.status).toBe(204);
    const refused = await call(srv.url, 'GET', pkgPath('@acme/widget'), { token: ERIN.token });
    expect([refused.status, refused.body.code]).toEqual([403, 'EFORBIDDEN']);
    const anon = await call(srv.url, 'GET', pkgPath('@acme/widget'));
    expect([anon.status, anon.body.code]).toEqual([401, 'ENEEDAUTH']);
    await read('@acme/widget', BOB.token);
  });

  it('tarball URLs follow the Host header the client used, and other Host headers do not grow the cache', async () => {
    expect((await publish(BOB.token, 'hello', '1.0.0')).status).toBe(201);
    const port = new URL(srv.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `a.example:${port}`, `b.example:${port}`, `localhost:${port}`]) {
      const r = await rawRequest(srv.url, { method: 'GET', path: '/hello', headers: { host, authorization: `Bearer ${BOB.token}` } });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text).versions['1.0.0'].dist.tarball).toBe(`http://${host}/hello/-/hello-1.0.0.tgz`);
      expect(cache().size.entries).toBe(1);
    }
  });
});

describe('PackumentCache', () => {
  const doc = (n: number) => ({ name: `p${n}`, pad: 'x'.repeat(80) });
  /** A cache of `max` characters, `get(n)` reading package pn (~100 characters of JSON), and how many were built. */
  const counted = (max: number) => {
    const c = new PackumentCache(max);
    const counter = { c, builds: 0, get: (n: number) => c.get(`p${n}`, 'http://r/', () => (counter.builds++, doc(n))) };
    return counter;
  };

  it('builds once per change and keeps at most its size in JSON, dropping first what was read least recently', () => {
    const t = counted(300);
    const { c, get } = t;
    get(1);
    get(2);
    get(1);
    expect(t.builds).toBe(2);
    expect(c.get('p1', 'http://r/', () => doc(99))).toBe(JSON.stringify(doc(1)));
    get(3); // each entry is ~100 characters: a third is over 300, so p2 (not read again) goes
    get(1); // p1 is read again
    get(4); // p3 goes
    expect(c.size.entries).toBe(2);
    expect(c.size.chars).toBeLessThanOrEqual(300);
    const before = t.builds;
    get(1);
    get(4);
    expect(t.builds).toBe(before); // kept: read since they were built
    get(2);
    expect(t.builds).toBe(before + 1); // p2 was dropped
  });

  it('drops a package on a change to it or one of its versions, and everything on a change to a user', () => {
    const c = new PackumentCache();
    for (const p of ['@a/x', 'y', 'z']) c.get(p, 'http://r/', () => ({ p }));
    c.invalidate([{ c: 'packageVersions', k: '@a/x@1.0.0', v: null }]);
    expect(c.size.entries).toBe(2);
    c.invalidate([{ c: 'packages', k: 'y', v: null }]);
    expect(c.size.entries).toBe(1);
    c.invalidate([{ c: 'tokens', k: 'whatever', v: null }]);
    expect(c.size.entries).toBe(1);
    c.invalidate([{ c: 'users', k: 'bob', v: null }]);
    expect(c.size).toEqual({ entries: 0, chars: 0 });
  });

  it('a packument just built is kept even when every older one was read again', () => {
    const t = counted(250);
    const { c, get } = t;
    get(1);
    get(2);
    get(1);
    get(2);
    get(3); // p1 and p2 were both read: p1, the older, goes after its second chance
    expect(c.size.entries).toBe(2);
    const before = t.builds;
    get(3);
    get(2);
    expect(t.builds).toBe(before);
  });

  it('does not keep a packument larger than the whole cache', () => {
    const c = new PackumentCache(50);
    expect(JSON.parse(c.get('big', 'http://r/', () => doc(1))).name).toBe('p1');
    expect(c.size).toEqual({ entries: 0, chars: 0 });
  });
});
