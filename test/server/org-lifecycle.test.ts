// Org creation and deletion (PUT and DELETE /-/orgctl/v1/orgs/:org) and the namespace users, orgs
// and package scopes share, against the reference registry.
import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, CAROL, DAVE, basicSeed } from '../helpers/fixtures.js';
import { publishBody, pkgPath } from '../helpers/packages.js';
import { validateSeed } from '../../src/server/core/seed.js';

const srv = registryPerTest();
const clock = srv.clock;
const X = '/-/orgctl/v1/orgs';
const otp = (u: { secret: string }) => totp(u.secret, clock.now());

const create = (token: string, org: string, body: unknown = {}, o: { otp?: string } = {}) => call(srv.reg.url, 'PUT', `${X}/${org}`, { token, body, otp: o.otp });
const remove = (token: string, org: string, o: { otp?: string } = {}) => call(srv.reg.url, 'DELETE', `${X}/${org}`, { token, otp: o.otp });

describe('org create', () => {
  it('any signed-in user creates a free name and becomes its only member, an owner in developers; audit org.create', async () => {
    const r = await create(BOB.token, 'bobco');
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ org: 'bobco', owner: 'bob', requireTfa: false, created: new Date(clock.now()).toISOString() });
    expect((await call(srv.url, 'GET', '/-/org/bobco/user', { token: BOB.token })).body).toEqual({ bob: 'owner' });
    expect((await call(srv.url, 'GET', '/-/team/bobco/developers/user?format=cli', { token: BOB.token })).body).toEqual(['bob']);
    const audit = await call(srv.url, 'GET', `${X}/bobco/audit`, { token: BOB.token });
    expect(audit.body).toEqual([expect.objectContaining({ org: 'bobco', actor: 'bob', action: 'org.create', detail: { owner: 'bob', requireTfa: false } })]);
  });

  it('a name held by a user, an org or a package scope in use is taken: 409 ENAMETAKEN, nothing created', async () => {
    const user = await create(BOB.token, 'carol');
    expect(user.status).toBe(409);
    expect(user.body).toMatchObject({ code: 'ENAMETAKEN', error: expect.stringContaining('taken by a user') });
    const org = await create(BOB.token, 'acme');
    expect(org.status).toBe(409);
    expect(org.body).toMatchObject({ code: 'ENAMETAKEN', error: expect.stringContaining('taken by an org') });
    expect((await call(srv.url, 'PUT', pkgPath('@widgets/core'), { token: BOB.token, body: publishBody('@widgets/core', '1.0.0') })).status).toBe(201);
    const scope = await create(CAROL.token, 'widgets');
    expect(scope.status).toBe(409);
    expect(scope.body).toMatchObject({ code: 'ENAMETAKEN', error: expect.stringContaining('taken by a package scope in use') });
    expect(srv.reg.registry.core.org('carol')).toBeUndefined();
    expect(srv.reg.registry.core.org('widgets')).toBeUndefined();
  });

  it('an invalid name is 400 and a bad requireTfa is 400', async () => {
    const r = await create(BOB.token, 'Big..Co');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^invalid org name "Big\.\.Co"/);
    const b = await create(BOB.token, 'bobco', { requireTfa: 'yes' });
    expect(b.status).toBe(400);
    expect(b.body.error).toBe('requireTfa must be true or false.');
  });

  it('needs a credential (401), and a token that may write orgs (read-only 403 EREADONLY)', async () => {
    expect((await call(srv.url, 'PUT', `${X}/anonco`, { body: {} })).status).toBe(401);
    const ro = await call(srv.url, 'POST', '/-/npm/v1/tokens', { basic: ['bob', BOB.password], body: { password: BOB.password, readonly: true } });
    expect(ro.status).toBe(201);
    const r = await create(ro.body.token, 'roco');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('EREADONLY');
  });

  it('--require-2fa: the creator without 2FA gets 403 ETFAOWNER; with 2FA, an OTP is needed and the org requires 2FA from the start', async () => {
    const no = await create(BOB.token, 'safeco', { requireTfa: true });
    expect(no.status).toBe(403);
    expect(no.body.code).toBe('ETFAOWNER');
    const challenge = await create(ALICE.token, 'safeco', { requireTfa: true });
    expect(challenge.status).toBe(401);
    expect(challenge.body.code).toBe('EOTP');
    const ok = await create(ALICE.token, 'safeco', { requireTfa: true }, { otp: otp(ALICE) });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ org: 'safeco', owner: 'alice', requireTfa: true });
    const tfa = await call(srv.url, 'GET', `${X}/safeco/tfa`, { token: ALICE.token });
    expect(tfa.body).toEqual({ org: 'safeco', required: true, since: ok.body.created, members: 1, withoutTwoFactor: [], scheduled: null });
  });

  it('createOrg, the rule operator commands call: same checks, the audit actor given', async () => {
    const core = srv.reg.registry.core;
    await expect(core.orgLifecycle.createOrg('nobody', 'x1')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(core.orgLifecycle.createOrg('bob', 'acme')).rejects.toMatchObject({ code: 'ENAMETAKEN' });
    await expect(core.orgLifecycle.createOrg('bob', 'x1', { requireTfa: true })).rejects.toMatchObject({ code: 'ETFAOWNER' });
    expect(await core.orgLifecycle.createOrg('dave', 'x1', { requireTfa: true, actor: 'operator' })).toMatchObject({ org: 'x1', owner: 'dave', requireTfa: true });
    const audit = await call(srv.url, 'GET', `${X}/x1/audit`, { token: DAVE.token, otp: otp(DAVE) });
    expect(audit.body).toEqual([expect.objectContaining({ actor: 'operator', action: 'org.create', detail: { owner: 'dave', requireTfa: true } })]);
  });

  it('a sign-up with an org\'s name is refused (403 ENAMETAKEN); a seed naming an org like a user is refused', async () => {
    const r = await call(srv.url, 'PUT', '/-/user/org.couchdb.user:acme', { body: { name: 'acme', password: 'acme-password' } });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'ENAMETAKEN', error: expect.stringContaining('taken by an org') });
    expect(srv.reg.registry.core.user('acme')).toBeUndefined();
    const seed = basicSeed();
    seed.orgs.push({ name: 'bob', members: { bob: 'owner' }, requireTfa: false });
    expect(() => validateSeed(seed)).toThrow('seed: orgs[2] "bob": the name is also a user\'s (users and orgs share one namespace)');
  });
});

