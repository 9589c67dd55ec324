import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registryPerTest, startRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ACME_ROSTER, ALICE, BASIC, BOB, DAVE, ERIN, loadSeed } from '../helpers/fixtures.js';
import { FileStore } from '../../src/server/store/file-store.js';
import { RegistryCore } from '../../src/server/core/registry-core.js';
import { buildSeedOps, validateSeed } from '../../src/server/core/seed.js';
import { MemoryMailer } from '../../src/server/core/outbox.js';

const srv = registryPerTest();
const clock = srv.clock;

const X = '/-/orgctl/v1/orgs';
const asAlice = (method: string, p: string, body?: unknown) => call(srv.reg.url, method, p, { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body });
const sent = () => (srv.reg.registry.core.mailer as MemoryMailer).sent;

describe('detailed roster and 2FA status', () => {
  it('owners and admins see 2FA state; developers see null; teams are listed', async () => {
    const owner = await call(srv.reg.url, 'GET', `${X}/acme/members`, { token: ALICE.token });
    expect(owner.body).toEqual([
      { user: 'alice', role: 'owner', twoFactor: true, tfaMethods: ['totp'], teams: ['core'] },
      { user: 'bob', role: 'developer', twoFactor: false, tfaMethods: [], teams: ['core'] },
      { user: 'dave', role: 'admin', twoFactor: true, tfaMethods: ['totp'], teams: [] },
      { user: 'erin', role: 'developer', twoFactor: false, tfaMethods: [], teams: [] },
    ]);
    const dev = await call(srv.reg.url, 'GET', `${X}/acme/members?user=alice`, { token: BOB.token });
    expect(dev.body).toEqual([{ user: 'alice', role: 'owner', twoFactor: null, tfaMethods: null, teams: ['core'] }]);
  });

  it('status and preview: owners and admins only', async () => {
    const s = await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: DAVE.token });
    expect(s.body).toEqual({ org: 'acme', required: false, since: null, members: 4, withoutTwoFactor: ['bob', 'erin'], scheduled: null });
    expect((await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: BOB.token })).status).toBe(403);
    const p = await call(srv.reg.url, 'GET', `${X}/acme/tfa/preview`, { token: ALICE.token });
    expect(p.body).toEqual({ org: 'acme', required: false, wouldRemove: [{ user: 'bob', role: 'developer', teams: ['core'] }, { user: 'erin', role: 'developer', teams: [] }], notices: 'outbox' });
  });
});

