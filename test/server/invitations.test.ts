import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, CAROL, DAVE, ERIN } from '../helpers/fixtures.js';

const srv = registryPerTest();
const clock = srv.clock;

const X = '/-/orgctl/v1';
const asAlice = (method: string, p: string, body?: unknown) => call(srv.reg.url, method, p, { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body });
const roster = async () => (await call(srv.reg.url, 'GET', `${X}/orgs/acme/members`, { token: ALICE.token })).body;

describe('reinstatement story', () => {
  it('enforce removes bob; a reinstating invitation waits for his 2FA; accepting restores role and teams', async () => {
    await asAlice('PUT', `${X}/orgs/acme/tfa`, { required: true });
    const inv = await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'bob', reinstate: true }] });
    expect(inv.status).toBe(200);
    expect(inv.body).toEqual({
      org: 'acme',
      invited: [expect.objectContaining({ user: 'bob', role: 'developer', teams: ['core'], reinstate: true, expired: false, expires: new Date(clock.now() + 7 * 86_400_000).toISOString() })],
      failed: [],
    });
    expect((await call(srv.reg.url, 'GET', `${X}/invitations`, { token: BOB.token })).body).toEqual([expect.objectContaining({ org: 'acme', role: 'developer', teams: ['core'] })]);
    const refused = await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: BOB.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ETFAREQUIRED');
    expect(refused.body.error).toMatch(/orgctl profile enable-2fa/);
    expect((await call(srv.reg.url, 'GET', `${X}/invitations`, { token: BOB.token })).body).toHaveLength(1);
    // bob turns 2FA on
    const start = await call(srv.reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-and-writes' } } });
    const secret = new URL(start.body.tfa).searchParams.get('secret')!;
    await call(srv.reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: [totp(secret, clock.now())] } });
    clock.advance(30_000);
    expect((await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: BOB.token })).status).toBe(401); // OTP now needed
    const ok = await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: BOB.token, otp: totp(secret, clock.now()) });
    expect(ok.body).toEqual({ org: 'acme', role: 'developer', teams: ['core'] });
    expect((await roster()).find((m: { user: string }) => m.user === 'bob')).toEqual({ user: 'bob', role: 'developer', twoFactor: true, tfaMethods: ['totp'], teams: ['core'] });
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/developers/user?format=cli', { token: BOB.token })).body).toContain('bob');
    expect((await call(srv.reg.url, 'GET', `${X}/orgs/acme/removals`, { token: ALICE.token })).body.map((r: { user: string }) => r.user)).toEqual(['erin']);
    const actions = (await call(srv.reg.url, 'GET', `${X}/orgs/acme/audit`, { token: ALICE.token })).body.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(['org.invite.accept', 'org.invite.create']);
  });

  it('reinstateAll invites everyone with a removal record; without a record a user is reported, not invited', async () => {
    await asAlice('PUT', `${X}/orgs/acme/tfa`, { required: true });
    const all = await asAlice('POST', `${X}/orgs/acme/invitations`, { reinstateAll: true });
    expect(all.body.invited.map((i: { user: string }) => i.user)).toEqual(['bob', 'erin']);
    const none = await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol', reinstate: true }] });
    expect(none.body).toEqual({ org: 'acme', invited: [], failed: [{ user: 'carol', error: expect.stringMatching(/no removal record/), code: 'ENORECORD' }] });
  });
});