describe('org delete', () => {
  it('owners only: a developer gets 403, an unknown org 404', async () => {
    const r = await remove(BOB.token, 'acme');
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('Only owners of acme can do this; you are a developer.');
    expect((await remove(BOB.token, 'nosuchorg')).status).toBe(404);
  });

  it('refused (409 EORGPACKAGES) while the scope has packages; allowed once they are unpublished', async () => {
    expect((await create(BOB.token, 'bobco')).status).toBe(201);
    expect((await call(srv.url, 'PUT', pkgPath('@bobco/lib'), { token: BOB.token, body: publishBody('@bobco/lib', '1.0.0') })).status).toBe(201);
    const refused = await remove(BOB.token, 'bobco');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'EORGPACKAGES', packages: 1, error: expect.stringContaining('(@bobco/lib)') });
    expect(srv.reg.registry.core.org('bobco')).toBeDefined();
    const rev = (await call(srv.url, 'GET', `${pkgPath('@bobco/lib')}?write=true`, { token: BOB.token })).body._rev;
    expect((await call(srv.url, 'DELETE', `${pkgPath('@bobco/lib')}/-rev/${rev}`, { token: BOB.token })).status).toBe(200);
    expect((await remove(BOB.token, 'bobco')).status).toBe(200);
  });

  it('deletes members, teams, invitations and removal records in one change; the name is free again and a new org starts a new audit log', async () => {
    const core = srv.reg.registry.core;
    // acme as seeded (4 members, team core), then: erin removed (a removal record), carol invited
    expect((await call(srv.url, 'DELETE', '/-/org/acme/user', { token: ALICE.token, otp: otp(ALICE), body: { user: 'erin' } })).status).toBe(204);
    clock.nextStep();
    expect((await call(srv.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(ALICE), body: { user: 'carol' } })).status).toBe(201);
    clock.nextStep();
    const challenge = await remove(ALICE.token, 'acme');
    expect(challenge.status).toBe(401);
    expect(challenge.body.code).toBe('EOTP');
    const r = await remove(ALICE.token, 'acme', { otp: otp(ALICE) });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ org: 'acme', deleted: true, members: 3, teams: 1, invitations: 1 });
    expect(core.org('acme')).toBeUndefined();
    expect(core.orgsOf('bob')).toEqual([]);
    expect(core.orgsOf('alice')).toEqual(['secure']);
    const store = srv.reg.registry.store.data;
    for (const c of ['members', 'teams', 'teamMembers', 'invitations', 'removals']) {
      expect([...(store.get(c)?.keys() ?? [])].filter((k) => k.startsWith('acme:'))).toEqual([]);
    }
    expect((await call(srv.url, 'GET', '/-/orgctl/v1/invitations', { token: CAROL.token })).body).toEqual([]);
    // the audit events stay in the store, org.delete last
    const events = [...store.get('audit')!.values()] as { org: string | null; action: string }[];
    expect(events.filter((e) => e.org === 'acme').map((e) => e.action)).toEqual(['org.member.remove', 'org.invite.create', 'org.delete']);
    // the name is free: bob takes it, and sees only his org's events
    expect((await create(BOB.token, 'acme')).status).toBe(201);
    const audit = await call(srv.url, 'GET', `${X}/acme/audit`, { token: BOB.token });
    expect(audit.body.map((e: { action: string }) => e.action)).toEqual(['org.create']);
  });
});

