// The sign-up policy (open, closed, invite): legacy account creation, web login with create, and
// invitations for names that have no account yet, against the reference registry.
import { describe, expect, it } from '@jest/globals';
import { startRegistry, withFresh, type TestRegistry } from '../helpers/registry.js';
import { call, submitLoginForm } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { passwordGate } from '../helpers/gate.js';
import { ALICE, BOB } from '../helpers/fixtures.js';
import { DAY } from '../../src/server/core/state.js';
import type { SignupPolicy } from '../../src/shared/names.js';

type Body = (reg: TestRegistry) => Promise<void>;
const fresh = (signup?: SignupPolicy) => (fn: Body) => withFresh(() => startRegistry({ signup }), fn);
const signUp = (url: string, name: string, password = `${name}-password`) =>
  call(url, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { name, password, email: `${name}@example.com` } });
const webStart = (url: string, create: boolean) => call(url, 'POST', '/-/v1/login', { body: create ? { create: true } : {} });

describe('sign-up policy', () => {
  it('open (the default): a new name creates an account', fresh()(async (reg) => {
    const r = await signUp(reg.url, 'grace');
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(true);
  }));

  it('closed: a legacy sign-up and a web sign-up are refused with 403 ESIGNUPCLOSED; existing users still log in both ways', fresh('closed')(async (reg) => {
    const r = await signUp(reg.url, 'grace');
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      code: 'ESIGNUPCLOSED',
      error: 'Sign-up is closed on this registry: accounts are created by its operator. Ask them for an account, or log in to an existing one.',
      message: 'Sign-up is closed on this registry: accounts are created by its operator. Ask them for an account, or log in to an existing one.',
    });
    expect(reg.registry.core.user('grace')).toBeUndefined();
    const web = await webStart(reg.url, true);
    expect(web.status).toBe(403);
    expect(web.body.code).toBe('ESIGNUPCLOSED');
    const login = await call(reg.url, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: BOB.password } });
    expect(login.status).toBe(201);
    expect(login.body.created).toBeUndefined();
    const weblogin = await webStart(reg.url, false);
    expect(weblogin.status).toBe(200);
    const page = await submitLoginForm(weblogin.body.loginUrl, { username: 'bob', password: BOB.password });
    expect(page.status).toBe(200);
  }));

  it('invite: a name without a pending invitation is refused (403 ESIGNUPINVITE), on the legacy route and on the web form', fresh('invite')(async (reg) => {
    const r = await signUp(reg.url, 'grace');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ESIGNUPINVITE');
    expect(r.body.error).toBe('Sign-up on this registry needs an invitation, and grace has none pending. Ask an org owner to invite grace, then sign up with that name.');
    const web = await webStart(reg.url, true);
    expect(web.status).toBe(200); // the name is known only when the form is sent
    const page = await submitLoginForm(web.body.loginUrl, { username: 'grace', password: 'grace-password' });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('needs an invitation, and grace has none pending');
    expect(reg.registry.core.user('grace')).toBeUndefined();
  }));

  it('invite: an owner invites a name with no account; that name signs up, accepts and is a member; an expired invitation lets nobody in', fresh('invite')(async (reg) => {
    const inv = await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body: { invitations: ['grace', { user: 'heidi', role: 'admin' }] } });
    expect(inv.status).toBe(200);
    expect(inv.body.invited.map((i: { user: string }) => i.user)).toEqual(['grace', 'heidi']);
    expect(inv.body.failed).toEqual([]);
    // an invitation does not hold the name for an org
    const taken = await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body: { invitations: ['secure'] } });
    expect(taken.body.failed).toEqual([{ user: 'secure', error: 'no such user', code: 'ENOUSER' }]);
    const r = await signUp(reg.url, 'grace');
    expect(r.status).toBe(201);
    const accept = await call(reg.url, 'POST', '/-/orgctl/v1/invitations/acme/accept', { token: r.body.token });
    expect(accept.status).toBe(200);
    expect(reg.registry.core.roleIn('acme', 'grace')).toBe('developer');
    reg.clock.advance(8 * DAY);
    const late = await signUp(reg.url, 'heidi');
    expect(late.status).toBe(403);
    expect(late.body.code).toBe('ESIGNUPINVITE');
  }));

  it('invite: `npm org set` of a name with no account records an invitation (open: 404 as before)', async () => {
    for (const [signup, status] of [['invite', 201], ['open', 404]] as const) {
      await fresh(signup)(async (reg) => {
        const r = await call(reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body: { user: 'grace' } });
        expect(r.status).toBe(status);
        if (status === 201) expect(r.body).toEqual({ org: { name: 'acme', size: 4 }, user: 'grace', role: 'developer', pending: true });
      })();
    }
  });

  it('open: inviting a name with no account is still ENOUSER', fresh('open')(async (reg) => {
    const inv = await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body: { invitations: ['grace'] } });
    expect(inv.body.failed).toEqual([{ user: 'grace', error: 'no such user', code: 'ENOUSER' }]);
  }));
});

