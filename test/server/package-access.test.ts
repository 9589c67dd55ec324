/**
 * npm's package access surface over HTTP (docs/registry-api.md §3.9): grants and their rules,
 * bad input, the package 2FA setting with login and automation tokens, team list shapes for npm
 * (`?format=cli`) and pnpm 12 (objects), reinstatement giving grants back through teams, audit.
 */
import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { publishBody, pkgPath } from '../helpers/packages.js';
import { ALICE, BOB, CAROL, DAVE, ERIN } from '../helpers/fixtures.js';

const srv = registryPerTest();
const PKG = '@acme/widget';
const X = '/-/orgctl/v1';
const otp = (secret = ALICE.secret!) => {
  srv.clock.nextStep();
  return totp(secret, srv.clock.now());
};
const asAlice = (method: string, path: string, body?: unknown) => call(srv.reg.url, method, path, { token: ALICE.token, otp: otp(), body });
const get = (path: string, token?: string) => call(srv.reg.url, 'GET', path, { token });
const publish = (token: string, version: string, o: { otp?: string } = {}) => call(srv.reg.url, 'PUT', pkgPath(PKG), { token, otp: o.otp, body: publishBody(PKG, version) });
const enc = encodeURIComponent(PKG);

describe('grants', () => {
  it('a publish gives npm default grant; grant and revoke change what each member may do; audit events', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    expect((await get('/-/team/acme/developers/package', BOB.token)).body).toEqual({ [PKG]: 'write' });
    expect((await asAlice('PUT', '/-/team/acme/core/package', { package: PKG, permissions: 'read-only' })).status).toBe(201);
    expect((await asAlice('DELETE', '/-/team/acme/developers/package', { package: PKG })).status).toBe(204);
    expect((await get(`/-/package/${enc}/collaborators`, ERIN.token)).status).toBe(403);
    expect((await get(`/-/package/${enc}/collaborators`, BOB.token)).body).toEqual({ alice: 'write', bob: 'read' });
    expect((await get(`/-/package/${enc}/collaborators?format=cli`, BOB.token)).body).toEqual([
      { user: 'alice', permissions: 'read-write' },
      { user: 'bob', permissions: 'read-only' },
    ]);
    expect((await get(pkgPath(PKG), ERIN.token)).status).toBe(403);
    expect((await get(pkgPath(PKG), BOB.token)).status).toBe(200);
    const ro = await publish(BOB.token, '1.0.1');
    expect([ro.status, ro.body.code]).toEqual([403, 'EREADONLY']);
    expect((await get('/-/org/acme/package', BOB.token)).body).toEqual({ [PKG]: 'read' });
    expect((await get('/-/org/acme/package', ERIN.token)).body).toEqual({});
    expect((await get('/-/user/bob/package', BOB.token)).body).toEqual({ [PKG]: 'read' });
    expect((await get('/-/user/alice/package', BOB.token)).status).toBe(403);
    expect((await get('/-/org/bob/package', BOB.token)).status).toBe(404); // libnpmaccess then asks /-/user/bob/package
    const audit = (await get(`${X}/orgs/acme/audit`, ALICE.token)).body as { action: string; target?: string; detail?: unknown }[];
    expect(audit.filter((e) => e.action.startsWith('package.') && e.action !== 'package.publish')).toEqual([
      expect.objectContaining({ action: 'package.revoke', actor: 'alice', target: PKG, detail: { team: 'developers' } }),
      expect.objectContaining({ action: 'package.grant', actor: 'alice', target: PKG, detail: { team: 'core', permissions: 'read-only' } }),
    ]); // newest first
  });

  it('refuses bad input (400), unknown teams (404), developers (403), revoking what is not granted (404)', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    const cases: [string, string, unknown, number, RegExp][] = [
      ['PUT', '/-/team/acme/core/package', { package: PKG, permissions: 'admin' }, 400, /permissions must be read-only or read-write/],
      ['PUT', '/-/team/acme/core/package', { permissions: 'read-only' }, 400, /package is required/],
      ['PUT', '/-/team/acme/core/package', { package: '@other/x', permissions: 'read-only' }, 400, /not a package of org acme/],
      ['PUT', '/-/team/acme/core/package', { package: 'Not A Name', permissions: 'read-only' }, 400, /./],
      ['PUT', '/-/team/acme/nope/package', { package: PKG, permissions: 'read-only' }, 404, /Team acme:nope not found/],
      ['DELETE', '/-/team/acme/core/package', { package: PKG }, 404, /Team acme:core has no access to @acme\/widget/],
      ['POST', `/-/package/${enc}/access`, { access: 'secret' }, 400, /access must be public or restricted/],
      ['POST', `/-/package/${enc}/access`, {}, 400, /Nothing to change/],
      ['POST', `/-/package/${enc}/access`, { publish_requires_tfa: 'yes' }, 400, /publish_requires_tfa must be true or false/],
    ];
    for (const [method, path, body, status, msg] of cases) {
      const r = await asAlice(method, path, body);
      expect([method, path, r.status, r.body.error]).toEqual([method, path, status, expect.stringMatching(msg)]);
    }
    const dev = await call(srv.reg.url, 'PUT', '/-/team/acme/core/package', { token: BOB.token, body: { package: PKG, permissions: 'read-only' } });
    expect(dev.status).toBe(403);
    const outsider = await call(srv.reg.url, 'PUT', '/-/team/acme/core/package', { token: CAROL.token, body: { package: PKG, permissions: 'read-only' } });
    expect(outsider.status).toBe(403);
    const bobsLib = await call(srv.reg.url, 'POST', `/-/package/bobs-lib/access`, { token: BOB.token, body: { access: 'restricted' } });
    expect([bobsLib.status, bobsLib.body.error]).toEqual([400, expect.stringMatching(/Only packages in an org's scope can be restricted/)]);
  });

  it('destroying a team takes its grants with it; a new team of that name starts with none', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(201);
    expect((await asAlice('PUT', '/-/team/acme/web/package', { package: PKG, permissions: 'read-write' })).status).toBe(201);
    expect((await asAlice('DELETE', '/-/team/acme/web')).status).toBe(204);
    expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(201);
    expect((await get('/-/team/acme/web/package', BOB.token)).body).toEqual({});
  });

  it('a removed member keeps nothing; reinstated, their teams and so their grants come back', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    expect((await asAlice('PUT', '/-/team/acme/core/package', { package: PKG, permissions: 'read-only' })).status).toBe(201);
    expect((await asAlice('DELETE', '/-/team/acme/developers/package', { package: PKG })).status).toBe(204);
    expect((await asAlice('DELETE', '/-/org/acme/user', { user: 'bob' })).status).toBe(204);
    expect((await get(pkgPath(PKG), BOB.token)).status).toBe(403);
    expect((await get('/-/org/acme/package', BOB.token)).status).toBe(403);
    expect((await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'bob', reinstate: true }] })).status).toBe(200);
    expect((await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: BOB.token })).status).toBe(200);
    expect((await get(pkgPath(PKG), BOB.token)).status).toBe(200);
    expect((await get(`/-/package/${enc}/collaborators`, BOB.token)).body).toEqual({ alice: 'write', bob: 'read' });
  });
});

