/**
 * Security round 2, findings 6 and 8: granular tokens' package permissions are enforced
 * (`no-access` denies reads and writes), and invitations do not outlive the owner who sent them.
 */
import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { publishBody, pkgPath } from '../helpers/packages.js';
import { ALICE, BOB, CAROL, DAVE } from '../helpers/fixtures.js';

const srv = registryPerTest();
const otp = () => {
  srv.clock.nextStep();
  return totp(ALICE.secret, srv.clock.now());
};

async function bobToken(body: Record<string, unknown>): Promise<string> {
  const r = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, ...body } });
  expect(r.status).toBe(201);
  return r.body.token;
}

describe('finding 6: granular token package permissions', () => {
  it('no-access (packages and orgs) denies publish, read and unpublish, scoped to an org or not', async () => {
    expect((await call(srv.reg.url, 'PUT', pkgPath('bobs-lib'), { token: BOB.token, body: publishBody('bobs-lib', '1.0.0') })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: BOB.token, body: publishBody('@acme/widget', '1.0.0') })).status).toBe(201);
    const none = await bobToken({ packages_and_scopes_permission: 'no-access', orgs_permission: 'no-access' });
    for (const [name, version] of [['bobs-lib', '1.0.1'], ['@acme/widget', '1.0.1'], ['brand-new', '1.0.0']]) {
      const pub = await call(srv.reg.url, 'PUT', pkgPath(name!), { token: none, body: publishBody(name!, version!) });
      expect(pub.status).toBe(403);
      expect(pub.body.error).toMatch(/no access to packages/);
    }
    expect((await call(srv.reg.url, 'GET', pkgPath('bobs-lib'), { token: none })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', pkgPath('@acme/widget'), { token: none })).status).toBe(403);
    const rev = (await call(srv.reg.url, 'GET', pkgPath('bobs-lib'), { token: BOB.token })).body._rev;
    expect((await call(srv.reg.url, 'DELETE', `${pkgPath('bobs-lib')}/-rev/${rev}`, { token: none })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', pkgPath('bobs-lib'))).status).toBe(200); // still there
  });

  it('read-only packages with read-write orgs: reads work, publish and dist-tag are refused', async () => {
    expect((await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: BOB.token, body: publishBody('@acme/widget', '1.0.0') })).status).toBe(201);
    const ro = await bobToken({ packages_and_scopes_permission: 'read-only', orgs_permission: 'read-write' });
    expect((await call(srv.reg.url, 'GET', pkgPath('@acme/widget'), { token: ro })).status).toBe(200);
    const pub = await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: ro, body: publishBody('@acme/widget', '1.0.1') });
    expect(pub.status).toBe(403);
    expect(pub.body.code).toBe('EREADONLY');
    expect((await call(srv.reg.url, 'PUT', '/-/package/@acme%2fwidget/dist-tags/next', { token: ro, body: '1.0.0' })).status).toBe(403);
  });

  it('a token limited to some packages or scopes writes only those; outside them it reads public packages as anonymous and no org package', async () => {
    expect((await call(srv.reg.url, 'PUT', pkgPath('bobs-lib'), { token: BOB.token, body: publishBody('bobs-lib', '1.0.0') })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: BOB.token, body: publishBody('@acme/widget', '1.0.0') })).status).toBe(201);
    const only = await bobToken({ packages: ['bobs-lib'], packages_and_scopes_permission: 'read-write' });
    expect((await call(srv.reg.url, 'PUT', pkgPath('bobs-lib'), { token: only, body: publishBody('bobs-lib', '1.0.1') })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: only, body: publishBody('@acme/widget', '1.0.1') })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', pkgPath('@acme/widget'), { token: only })).status).toBe(403);
    const scoped = await bobToken({ scopes: ['@acme'], packages_and_scopes_permission: 'read-write' });
    expect((await call(srv.reg.url, 'PUT', pkgPath('@acme/widget'), { token: scoped, body: publishBody('@acme/widget', '1.0.2') })).status).toBe(201);
    expect((await call(srv.reg.url, 'GET', pkgPath('bobs-lib'), { token: scoped })).status).toBe(200); // public: as anonymous
    expect((await call(srv.reg.url, 'PUT', pkgPath('bobs-lib'), { token: scoped, body: publishBody('bobs-lib', '1.0.2') })).status).toBe(403);
    const bad = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, scopes: ['not a scope'] } });
    expect(bad.status).toBe(400);
  });
});

