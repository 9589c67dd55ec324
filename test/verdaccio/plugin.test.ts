/**
 * The Verdaccio plugin over raw HTTP (fast; the npm CLI story is in story.test.ts): package access
 * decided from the live store for every kind of token (revoked, read-only, CIDR, removed member),
 * OTP on package writes, search, Basic credentials, and a Verdaccio whose plugin opens its own
 * data folder from the config (as deployed).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALICE, BASIC, BOB, CAROL, DAVE, ERIN, ROOT } from '../helpers/fixtures.js';
import { call, type CallOptions } from '../helpers/http.js';
import { registryPerFile, startRegistry } from '../helpers/registry.js';
import { totp } from '../helpers/clock.js';

/** A publish document as npm sends it (the tarball bytes need not be a real tarball here). */
function publishDoc(base: string, name: string, version: string): object {
  const data = Buffer.from(`tarball of ${name}@${version}`);
  const file = `${name.split('/').pop()}-${version}.tgz`;
  return {
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        _id: `${name}@${version}`,
        name,
        version,
        dist: { shasum: createHash('sha1').update(data).digest('hex'), tarball: `${base}${name}/-/${file}` },
      },
    },
    _attachments: { [file]: { content_type: 'application/octet-stream', data: data.toString('base64'), length: data.length } },
  };
}

const path = (name: string) => `/${name.replace('/', '%2f')}`;

describe('package access through the plugin', () => {
  const srv = registryPerFile({ server: 'verdaccio' });
  const { clock } = srv;
  const req = (method: string, p: string, o: CallOptions = {}) => call(srv.url, method, p, o);
  const publish = (name: string, o: CallOptions) => req('PUT', path(name), { ...o, body: publishDoc(srv.url, name, '1.0.0') });

  beforeAll(async () => {
    const r = await publish('@acme/widget', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()) });
    expect(r.status).toBe(201);
  }, 30_000);

  it('OTP on writes: alice (auth-and-writes) needs one, dave (auth-only) does not; non-members get 403', async () => {
    const noOtp = await publish('@acme/gadget', { token: ALICE.token });
    expect(noOtp.status).toBe(401);
    expect(noOtp.headers.get('www-authenticate')).toBe('OTP');
    expect(noOtp.body.code).toBe('EOTP');
    expect((await publish('@acme/dave-pkg', { token: DAVE.token })).status).toBe(201);
    const carol = await publish('@acme/carol-pkg', { token: CAROL.token });
    expect(carol.status).toBe(403);
    expect(carol.body.error).toBe('carol is not a member of org acme.');
    // Outside the org scopes, the config's `packages:` rules decide.
    expect((await publish('carol-free', { token: CAROL.token })).status).toBe(201);
    expect((await publish('anon-free', {})).status).toBe(401);
  });

  it('reads: members yes, non-members 403, anonymous 401, a bad token 401 (not anonymous)', async () => {
    expect((await req('GET', path('@acme/widget'), { token: BOB.token })).status).toBe(200);
    expect((await req('GET', '/@acme/widget/-/widget-1.0.0.tgz', { token: BOB.token })).status).toBe(200);
    expect((await req('GET', path('@acme/widget'), { token: CAROL.token })).status).toBe(403);
    expect((await req('GET', '/@acme/widget/-/widget-1.0.0.tgz', { token: CAROL.token })).status).toBe(403);
    const anon = await req('GET', path('@acme/widget'));
    expect(anon.status).toBe(401);
    const bad = await req('GET', path('carol-free'), { token: 'npm_NoSuchToken' });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('EAUTH');
    expect((await req('GET', path('carol-free'))).status).toBe(200);
  });

  it('search hides an org scope from non-members', async () => {
    const names = async (token: string) => (await req('GET', '/-/v1/search?text=widget', { token })).body.objects.map((o: { package: { name: string } }) => o.package.name);
    expect(await names(BOB.token)).toContain('@acme/widget');
    expect(await names(CAROL.token)).not.toContain('@acme/widget');
  });

  it('tokens from `npm token create` follow the live store: revoked → 401, read-only → no writes, CIDR → 401', async () => {
    const create = async (body: object) => {
      const r = await req('POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, ...body } });
      expect(r.status).toBe(201);
      return r.body as { token: string; key: string };
    };
    const t = await create({});
    expect((await req('GET', path('@acme/widget'), { token: t.token })).status).toBe(200);
    expect((await req('DELETE', `/-/npm/v1/tokens/token/${t.key}`, { token: BOB.token })).status).toBe(204);
    expect((await req('GET', path('@acme/widget'), { token: t.token })).status).toBe(401);

    const ro = await create({ readonly: true });
    expect((await req('GET', path('@acme/widget'), { token: ro.token })).status).toBe(200);
    const roPub = await publish('@acme/from-readonly', { token: ro.token });
    expect(roPub.status).toBe(403);
    expect(roPub.body.error).toMatch(/read-only/);
    expect((await publish('bob-free', { token: ro.token })).status).toBe(403);

    const elsewhere = await create({ cidr_whitelist: ['192.0.2.0/24'] });
    const ip = await req('GET', path('@acme/widget'), { token: elsewhere.token });
    expect(ip.status).toBe(401);
    expect(ip.body.code).toBe('EAUTHIP');
  });

  it('Basic credentials work on package routes, with an OTP for a 2FA user', async () => {
    expect((await req('GET', path('@acme/widget'), { basic: [BOB.name, BOB.password] })).status).toBe(200);
    const noOtp = await req('GET', path('@acme/widget'), { basic: [ALICE.name, ALICE.password] });
    expect(noOtp.status).toBe(401);
    expect(noOtp.headers.get('www-authenticate')).toBe('OTP');
    clock.nextStep();
    expect((await req('GET', path('@acme/widget'), { basic: [ALICE.name, ALICE.password], otp: totp(ALICE.secret, clock.now()) })).status).toBe(200);
  });

  it('removing a member (npm org rm) takes effect at once for his existing token', async () => {
    clock.nextStep();
    const rm = await req('DELETE', '/-/org/acme/user', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { user: 'erin' } });
    expect(rm.status).toBe(204);
    const r = await req('GET', path('@acme/widget'), { token: ERIN.token });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('erin is not a member of org acme.');
  });
});