describe('visibility and the package 2FA setting', () => {
  it('public opens reads to everybody, writes stay with the grants', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    expect((await get(`/-/package/${enc}/visibility`, BOB.token)).body).toEqual({ public: false, access: 'restricted', mfa: 'none' });
    expect((await get(pkgPath(PKG))).status).toBe(401);
    expect((await asAlice('POST', `/-/package/${enc}/access`, { access: 'public' })).body).toEqual({ access: 'public', mfa: 'none' });
    expect((await get(pkgPath(PKG))).status).toBe(200);
    expect((await get(`/-/package/${enc}/access`)).body).toEqual({ public: true, access: 'public', mfa: 'none' });
    expect((await publish(CAROL.token, '1.0.1')).status).toBe(403);
    expect((await get(`/-/package/${enc}/collaborators`)).status).toBe(401); // the roster stays the members'
    expect((await get(`/-/package/${enc}/collaborators`, CAROL.token)).status).toBe(403);
    expect((await get('/-/user/org.couchdb.user:bob', CAROL.token)).body).toEqual({ _id: 'org.couchdb.user:bob', name: 'bob' });
    expect((await get('/-/user/org.couchdb.user:bob', BOB.token)).body).toEqual({ _id: 'org.couchdb.user:bob', name: 'bob', email: 'bob@example.com' });
    expect((await get('/-/user/org.couchdb.user:nobody', BOB.token)).status).toBe(404);
    expect((await get(`/-/package/bobs-lib/visibility`)).body).toEqual({ public: true, access: 'public', mfa: 'none' }); // outside org scopes: always public
  });

  it('mfa=publish: an OTP from everybody; mfa=automation: not from a token made with token create, still from a login', async () => {
    expect((await publish(BOB.token, '1.0.0')).status).toBe(201);
    // libnpmaccess's bodies for mfa=publish and mfa=automation
    expect((await asAlice('POST', `/-/package/${enc}/access`, { publish_requires_tfa: true, automation_token_overrides_tfa: false })).body.mfa).toBe('publish');
    const noTfa = await publish(BOB.token, '1.0.1');
    expect([noTfa.status, noTfa.body.code]).toEqual([403, 'EOTP2FAREQUIRED']);
    const daveNoOtp = await publish(DAVE.token, '1.0.1'); // auth-only: normally no OTP for writes
    expect([daveNoOtp.status, daveNoOtp.headers.get('www-authenticate')]).toEqual([401, 'OTP']);
    expect((await publish(DAVE.token, '1.0.1', { otp: otp(DAVE.secret) })).status).toBe(201);

    expect((await asAlice('POST', `/-/package/${enc}/access`, { publish_requires_tfa: true, automation_token_overrides_tfa: true })).body.mfa).toBe('automation');
    expect((await publish(DAVE.token, '1.0.2')).status).toBe(201); // a token from token create (seeded)
    const login = await call(srv.reg.url, 'PUT', '/-/user/org.couchdb.user:dave', { otp: otp(DAVE.secret), body: { name: 'dave', password: DAVE.password } });
    expect(login.status).toBe(201);
    expect((await publish(login.body.token, '1.0.3')).status).toBe(401);
    // pnpm 12 sends publish_requires_tfa alone for publish and automation: the stricter one
    expect((await asAlice('POST', `/-/package/${enc}/access`, { publish_requires_tfa: true })).body.mfa).toBe('publish');
    expect((await asAlice('POST', `/-/package/${enc}/access`, { publish_requires_tfa: false })).body.mfa).toBe('none');
    expect((await publish(BOB.token, '1.0.3')).status).toBe(201);
  });
});

describe('team list shapes', () => {
  it('names for ?format=cli (npm), objects otherwise (pnpm 12)', async () => {
    expect((await get('/-/org/acme/team?format=cli', BOB.token)).body).toEqual(['acme:core', 'acme:developers']);
    expect((await get('/-/org/acme/team', BOB.token)).body).toEqual([{ name: 'core' }, { name: 'developers' }]);
    expect((await get('/-/team/acme/core/user?format=cli', BOB.token)).body).toEqual(['alice', 'bob']);
    expect((await get('/-/team/acme/core/user', BOB.token)).body).toEqual([{ name: 'alice' }, { name: 'bob' }]);
  });
});