describe('requiring 2FA', () => {
  it('removes every member without 2FA at once, with records, notifications and audit', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa`, { required: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ org: 'acme', required: true, alreadyRequired: false, removed: [{ user: 'bob', role: 'developer', teams: ['core'] }, { user: 'erin', role: 'developer', teams: [] }], notices: 'outbox' });
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body).toEqual({ alice: 'owner', dave: 'admin' });
    expect((await call(srv.reg.url, 'GET', '/-/team/acme/core/user?format=cli', { token: ALICE.token })).body).toEqual(['alice']);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).status).toBe(403);
    expect((await call(srv.reg.url, 'GET', '/-/org/acme/team?format=cli', { token: ERIN.token })).status).toBe(403);
    const removals = await call(srv.reg.url, 'GET', `${X}/acme/removals`, { token: ALICE.token });
    expect(removals.body.map((x: { user: string; reason: string; teams: string[] }) => [x.user, x.reason, x.teams])).toEqual([
      ['bob', 'tfa_noncompliance', ['core']],
      ['erin', 'tfa_noncompliance', []],
    ]);
    await srv.reg.registry.core.outboxIdle();
    expect(sent().map((m) => [m.user, m.to, m.subject])).toEqual([
      ['bob', 'bob@example.com', 'You were removed from the acme organization'],
      ['erin', 'erin@example.com', 'You were removed from the acme organization'],
    ]);
    expect(sent()[0]!.text).toMatch(/orgctl profile enable-2fa/);
    const audit = await call(srv.reg.url, 'GET', `${X}/acme/audit`, { token: DAVE.token });
    expect(audit.body.map((e: { action: string; target?: string; detail?: { reason?: string } }) => [e.action, e.target ?? null, e.detail?.reason ?? null])).toEqual([
      ['org.tfa.require', null, null],
      ['org.member.remove', 'erin', 'tfa_noncompliance'],
      ['org.member.remove', 'bob', 'tfa_noncompliance'],
    ]);
    // and again: harmless
    const again = await asAlice('PUT', `${X}/acme/tfa`, { required: true });
    expect(again.body).toEqual({ org: 'acme', required: true, alreadyRequired: true, removed: [], notices: 'outbox' });
    expect((await call(srv.reg.url, 'GET', `${X}/acme/audit`, { token: DAVE.token })).body).toHaveLength(3);
  });

  it('refuses non-owners, owners without 2FA, a missing OTP, and more removals than allowed', async () => {
    expect((await call(srv.reg.url, 'PUT', `${X}/acme/tfa`, { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { required: true } })).status).toBe(403);
    expect((await call(srv.reg.url, 'PUT', `${X}/acme/tfa`, { token: ALICE.token, body: { required: true } })).status).toBe(401);
    const max = await asAlice('PUT', `${X}/acme/tfa`, { required: true, maxRemovals: 1 });
    expect(max.status).toBe(409);
    expect(max.body).toMatchObject({ code: 'EMAXREMOVALS', wouldRemove: 2 });
    expect(Object.keys((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body)).toHaveLength(4);
    // an org whose owner has no 2FA
    await srv.reg.close();
    const seed = loadSeed(BASIC) as { orgs: unknown[] };
    seed.orgs.push({ name: 'beta', members: { bob: 'owner', erin: 'developer' } });
    srv.reg = await startRegistry({ seed, clock });
    const r = await call(srv.reg.url, 'PUT', `${X}/beta/tfa`, { token: BOB.token, body: { required: true } });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'ETFAOWNER' });
    expect(r.body.error).toMatch(/orgctl profile enable-2fa/);
  });

  it('lifting the requirement: owners with an OTP; audited', async () => {
    await asAlice('PUT', `${X}/acme/tfa`, { required: true });
    clock.advance(30_000);
    expect((await call(srv.reg.url, 'PUT', `${X}/acme/tfa`, { token: ALICE.token, body: { required: false } })).status).toBe(401);
    const r = await asAlice('PUT', `${X}/acme/tfa`, { required: false });
    expect(r.body).toEqual({ org: 'acme', required: false, wasRequired: true });
    expect((await call(srv.reg.url, 'GET', `${X}/acme/audit?limit=1`, { token: ALICE.token })).body[0].action).toBe('org.tfa.disable');
  });

  it('remind notifies every member without 2FA', async () => {
    const r = await asAlice('POST', `${X}/acme/tfa/remind`);
    expect(r.body).toEqual({ org: 'acme', notified: ['bob', 'erin'], notices: 'outbox' });
    await srv.reg.registry.core.outboxIdle();
    expect(sent().map((m) => m.subject)).toEqual(['acme will require two-factor authentication', 'acme will require two-factor authentication']);
    expect((await call(srv.reg.url, 'POST', `${X}/acme/tfa/remind`, { token: BOB.token })).status).toBe(403);
  });

  it('audit accepts since and refuses a bad date', async () => {
    await asAlice('PUT', '/-/org/acme/team', { name: 'web' });
    clock.advance(3_600_000);
    await asAlice('PUT', '/-/org/acme/team', { name: 'api' });
    const since = new Date(clock.now() - 60_000).toISOString();
    const r = await call(srv.reg.url, 'GET', `${X}/acme/audit?since=${since}`, { token: ALICE.token });
    expect(r.body.map((e: { target: string }) => e.target)).toEqual(['api']);
    expect((await call(srv.reg.url, 'GET', `${X}/acme/audit?since=yesterday-ish`, { token: ALICE.token })).status).toBe(400);
  });
});

describe('all-or-nothing and durability', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a store failure during enforcement leaves the org exactly as before, and a retry works', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-aon-'));
    dirs.push(dir);
    let failNext = false;
    const store = await FileStore.open(path.join(dir, 'data'), {
      beforeWrite: () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected disk failure');
        }
      },
    });
    const core = new RegistryCore({ store, now: clock.now });
    await core.applySeedOps(await buildSeedOps(validateSeed(loadSeed(BASIC)), new Date(clock.now()).toISOString()));
    const actor = (await core.authenticate({ bearer: ALICE.token, ip: '127.0.0.1' }))!;
    const cred = { bearer: ALICE.token, otp: totp(ALICE.secret, clock.now()), ip: '127.0.0.1' };
    const snapshot = () => JSON.stringify([...store.data].filter(([c, m]) => c !== 'otpUses' && m.size > 0).map(([c, m]) => [c, [...m].sort()]));
    await core.otpGate(actor, cred, 'auth'); // record the OTP use first, so the state compared is only the org's
    const before = snapshot();
    failNext = true;
    await expect(core.requireTfa(actor, cred, 'acme')).rejects.toThrow(/injected disk failure/);
    expect(snapshot()).toBe(before);
    expect(Object.fromEntries(core.members('acme')!)).toEqual(ACME_ROSTER);
    expect(core.teamsOf('acme', 'bob')).toEqual(['core']);
    const retry = await core.requireTfa(actor, cred, 'acme');
    expect(retry.removed.map((m) => m.user)).toEqual(['bob', 'erin']);
    await core.outboxIdle();
    await store.close();
    const reopened = await FileStore.open(path.join(dir, 'data'));
    const core2 = new RegistryCore({ store: reopened, now: clock.now });
    expect(Object.fromEntries(core2.members('acme')!)).toEqual({ alice: 'owner', dave: 'admin' });
    expect(core2.org('acme')!.requireTfa).toBe(true);
    await reopened.close();
  });

  it('with --data, notifications are RFC 5322 files in <data>/outbox, mode 0600', async () => {
    await srv.reg.close();
    const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-outbox-'));
    dirs.push(dir);
    srv.reg = await startRegistry({ seed: BASIC, clock, dataDir: path.join(dir, 'data') });
    await asAlice('PUT', `${X}/acme/tfa`, { required: true });
    await srv.reg.registry.core.outboxIdle();
    const outbox = path.join(dir, 'data', 'outbox');
    const files = readdirSync(outbox).sort();
    expect(files).toHaveLength(2);
    const texts = files.map((f) => readFileSync(path.join(outbox, f), 'utf8'));
    expect(texts.map((t) => /^To: (.*)\r$/m.exec(t)![1]).sort()).toEqual(['<bob@example.com>', '<erin@example.com>']);
    expect(texts[0]).toMatch(/^Subject: You were removed from the acme organization\r$/m);
    expect(texts[0]).toMatch(/\r\n\r\nHello /);
    for (const f of files) expect(statSync(path.join(outbox, f)).mode & 0o777).toBe(0o600);
    expect(srv.reg.registry.core.store.data.get('outbox')!.size).toBe(0);
    await srv.reg.close(); // before the folder is removed
    srv.reg = await startRegistry({ seed: BASIC, clock });
  });
});