describe('a Verdaccio whose plugin opens its data folder from the config', () => {
  it('creates the store in the `data:` folder, applies the `seed:` file once, and serves orgctl endpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-vdata-'));
    const data = join(dir, 'orgctl-data');
    try {
      const reg = await startRegistry({ server: 'verdaccio', dataDir: data, fromConfig: { seedFile: join(ROOT, BASIC) } });
      try {
        expect(existsSync(data)).toBe(true);
        const who = await call(reg.url, 'GET', '/-/whoami', { token: BOB.token });
        expect(who.body).toEqual({ username: 'bob' });
        expect(reg.registry.core.roleIn('acme', 'bob')).toBe('developer');
      } finally {
        await reg.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the harness switch', () => {
  it('ORGCTL_TEST_REGISTRY=verdaccio makes startRegistry start Verdaccio + the plugin, with the same shape', async () => {
    const before = process.env.ORGCTL_TEST_REGISTRY;
    process.env.ORGCTL_TEST_REGISTRY = 'verdaccio';
    try {
      const reg = await startRegistry({ seed: BASIC });
      try {
        const pkg = await call(reg.url, 'GET', '/no-such-package');
        expect(pkg.body).toEqual({ error: 'no such package available' }); // Verdaccio's own answer
        expect((await call(reg.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
        expect(reg.logs.some((l) => /^GET \/-\/whoami 200 /.test(l))).toBe(true); // the core's own request lines
        expect(reg.registry.core.roleIn('acme', 'bob')).toBe('developer');
      } finally {
        await reg.close();
      }
    } finally {
      if (before === undefined) delete process.env.ORGCTL_TEST_REGISTRY;
      else process.env.ORGCTL_TEST_REGISTRY = before;
    }
  });
});