describe('finding 8: invitations do not outlive the owner who issued them', () => {
  it('an owner invites carol as owner, is removed; the invitation is revoked at once (audit), and carol cannot accept it', async () => {
    // dave (admin) becomes an owner, invites carol as owner, then alice removes dave
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'dave', role: 'owner' } })).status).toBe(201);
    srv.clock.nextStep();
    const inv = await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: DAVE.token, otp: totp(DAVE.secret!, srv.clock.now()), body: { user: 'carol', role: 'owner' } });
    expect(inv.status).toBe(201);
    expect((await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'dave' } })).status).toBe(204);
    const accept = await call(srv.reg.url, 'POST', '/-/orgctl/v1/invitations/acme/accept', { token: CAROL.token });
    expect(accept.status).toBe(404);
    expect(srv.reg.registry.core.roleIn('acme', 'carol')).toBeUndefined();
    const audit = await call(srv.reg.url, 'GET', '/-/orgctl/v1/orgs/acme/audit', { token: ALICE.token, otp: otp() });
    expect(audit.body.find((e: any) => e.action === 'org.invite.revoke' && e.target === 'carol')).toMatchObject({ actor: 'alice', detail: { reason: 'issuer_removed', issuer: 'dave' } });
  });

  it('a demoted owner’s invitations are revoked too; a current owner re-sending one takes it over and it survives', async () => {
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'dave', role: 'owner' } })).status).toBe(201);
    srv.clock.nextStep();
    const daveOtp = () => {
      srv.clock.nextStep();
      return totp(DAVE.secret!, srv.clock.now());
    };
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: DAVE.token, otp: daveOtp(), body: { user: 'carol', role: 'admin' } })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: DAVE.token, otp: daveOtp(), body: { user: 'erin', role: 'developer' } })).status).toBe(201);
    expect((await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: DAVE.token, otp: daveOtp(), body: { user: 'erin' } })).status).toBe(204);
    // erin was a member: removed. Re-invite erin by dave, then alice takes over that invitation
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: DAVE.token, otp: daveOtp(), body: { user: 'erin' } })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'erin' } })).status).toBe(201);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'dave', role: 'admin' } })).status).toBe(201);
    const pending = await call(srv.reg.url, 'GET', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: otp() });
    expect(pending.body.map((i: any) => [i.user, i.by])).toEqual([['erin', 'alice']]);
    expect((await call(srv.reg.url, 'POST', '/-/orgctl/v1/invitations/acme/accept', { token: CAROL.token })).status).toBe(404);
  });

  it('an invitation in an older store whose issuer is no longer an owner is refused at accept (403 EINVITEVOID) and revoked', async () => {
    const core = srv.reg.registry.core;
    const at = new Date(srv.clock.now()).toISOString();
    const until = new Date(srv.clock.now() + 86_400_000).toISOString();
    await core.applySeedOps([{ c: 'invitations', k: 'acme:carol', v: { org: 'acme', user: 'carol', role: 'owner', teams: [], created: at, expires: until, by: 'bob', reinstate: false } }]);
    const r = await call(srv.reg.url, 'POST', '/-/orgctl/v1/invitations/acme/accept', { token: CAROL.token });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('EINVITEVOID');
    expect(core.roleIn('acme', 'carol')).toBeUndefined();
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/invitations', { token: CAROL.token })).body).toEqual([]);
  });
});