describe('sign-up decided again after the password hash', () => {
  const gated = (signup: SignupPolicy) => {
    const g = passwordGate();
    return { g, run: (fn: Body) => withFresh(() => startRegistry({ signup, passwords: { gate: g.gate } }), fn) };
  };

  it('an org created with the name while the sign-up hashed its password: 403 ENAMETAKEN, no account', async () => {
    const { g, run } = gated('open');
    await run(async (reg) => {
      g.hold('newco', 1);
      const slow = signUp(reg.url, 'newco');
      await g.arrived('newco', 1);
      expect((await call(reg.url, 'PUT', '/-/orgctl/v1/orgs/newco', { token: BOB.token, body: {} })).status).toBe(201);
      g.release('newco');
      const r = await slow;
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('ENAMETAKEN');
      expect(reg.registry.core.user('newco')).toBeUndefined();
    })();
  });

  it('invite: the invitation revoked while the sign-up hashed its password: 403 ESIGNUPINVITE, no account', async () => {
    const { g, run } = gated('invite');
    await run(async (reg) => {
      const otp = () => totp(ALICE.secret, reg.clock.now());
      expect((await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: otp(), body: { invitations: ['grace'] } })).status).toBe(200);
      g.hold('grace', 1);
      const slow = signUp(reg.url, 'grace');
      await g.arrived('grace', 1);
      reg.clock.nextStep();
      expect((await call(reg.url, 'DELETE', '/-/orgctl/v1/orgs/acme/invitations/grace', { token: ALICE.token, otp: otp() })).status).toBe(200);
      g.release('grace');
      const r = await slow;
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('ESIGNUPINVITE');
      expect(reg.registry.core.user('grace')).toBeUndefined();
    })();
  });

  it('a web sign-up needs an email address (notices go there): without one 400 and no account; with one the account has it', fresh()(async (reg) => {
    const web = await webStart(reg.url, true);
    const page = await (await fetch(web.body.loginUrl)).text();
    expect(page).toContain('<input name="email" type="email"');
    const without = await submitLoginForm(web.body.loginUrl, { username: 'grace', password: 'grace-password' });
    expect(without.status).toBe(400);
    expect(await without.text()).toContain('An email address is needed to create an account');
    expect(reg.registry.core.user('grace')).toBeUndefined();
    const bad = await submitLoginForm(web.body.loginUrl, { username: 'grace', password: 'grace-password', email: 'not an address' });
    expect(bad.status).toBe(400);
    const ok = await submitLoginForm(web.body.loginUrl, { username: 'grace', password: 'grace-password', email: 'grace@example.com' });
    expect(ok.status).toBe(200);
    expect(reg.registry.core.user('grace')!.email).toBe('grace@example.com');
    // logging in to an existing account on a sign-up page needs no email
    const again = await webStart(reg.url, true);
    expect((await submitLoginForm(again.body.loginUrl, { username: 'bob', password: BOB.password })).status).toBe(200);
  }));
});
