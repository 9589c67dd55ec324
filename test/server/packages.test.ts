// Package endpoints over raw HTTP: publish rules, reads, tarballs, dist-tags, unpublish, org scope,
// audit, and a restart with a data folder (docs/registry-api.md §3.8).
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { registryPerTest, startRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB, CAROL, DAVE } from '../helpers/fixtures.js';
import { pkgPath, publishBody } from '../helpers/packages.js';

const srv = registryPerTest();
const { clock } = srv;
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

const publish = (token: string, name: string, version: string, opts: { otp?: string; tag?: string; content?: string } = {}) =>
  call(srv.url, 'PUT', pkgPath(name), { token, otp: opts.otp, body: publishBody(name, version, opts) });
const aliceOtp = () => totp(ALICE.secret, clock.now());

describe('publish and read', () => {
  it('a logged-in user publishes a new package and becomes its maintainer; anyone reads it and its tarball', async () => {
    const r = await publish(BOB.token, 'hello', '1.0.0');
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ ok: true, id: 'hello', rev: expect.stringMatching(/^1-[0-9a-f]{32}$/) });
    expect(r.headers.get('cache-control')).toBe('no-store');

    const doc = await call(srv.url, 'GET', '/hello');
    expect(doc.status).toBe(200);
    expect(doc.body).toMatchObject({
      _id: 'hello',
      _rev: r.body.rev,
      name: 'hello',
      description: 'the hello package',
      'dist-tags': { latest: '1.0.0' },
      maintainers: [{ name: 'bob', email: 'bob@example.com' }],
      time: { created: expect.any(String), modified: expect.any(String), '1.0.0': expect.any(String) },
    });
    const v = doc.body.versions['1.0.0'];
    expect(v.dist.tarball).toBe(`${srv.url}hello/-/hello-1.0.0.tgz`);
    expect(v._npmUser).toEqual({ name: 'bob', email: 'bob@example.com' });
    expect(v.main).toBe('index.js');

    const tgz = await fetch(v.dist.tarball);
    expect(tgz.status).toBe(200);
    expect(tgz.headers.get('content-type')).toBe('application/octet-stream');
    expect(tgz.headers.get('cache-control')).toBe('no-store');
    const bytes = Buffer.from(await tgz.arrayBuffer());
    expect(bytes.toString()).toBe('tarball of hello@1.0.0');
    expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(v.dist.integrity);
    // also under npm's escaped form, and the install-v1 accept header gets the same document
    expect((await call(srv.url, 'GET', '/hello/-/hello-1.0.0.tgz')).status).toBe(200);
    const corgi = await call(srv.url, 'GET', '/hello', { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' } });
    expect(corgi.body.versions['1.0.0'].dist.integrity).toBe(v.dist.integrity);
    expect((await call(srv.url, 'GET', '/hello/-/hello-9.9.9.tgz')).status).toBe(404);
    expect((await call(srv.url, 'GET', '/nope')).body.code).toBe('ENOTFOUND');
  });

  it('later versions only by maintainers; an existing version is refused with 409; read-only tokens cannot publish', async () => {
    expect((await publish(BOB.token, 'hello', '1.0.0')).status).toBe(201);
    const carol = await publish(CAROL.token, 'hello', '1.1.0');
    expect([carol.status, carol.body.code]).toEqual([403, 'EFORBIDDEN']);
    const again = await publish(BOB.token, 'hello', '1.0.0', { content: 'other bytes' });
    expect([again.status, again.body.code]).toEqual([409, 'ECONFLICT']);
    expect(again.body.error).toMatch(/previously published version 1\.0\.0/);
    const ro = await call(srv.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, readonly: true } });
    const roPub = await publish(ro.body.token, 'hello', '1.1.0');
    expect([roPub.status, roPub.body.code]).toEqual([403, 'EREADONLY']);
    const anon = await call(srv.url, 'PUT', '/hello', { body: publishBody('hello', '1.1.0') });
    expect([anon.status, anon.body.code]).toEqual([401, 'ENEEDAUTH']);
    expect((await publish(BOB.token, 'hello', '1.1.0', { tag: 'next' })).status).toBe(201);
    const doc = (await call(srv.url, 'GET', '/hello')).body;
    expect(Object.keys(doc.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0', next: '1.1.0' });
  });

  it('alice (auth-and-writes) needs an OTP to publish', async () => {
    const bare = await publish(ALICE.token, 'alices', '1.0.0');
    expect([bare.status, bare.body.code, bare.headers.get('www-authenticate')]).toEqual([401, 'EOTP', 'OTP']);
    expect((await publish(ALICE.token, 'alices', '1.0.0', { otp: aliceOtp() })).status).toBe(201);
    // dave (auth-only) does not
    expect((await publish(DAVE.token, 'daves', '1.0.0')).status).toBe(201);
  });

  it('checks the body: names, one version, semver, tags, and the tarball against dist', async () => {
    const bad = async (mutate: (b: Record<string, any>) => void, pattern: RegExp, name = 'hello') => {
      const body = publishBody(name, '1.0.0');
      mutate(body);
      const r = await call(srv.url, 'PUT', pkgPath(name), { token: BOB.token, body });
      expect({ status: r.status, code: r.body?.code, error: r.body?.error }).toEqual({ status: 400, code: 'EBADREQUEST', error: expect.stringMatching(pattern) });
    };
    await bad((b) => (b.name = 'other'), /does not match the package in the URL/);
    await bad((b) => (b.versions['1.0.0'].dist.integrity = `sha512-${createHash('sha512').update('x').digest('base64')}`), /integrity does not match/);
    await bad((b) => (b.versions['1.0.0'].dist.shasum = '0'.repeat(40)), /shasum does not match/);
    await bad((b) => (b._attachments['hello-1.0.0.tgz'].length = 3), /length/);
    await bad((b) => (b._attachments['hello-1.0.0.tgz'].data = '!!!'), /base64/);
    await bad((b) => delete b._attachments, /_attachments/);
    await bad((b) => (b.versions['2.0.0'] = b.versions['1.0.0']), /exactly one version/);
    await bad((b) => (b['dist-tags'] = { latest: '2.0.0' }), /dist-tags\.latest must be 1\.0\.0/);
    await bad((b) => (b['dist-tags'] = { '1.x': '1.0.0' }), /invalid dist-tag/);
    await bad((b) => {
      b.versions = { 'one.two': { ...b.versions['1.0.0'], version: 'one.two' } };
    }, /invalid version/);
    const upper = await call(srv.url, 'PUT', '/Hello', { token: BOB.token, body: publishBody('Hello', '1.0.0') });
    expect([upper.status, upper.body.code]).toEqual([400, 'EBADREQUEST']);
    expect((await call(srv.url, 'GET', '/hello')).status).toBe(404);
  });

  it('takes publish bodies over 1 MiB (up to 16 MiB); other routes keep the 1 MiB limit', async () => {
    const big = publishBody('big', '1.0.0', { content: 'x'.repeat(3 * 1024 * 1024) });
    expect((await call(srv.url, 'PUT', '/big', { token: BOB.token, body: big })).status).toBe(201);
    const tgz = await fetch(`${srv.url}big/-/big-1.0.0.tgz`);
    expect((await tgz.arrayBuffer()).byteLength).toBe(3 * 1024 * 1024);
    const tooBig = await call(srv.url, 'PUT', '/-/org/acme/user', { token: BOB.token, raw: JSON.stringify({ user: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(tooBig.status).toBe(413);
  });
});

describe('dist-tags and unpublish', () => {
  it('dist-tags: list, add, remove; only maintainers change them; latest cannot be removed', async () => {
    await publish(BOB.token, 'hello', '1.0.0');
    await publish(BOB.token, 'hello', '2.0.0');
    expect((await call(srv.url, 'GET', '/-/package/hello/dist-tags')).body).toEqual({ latest: '2.0.0' });
    const add = await call(srv.url, 'PUT', '/-/package/hello/dist-tags/old', { token: BOB.token, raw: '"1.0.0"', headers: { 'content-type': 'application/json' } });
    expect([add.status, add.body]).toEqual([201, { latest: '2.0.0', old: '1.0.0' }]);
    const noVersion = await call(srv.url, 'PUT', '/-/package/hello/dist-tags/old', { token: BOB.token, raw: '"3.0.0"' });
    expect(noVersion.status).toBe(404);
    const notString = await call(srv.url, 'PUT', '/-/package/hello/dist-tags/old', { token: BOB.token, raw: '{"v":1}' });
    expect(notString.status).toBe(400);
    const carol = await call(srv.url, 'PUT', '/-/package/hello/dist-tags/x1', { token: CAROL.token, raw: '"1.0.0"' });
    expect(carol.status).toBe(403);
    expect((await call(srv.url, 'DELETE', '/-/package/hello/dist-tags/latest', { token: BOB.token })).status).toBe(400);
    const rm1 = await call(srv.url, 'DELETE', '/-/package/hello/dist-tags/old', { token: BOB.token });
    expect([rm1.status, rm1.body]).toEqual([200, { latest: '2.0.0' }]);
    expect((await call(srv.url, 'DELETE', '/-/package/hello/dist-tags/old', { token: BOB.token })).status).toBe(404);
  });

  it("unpublish one version npm's way (GET ?write=true, PUT -rev, DELETE tarball), then the whole package", async () => {
    await publish(BOB.token, 'hello', '1.0.0');
    await publish(BOB.token, 'hello', '1.1.0', { tag: 'next' });
    const doc = (await call(srv.url, 'GET', '/hello?write=true', { token: BOB.token })).body;
    delete doc.versions['1.1.0'];
    delete doc['dist-tags'].next;
    const stale = await call(srv.url, 'PUT', `/hello/-rev/1-${'0'.repeat(32)}`, { token: BOB.token, body: doc });
    expect(stale.status).toBe(409);
    const carol = await call(srv.url, 'PUT', `/hello/-rev/${doc._rev}`, { token: CAROL.token, body: doc });
    expect(carol.status).toBe(403);
    expect((await call(srv.url, 'PUT', `/hello/-rev/${doc._rev}`, { token: BOB.token, body: doc })).status).toBe(200);
    const after = (await call(srv.url, 'GET', '/hello')).body;
    expect(Object.keys(after.versions)).toEqual(['1.0.0']);
    expect(after['dist-tags']).toEqual({ latest: '1.0.0' });
    expect((await call(srv.url, 'DELETE', `/hello/-/hello-1.1.0.tgz/-rev/${after._rev}`, { token: BOB.token })).status).toBe(200);
    expect((await call(srv.url, 'GET', '/hello/-/hello-1.1.0.tgz')).status).toBe(404);
    const all = await call(srv.url, 'DELETE', `/hello/-rev/${after._rev}`, { token: BOB.token });
    expect(all.status).toBe(200);
    expect((await call(srv.url, 'GET', '/hello')).status).toBe(404);
    expect((await call(srv.url, 'GET', '/hello/-/hello-1.0.0.tgz')).status).toBe(404);
    // a new owner may now take the name
    expect((await publish(CAROL.token, 'hello', '5.0.0')).status).toBe(201);
  });
});

describe('org scope', () => {
  it('@acme/* is read and published by current members only, checked live; publish and unpublish are audited', async () => {
    const pub = await publish(ALICE.token, '@acme/widget', '1.0.0', { otp: aliceOtp() });
    expect(pub.status).toBe(201);
    const doc = await call(srv.url, 'GET', '/@acme%2fwidget', { token: BOB.token });
    expect(doc.status).toBe(200);
    const tarball = doc.body.versions['1.0.0'].dist.tarball;
    expect(tarball).toBe(`${srv.url}@acme/widget/-/widget-1.0.0.tgz`);
    expect((await call(srv.url, 'GET', tarball.slice(srv.url.length - 1), { token: BOB.token })).status).toBe(200);
    expect((await call(srv.url, 'GET', '/@acme%2fwidget/-/widget-1.0.0.tgz', { token: BOB.token })).status).toBe(200);

    for (const p of ['/@acme%2fwidget', '/@acme/widget/-/widget-1.0.0.tgz', '/-/package/@acme%2fwidget/dist-tags']) {
      const anon = await call(srv.url, 'GET', p);
      expect([p, anon.status, anon.body.code]).toEqual([p, 401, 'ENEEDAUTH']);
      const carol = await call(srv.url, 'GET', p, { token: CAROL.token });
      expect([p, carol.status, carol.body.code]).toEqual([p, 403, 'EFORBIDDEN']);
    }
    // unknown packages of the org: still 403 for outsiders (no probing), 404 for members
    expect((await call(srv.url, 'GET', '/@acme%2fsecret', { token: CAROL.token })).status).toBe(403);
    expect((await call(srv.url, 'GET', '/@acme%2fsecret', { token: BOB.token })).status).toBe(404);
    expect((await publish(CAROL.token, '@acme/new', '1.0.0')).status).toBe(403);
    // any current member may publish in the scope, bob included
    expect((await publish(BOB.token, '@acme/widget', '1.1.0')).status).toBe(201);

    // 2FA enforcement removes bob: his old token loses the scope at once, tarballs included
    const req = await call(srv.url, 'PUT', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token, otp: aliceOtp(), body: { required: true } });
    expect(req.body.removed.map((m: { user: string }) => m.user)).toContain('bob');
    for (const p of ['/@acme%2fwidget', '/@acme/widget/-/widget-1.0.0.tgz']) {
      const r = await call(srv.url, 'GET', p, { token: BOB.token });
      expect([p, r.status, r.body.code]).toEqual([p, 403, 'EFORBIDDEN']);
    }
    expect((await publish(BOB.token, '@acme/widget', '1.2.0')).status).toBe(403);

    // another scope is not an org: open to all
    expect((await publish(CAROL.token, '@carol/tool', '1.0.0')).status).toBe(201);
    expect((await call(srv.url, 'GET', '/@carol%2ftool')).status).toBe(200);

    clock.advance(30_000);
    const w = (await call(srv.url, 'GET', '/@acme%2fwidget?write=true', { token: ALICE.token })).body;
    const del = await call(srv.url, 'DELETE', `/@acme/widget/-/widget-1.1.0.tgz/-rev/${w._rev}`, { token: ALICE.token, otp: aliceOtp() });
    expect(del.status).toBe(200);
    const audit = (await call(srv.url, 'GET', '/-/orgctl/v1/orgs/acme/audit', { token: ALICE.token })).body;
    const pkgEvents = audit.filter((e: { action: string }) => e.action.startsWith('package.')).map((e: any) => [e.action, e.actor, e.target, e.detail]);
    expect(pkgEvents).toEqual([
      ['package.unpublish', 'alice', '@acme/widget', { versions: ['1.1.0'] }],
      ['package.publish', 'bob', '@acme/widget', { version: '1.1.0', tags: ['latest'] }],
      ['package.publish', 'alice', '@acme/widget', { version: '1.0.0', tags: ['latest'] }],
    ]);
  });
});

describe('durability', () => {
  it('packages and tarballs survive a restart with a data folder; tarballs are files in <data>/tarballs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orgctl-pkg-'));
    dirs.push(dir);
    await srv.reg.close();
    srv.reg = await startRegistry({ seed: BASIC, clock, dataDir: dir });
    expect((await publish(BOB.token, 'keep', '1.0.0')).status).toBe(201);
    expect((await publish(ALICE.token, '@acme/kept', '2.0.0', { otp: aliceOtp() })).status).toBe(201);
    await call(srv.url, 'PUT', '/-/package/keep/dist-tags/stable', { token: BOB.token, raw: '"1.0.0"' });
    const files = await readdir(path.join(dir, 'tarballs'));
    expect(files.filter((f) => f.endsWith('.tgz'))).toHaveLength(2);
    await srv.reg.close();

    srv.reg = await startRegistry({ dataDir: dir, clock });
    const doc = await call(srv.url, 'GET', '/keep');
    expect(doc.body['dist-tags']).toEqual({ latest: '1.0.0', stable: '1.0.0' });
    const tgz = await call(srv.url, 'GET', '/keep/-/keep-1.0.0.tgz');
    expect(tgz.text).toBe('tarball of keep@1.0.0');
    expect((await call(srv.url, 'GET', '/@acme%2fkept', { token: BOB.token })).status).toBe(200);
    expect((await call(srv.url, 'GET', '/@acme%2fkept', { token: CAROL.token })).status).toBe(403);
    expect((await publish(BOB.token, 'keep', '1.0.0')).status).toBe(409);
    // unpublishing deletes the file once nothing points at it
    const rev = doc.body._rev;
    expect((await call(srv.url, 'DELETE', `/keep/-rev/${rev}`, { token: BOB.token })).status).toBe(200);
    expect((await readdir(path.join(dir, 'tarballs'))).filter((f) => f.endsWith('.tgz'))).toHaveLength(1);
  });
});