describe('inviting', () => {
  it('bulk: good entries go through, bad ones are reported each with a reason, in one request', async () => {
    await asAlice('PUT', '/-/org/acme/team', { name: 'web' });
    const r = await asAlice('POST', `${X}/orgs/acme/invitations`, {
      invitations: [
        { user: 'carol', role: 'admin', teams: ['web'] },
        { user: 'bob' },
        { user: 'ghost' },
        { user: 'Bad Name' },
        { user: 'carol' },
        { user: 'newbie', role: 'king' },
      ],
    });
    expect(r.body.invited.map((i: { user: string; role: string; teams: string[] }) => [i.user, i.role, i.teams])).toEqual([['carol', 'admin', ['web']]]);
    expect(r.body.failed.map((f: { user: string; code: string }) => [f.user, f.code])).toEqual([
      ['bob', 'EMEMBER'],
      ['ghost', 'ENOUSER'],
      ['Bad Name', 'EBADNAME'],
      ['carol', 'EDUPLICATE'],
      ['newbie', 'ENOUSER'],
    ]);
    const again = await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol' }] });
    expect(again.body.failed[0].code).toBe('EINVITED');
    await srv.reg.registry.core.outboxIdle();
  });

  it('only owners invite and revoke; admins may list', async () => {
    expect((await call(srv.reg.url, 'POST', `${X}/orgs/acme/invitations`, { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { invitations: [{ user: 'carol' }] } })).status).toBe(403);
    await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol' }] });
    expect((await call(srv.reg.url, 'GET', `${X}/orgs/acme/invitations`, { token: DAVE.token })).body.map((i: { user: string }) => i.user)).toEqual(['carol']);
    expect((await call(srv.reg.url, 'GET', `${X}/orgs/acme/invitations`, { token: BOB.token })).status).toBe(403);
    expect((await call(srv.reg.url, 'DELETE', `${X}/orgs/acme/invitations/carol`, { token: BOB.token })).status).toBe(403);
  });

  it('expired, revoked and declined invitations cannot be accepted', async () => {
    await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol' }] });
    clock.advance(7 * 86_400_000 + 1);
    const expired = await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: CAROL.token });
    expect(expired.status).toBe(404);
    expect(expired.body.code).toBe('EEXPIRED');
    expect((await call(srv.reg.url, 'GET', `${X}/orgs/acme/invitations`, { token: ALICE.token })).body[0].expired).toBe(true);
    expect((await call(srv.reg.url, 'GET', `${X}/invitations`, { token: CAROL.token })).body).toEqual([]);
    // a new invitation replaces the expired one; then revoke it
    expect((await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol' }] })).body.invited).toHaveLength(1);
    expect((await asAlice('DELETE', `${X}/orgs/acme/invitations/carol`)).body).toEqual({ org: 'acme', user: 'carol', revoked: true });
    expect((await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: CAROL.token })).status).toBe(404);
    // decline
    await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'carol' }] });
    expect((await call(srv.reg.url, 'POST', `${X}/invitations/acme/decline`, { token: CAROL.token })).body).toEqual({ org: 'acme', declined: true });
    expect((await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: CAROL.token })).status).toBe(404);
  });

  it('npm org set on someone already invited keeps the invitation\'s teams and reinstatement, taking the new role', async () => {
    await asAlice('PUT', `${X}/orgs/acme/tfa`, { required: true });
    await asAlice('POST', `${X}/orgs/acme/invitations`, { invitations: [{ user: 'bob', reinstate: true }] });
    const r = await asAlice('PUT', '/-/org/acme/user', { user: 'bob', role: 'admin' });
    expect(r.body).toMatchObject({ user: 'bob', role: 'admin', pending: true });
    const [inv] = (await call(srv.reg.url, 'GET', `${X}/orgs/acme/invitations`, { token: ALICE.token })).body;
    expect(inv).toMatchObject({ user: 'bob', role: 'admin', teams: ['core'], reinstate: true });
  });

  it('npm org set on a non-member creates the same invitation, which accept completes', async () => {
    expect((await asAlice('PUT', '/-/org/acme/user', { user: 'carol', role: 'admin' })).body.pending).toBe(true);
    const ok = await call(srv.reg.url, 'POST', `${X}/invitations/acme/accept`, { token: CAROL.token });
    expect(ok.body).toEqual({ org: 'acme', role: 'admin', teams: [] });
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ERIN.token })).body.carol).toBe('admin');
  });
});
