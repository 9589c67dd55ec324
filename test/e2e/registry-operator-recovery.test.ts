import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { totp } from '../helpers/clock.js';
import { call } from '../helpers/http.js';
import { ALICE, BASIC, DAVE } from '../helpers/fixtures.js';
import { NpmClient } from '../helpers/npm.js';
import { useTempDirs } from '../helpers/reliability.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve.js';

/**
 * Account recovery (`orgctl registry users reset-2fa`) end to end with the built CLI against a
 * spawned `registry serve --data`, and a disabled account seen by the real npm CLI.
 */
const tempDir = useTempDirs('orgctl-op-rec-');

describe('registry users reset-2fa: account recovery for a lost authenticator', () => {
  it('takes 2FA, tokens and 2FA-required memberships (reinstatable), notifies and audits; an owner reinstates the user once they enrol again', async () => {
    const data = path.join(tempDir(), 'data');
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    // dave: admin of acme (no 2FA required), developer of secure (2FA required), 2FA on.
    const r = await runCli(['registry', 'users', 'reset-2fa', 'dave', '--data', data, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ user: 'dave', twoFactor: 'off', tokensRevoked: 1, removedFrom: [{ org: 'secure', role: 'developer', teams: [] }] });

    // His token is revoked; he is out of secure, still in acme; the removal record keeps his role.
    expect((await call(s.url, 'GET', '/-/whoami', { token: DAVE.token })).status).toBe(401);
    const secure = await call(s.url, 'GET', '/-/org/secure/user', { token: ALICE.token });
    expect(secure.body).toEqual({ alice: 'owner' });
    expect((await call(s.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body).toMatchObject({ dave: 'admin' });
    const removals = await call(s.url, 'GET', '/-/orgctl/v1/orgs/secure/removals', { token: ALICE.token });
    expect(removals.body).toEqual([expect.objectContaining({ org: 'secure', user: 'dave', role: 'developer', teams: [], by: '(operator)', reason: 'tfa_reset' })]);
    const audit = await call(s.url, 'GET', '/-/orgctl/v1/orgs/secure/audit', { token: ALICE.token, otp: totp(ALICE.secret, s.clock.now()) });
    expect(audit.body).toContainEqual(expect.objectContaining({ actor: '(operator)', action: 'org.member.remove', target: 'dave', detail: { role: 'developer', teams: [], reason: 'tfa_reset' } }));

    // He logs in with his password (no OTP now) and enrols a new authenticator.
    const login = await call(s.url, 'PUT', '/-/user/org.couchdb.user:dave', { body: { name: 'dave', password: DAVE.password } });
    expect(login.status).toBe(201);
    const token = (login.body as { token: string }).token;
    const start = await call(s.url, 'POST', '/-/npm/v1/user', { token, body: { tfa: { password: DAVE.password, mode: 'auth-only' } } });
    expect(start.status).toBe(200);
    const secret = new URL((start.body as { tfa: string }).tfa).searchParams.get('secret')!;
    expect(secret).not.toBe(DAVE.secret);
    expect((await call(s.url, 'POST', '/-/npm/v1/user', { token, body: { tfa: [totp(secret, s.clock.now())] } })).status).toBe(200);

    // alice reinstates him (the existing `org invite --reinstate`); he accepts and is back with his role.
    s.clock.nextStep();
    const env = { ORGCTL_REGISTRY: s.url, ORGCTL_TOKEN: ALICE.token };
    const inv = await runCli(['org', 'invite', 'secure', 'dave', '--reinstate', '--otp', totp(ALICE.secret, s.clock.now()), '--json'], { env });
    expect(inv.code).toBe(0);
    expect(JSON.parse(inv.stdout).invited).toEqual([expect.objectContaining({ user: 'dave', role: 'developer', reinstate: true })]);
    const acc = await runCli(['invites', 'accept', 'secure', '--otp', totp(secret, s.clock.now()), '--json'], { env: { ORGCTL_REGISTRY: s.url, ORGCTL_TOKEN: token } });
    expect(acc.code).toBe(0);
    expect((await call(s.url, 'GET', '/-/org/secure/user', { token: ALICE.token })).body).toEqual({ alice: 'owner', dave: 'developer' });

    // The notification is in the outbox (delivered by the server, or at the latest by the next open
    // of the store), and the account event is in the audit log.
    expect(await s.stop()).toBe(0);
    expect((await runCli(['registry', 'users', 'ls', '--data', data], { env: { ORGCTL_TEST_CLOCK_FILE: s.clock.file } })).code).toBe(0);
    const mails = readdirSync(path.join(data, 'outbox')).map((f) => readFileSync(path.join(data, 'outbox', f), 'utf8'));
    const mail = mails.find((m) => m.includes('Subject: Two-factor authentication was turned off on your account'));
    expect(mail).toMatch(/^To: <dave@example\.com>\r$/m);
    expect(mail).toContain('Your token was revoked');
    expect(mail).toContain('  - secure (you were a developer)');
    const state = JSON.parse(readFileSync(path.join(data, 'state.json'), 'utf8')) as { collections: { audit: Record<string, { actor: string; action: string; target?: string; detail?: unknown }> } };
    expect(Object.values(state.collections.audit)).toContainEqual(
      expect.objectContaining({ actor: '(operator)', action: 'user.tfa.operator-reset', target: 'dave', detail: { tokensRevoked: 1, removedFrom: ['secure'] } }),
    );
  });

  it('the last owner of a 2FA-required org is refused (exit 1, naming the org) and nothing changes', async () => {
    const data = path.join(tempDir(), 'data');
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    const r = await runCli(['registry', 'users', 'reset-2fa', 'alice', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^orgctl: alice is the only owner of secure, which requires two-factor authentication: .*Nothing was changed\. First make another member an owner \(orgctl org set secure <user> owner, or as the operator: orgctl registry orgs set-owner secure <user>\), or lift the requirement \(orgctl org 2fa disable secure\)\.\n$/);
    expect((await call(s.url, 'GET', '/-/whoami', { token: ALICE.token })).status).toBe(200);
    expect((await call(s.url, 'GET', '/-/org/secure/user', { token: ALICE.token })).body).toEqual({ alice: 'owner', dave: 'developer' });
  });

  it('the only owner lost everything: the operator makes another member owner, then the reset goes through', async () => {
    const data = path.join(tempDir(), 'data');
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    // bob has no 2FA: he cannot own an org that requires it.
    const refused = await runCli(['registry', 'orgs', 'set-owner', 'secure', 'bob', '--data', data]);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('orgctl: secure requires two-factor authentication and bob has it off: an owner of secure must have it on. Nothing was changed. Choose a user with 2FA on, or have bob turn it on first (orgctl profile enable-2fa).\n');
    const set = await runCli(['registry', 'orgs', 'set-owner', 'secure', 'dave', '--data', data, '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ org: 'secure', user: 'dave', from: 'developer', role: 'owner', changed: true });
    const again = await runCli(['registry', 'orgs', 'set-owner', 'secure', 'dave', '--data', data]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: 'dave is already an owner of secure; nothing changed.\n' });
    const reset = await runCli(['registry', 'users', 'reset-2fa', 'alice', '--data', data, '--json']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout).removedFrom).toContainEqual({ org: 'secure', role: 'owner', teams: [] });
    expect((await call(s.url, 'GET', '/-/org/secure/user', { token: DAVE.token })).body).toEqual({ dave: 'owner' });
    expect(await s.stop()).toBe(0);
    const state = JSON.parse(readFileSync(path.join(data, 'state.json'), 'utf8')) as { collections: { audit: Record<string, { actor: string; action: string; target?: string; detail?: unknown }> } };
    expect(Object.values(state.collections.audit)).toContainEqual(
      expect.objectContaining({ org: 'secure', actor: '(operator)', action: 'org.member.set', target: 'dave', detail: { from: 'developer', to: 'owner' } }),
    );
  });
});

describe('registry users disable, seen by npm', () => {
  it("a disabled user's token gets 401 and npm whoami fails; enabled again, it works", async () => {
    const data = path.join(tempDir(), 'data');
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    const npm = await NpmClient.create(s.url, { token: DAVE.token });
    try {
      expect((await npm.run(['whoami'])).stdout.trim()).toBe('dave');
      expect((await runCli(['registry', 'users', 'disable', 'dave', '--data', data])).code).toBe(0);
      const who = await npm.run(['whoami']);
      expect(who.code).toBe(1);
      expect(who.stderr).toMatch(/E401/);
      expect((await call(s.url, 'GET', '/-/whoami', { token: DAVE.token })).status).toBe(401);
      expect((await runCli(['registry', 'users', 'enable', 'dave', '--data', data])).code).toBe(0);
      expect((await npm.run(['whoami'])).stdout.trim()).toBe('dave');
    } finally {
      await npm.cleanup();
    }
  });
});