describe('a host that stores packages itself (HostPackages, used by the Verdaccio plugin)', () => {
  /** A host whose storage read waits for `finishRead()`; `startCreation(name)` begins a creation in its scope. */
  function slowHost(stored: string[]) {
    let started = 0;
    const names: string[] = [];
    let finishRead!: () => void;
    let reading!: () => void;
    const inRead = new Promise<void>((r) => (reading = r));
    srv.reg.registry.core.orgLifecycle.useHostPackages({
      stored: async () => {
        reading();
        await new Promise<void>((r) => (finishRead = r));
        return stored;
      },
      creating: () => ({ names: [...names], started }),
    });
    return { inRead, finishRead: () => finishRead(), startCreation: (name: string) => (names.push(name), started++) };
  }

  it('its stored packages hold the scope: no org over them, no deletion while they are there', async () => {
    const host = slowHost(['@hosted/tool']);
    const made = create(BOB.token, 'hosted');
    await host.inRead;
    host.finishRead();
    const r = await made;
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'ENAMETAKEN' });
    expect((await call(srv.url, 'GET', '/-/org/hosted/user', { token: BOB.token })).status).toBe(404);

    const again = slowHost(['@acme/kept']);
    const del = remove(ALICE.token, 'acme', { otp: otp(ALICE) });
    await again.inRead;
    again.finishRead();
    const d = await del;
    expect({ status: d.status, code: d.body.code, packages: d.body.packages }).toEqual({ status: 409, code: 'EORGPACKAGES', packages: 1 });
  });

  it('a creation started in the scope while the storage was read (it may have been stored since): 409, try again; nothing created', async () => {
    const host = slowHost([]);
    const made = create(BOB.token, 'racy');
    await host.inRead;
    host.startCreation('@racy/x');
    host.finishRead();
    const r = await made;
    expect({ status: r.status, code: r.body.code, error: r.body.error }).toEqual({ status: 409, code: 'ECONFLICT', error: 'A package in @racy/ was being published meanwhile. Try again.' });
    expect((await call(srv.url, 'GET', '/-/org/racy/user', { token: BOB.token })).status).toBe(404);
  });

  it('the caller is checked again after the storage read: a token revoked meanwhile creates nothing', async () => {
    const host = slowHost([]);
    const t = await call(srv.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password } });
    expect(t.status).toBe(201);
    const made = create(t.body.token, 'late');
    await host.inRead;
    expect((await call(srv.url, 'DELETE', `/-/npm/v1/tokens/token/${t.body.key}`, { token: BOB.token })).status).toBe(204);
    host.finishRead();
    const r = await made;
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'EAUTH' });
    expect((await call(srv.url, 'GET', '/-/org/late/user', { token: BOB.token })).status).toBe(404);
  });
});
