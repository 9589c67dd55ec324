import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ACME_ROSTER, ALICE, BOB, CAROL, DAVE } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

/** alice (owner, 2FA) acting with a fresh OTP: one code serves her token's consecutive calls. */
const asAlice = (method: string, path: string, body?: unknown) => call(srv.reg.url, method, path, { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body });
const roster = async () => (await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body;

describe('org membership', () => {
  it('the roster is a flat user → role object for members; others get 403, unknown orgs 404', async () => {
    const r = await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token });
    expect(r.body).toEqual(ACME_ROSTER);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: CAROL.token })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', '/-/org/nope/user', { token: CAROL.token })).status).toBe(404);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user')).status).toBe(401);
  });

  it('an owner changes a role; the answer is the Membership Detail npm reads', async () => {
    const r = await asAlice('PUT', '/-/org/acme/user', { user: 'bob', role: 'admin' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ org: { name: 'acme', size: 4 }, user: 'bob', role: 'admin' });
    expect((await roster()).bob).toBe('admin');
  });

  it('PUT on a non-member records a pending invitation; size counts current members only', async () => {
    const r = await asAlice('PUT', '/-/org/acme/user', { user: 'carol', role: 'developer' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ org: { name: 'acme', size: 4 }, user: 'carol', role: 'developer', pending: true });
    expect((await roster()).carol).toBeUndefined();
    const inv = srv.reg.registry.core.store.data.get('invitations')!.get('acme:carol') as { expires: string; by: string };
    expect(inv.by).toBe('alice');
    expect(Date.parse(inv.expires)).toBe(clock.now() + 7 * 86_400_000);
    expect((await asAlice('PUT', '/-/org/acme/user', { user: 'ghost' })).status).toBe(404);
  });

  it('only owners change membership', async () => {
    const r = await call(srv.reg.url, 'PUT', '/-/org/acme/user', { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { user: 'bob', role: 'admin' } });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/Only owners/);
    expect((await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: BOB.token, body: { user: 'erin' } })).status).toBe(403);
  });

  it('the last owner can be neither demoted nor removed (409)', async () => {
    expect((await asAlice('PUT', '/-/org/acme/user', { user: 'alice', role: 'admin' })).status).toBe(409);
    expect((await asAlice('DELETE', '/-/org/acme/user', { user: 'alice' })).status).toBe(409);
    expect((await roster()).alice).toBe('owner');
    // with a second owner, the first may step down
    await asAlice('PUT', '/-/org/acme/user', { user: 'dave', role: 'owner' });
    expect((await asAlice('PUT', '/-/org/acme/user', { user: 'alice', role: 'developer' })).status).toBe(201);
  });

  it('a member may leave; for a minute afterwards they may still read the roster (npm org rm counts it), then not', async () => {
    expect((await call(srv.reg.url, 'DELETE', '/-/org/acme/user', { token: BOB.token, body: { user: 'bob' } })).status).toBe(204);
    const after = await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token });
    expect(after.status).toBe(200);
    expect(after.body.bob).toBeUndefined();
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/team?format=cli', { token: BOB.token })).status).toBe(403);
    expect(srv.reg.registry.core.store.data.get('removals')?.get('acme:bob')).toBeUndefined();
    clock.advance(61_000);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).status).toBe(403);
  });

  it('DELETE removes from the org and every team, and keeps a removal record', async () => {
    expect((await asAlice('DELETE', '/-/org/acme/user', { user: 'bob' })).status).toBe(204);
    expect((await roster()).bob).toBeUndefined();
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/core/user?format=cli', { token: ALICE.token })).body).toEqual(['alice']);
    const rec = srv.reg.registry.core.store.data.get('removals')!.get('acme:bob') as { role: string; teams: string[] };
    expect(rec).toMatchObject({ role: 'developer', teams: ['core'] });
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).status).toBe(403);
  });
});

describe('teams', () => {
  it('lists teams as "org:team" strings (developers always there) and members as names', async () => {
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/team?format=cli', { token: BOB.token })).body).toEqual(['acme:core', 'acme:developers']);
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/developers/user?format=cli', { token: BOB.token })).body).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/core/user?format=cli', { token: CAROL.token })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/nope/user?format=cli', { token: BOB.token })).status).toBe(404);
  });

  it('create, add, remove, destroy; with the rules npm users expect', async () => {
    expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(201);
    expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(409);
    expect((await asAlice('PUT', '/-/team/acme/web/user', { user: 'erin' })).status).toBe(201);
    expect((await asAlice('PUT', '/-/team/acme/web/user', { user: 'carol' })).status).toBe(404); // not a member
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/web/user?format=cli', { token: BOB.token })).body).toEqual(['erin']);
    expect((await asAlice('DELETE', '/-/team/acme/web/user', { user: 'erin' })).status).toBe(204);
    expect((await asAlice('DELETE', '/-/team/acme/web/user', { user: 'erin' })).status).toBe(404);
    expect((await asAlice('DELETE', '/-/team/acme/developers')).status).toBe(409);
    expect((await asAlice('DELETE', '/-/team/acme/developers/user', { user: 'bob' })).status).toBe(409);
    expect((await asAlice('DELETE', '/-/team/acme/web')).status).toBe(204);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/team?format=cli', { token: BOB.token })).body).toEqual(['acme:core', 'acme:developers']);
  });

  it('developers may not manage teams; admins may', async () => {
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: BOB.token, body: { name: 'x' } })).status).toBe(403);
    expect((await call(srv.reg.url, 'PUT', '/-/org/acme/team', { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { name: 'x' } })).status).toBe(201);
  });
});
