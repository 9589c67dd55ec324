import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registryPerTest, startRegistry } from '../helpers/registry.js';
import { startSmtp } from '../helpers/smtp.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB, CAROL, DAVE, loadSeed } from '../helpers/fixtures.js';
import { FileStore } from '../../src/server/store/file-store.js';
import { RegistryCore } from '../../src/server/core/registry-core.js';
import type { MemoryMailer } from '../../src/server/core/outbox.js';

/**
 * Scheduled 2FA enforcement (docs/registry-api.md "Scheduled 2FA enforcement"): notice, reminders,
 * enforcement at the deadline by the registry, at start after a restart, held by maxRemovals,
 * cancel, the invitation gate, and no double enforcement. Only the injected clock moves.
 */
const srv = registryPerTest();
const clock = srv.clock;
const H = 3_600_000;
const DAYMS = 24 * H;
const X = '/-/orgctl/v1/orgs';

/** As alice (owner, 2FA), with a fresh OTP: the clock moves to the next TOTP step first. */
function asAlice(method: string, p: string, body?: unknown) {
  clock.nextStep();
  return call(srv.reg.url, method, p, { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body });
}
const core = () => srv.reg.registry.core;
/** Moves the registry's clock to `ms` and waits for the schedule pass and the mail it queued. */
async function moveTo(ms: number): Promise<void> {
  clock.set(ms);
  await core().tfaSchedule.idle();
  await core().outboxIdle();
}
async function sent(): Promise<[string, string][]> {
  await core().outboxIdle();
  return (core().mailer as MemoryMailer).sent.map((m) => [m.kind ?? '', m.user]);
}
const actions = async () => (await call(srv.reg.url, 'GET', `${X}/acme/audit`, { token: ALICE.token })).body.map((e: { action: string }) => e.action);
const roster = async () => Object.keys((await call(srv.reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body).sort();

/** bob turns 2FA on (enrolment + one code). */
async function bobEnables2fa(): Promise<void> {
  const start = await call(srv.reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-and-writes' } } });
  const secret = new URL(start.body.tfa).searchParams.get('secret')!;
  expect((await call(srv.reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: [totp(secret, clock.now())] } })).status).toBe(200);
}

describe('scheduling', () => {
  it('warns every member without 2FA with the deadline, audits, removes nobody; status shows it', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d', maxRemovals: 5 });
    expect(r.status).toBe(200);
    const at = new Date(clock.now() + 7 * DAYMS).toISOString();
    expect(r.body).toEqual({
      org: 'acme',
      scheduled: { at, by: 'alice', created: new Date(clock.now()).toISOString(), maxRemovals: 5, state: 'pending', heldReason: null, heldAt: null, wouldRemove: null },
      notified: ['bob', 'erin'],
      notices: 'outbox',
    });
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect(await sent()).toEqual([
      ['tfa-scheduled', 'bob'],
      ['tfa-scheduled', 'erin'],
    ]);
    const notice = (core().mailer as MemoryMailer).sent[0]!;
    expect(notice.subject).toBe(`acme will require two-factor authentication from ${at}`);
    expect(notice.text).toContain('orgctl profile enable-2fa');
    expect(await actions()).toEqual(['org.tfa.schedule']);
    const status = await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: DAVE.token });
    expect(status.body).toMatchObject({ required: false, withoutTwoFactor: ['bob', 'erin'], scheduled: { at, by: 'alice', maxRemovals: 5, state: 'pending' } });
  });

  it('--at an ISO time; refusals with exact statuses', async () => {
    const at = new Date(clock.now() + 36 * H).toISOString();
    const bad = async (body: unknown, status: number, code?: string) => {
      const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, body);
      expect([r.status, r.body.code]).toEqual([status, code ?? r.body.code]);
      return r;
    };
    expect((await bad({ grace: '7d', at }, 400)).body.error).toMatch(/either at .* or grace/);
    expect((await bad({ grace: 'soon' }, 400)).body.error).toMatch(/grace must be a whole number and a unit/);
    expect((await bad({ at: 'tomorrow' }, 400)).body.error).toMatch(/ISO time/);
    expect((await bad({ at: '2020-01-01T00:00:00Z' }, 400)).body.error).toMatch(/must be in the future/);
    await bad({ grace: '7d', maxRemovals: -1 }, 400);
    await bad({ grace: '400d' }, 400);
    expect((await call(srv.reg.url, 'PUT', `${X}/acme/tfa/schedule`, { token: ALICE.token, body: { at } })).status).toBe(401); // no OTP
    clock.nextStep();
    const dave = await call(srv.reg.url, 'PUT', `${X}/acme/tfa/schedule`, { token: DAVE.token, otp: totp(DAVE.secret, clock.now()), body: { at } });
    expect(dave.status).toBe(403);
    const ok = await asAlice('PUT', `${X}/acme/tfa/schedule`, { at });
    expect([ok.status, ok.body.scheduled.at, ok.body.scheduled.maxRemovals]).toEqual([200, at, null]);
    expect((await bad({ grace: '1d' }, 409, 'ESCHEDULED')).body.error).toContain(`already scheduled to require two-factor authentication from ${at} (pending)`);
    await bad({ grace: '1d' }, 409, 'ESCHEDULED');
    const secure = await asAlice('PUT', `${X}/secure/tfa/schedule`, { grace: '1d' });
    expect([secure.status, secure.body.code]).toEqual([409, 'EALREADYREQUIRED']);
    expect(await actions()).toEqual(['org.tfa.schedule']);
  });
});

describe('reminders and the deadline', () => {
  it('reminds 72 h and 24 h before, only those still without 2FA; enforces at the deadline with the owner as actor', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d' });
    const at = Date.parse(r.body.scheduled.at);
    await sent(); // the notices
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at - 72 * H - 1);
    expect(await sent()).toEqual([]);
    await moveTo(at - 72 * H);
    expect(await sent()).toEqual([
      ['tfa-deadline-reminder', 'bob'],
      ['tfa-deadline-reminder', 'erin'],
    ]);
    expect((core().mailer as MemoryMailer).sent[0]!.subject).toBe(`72 hours left: acme requires two-factor authentication from ${r.body.scheduled.at}`);
    // bob complies during the grace: off the list at once
    await bobEnables2fa();
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/tfa-deadlines', { token: BOB.token })).body).toEqual([]);
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at - 24 * H);
    expect(await sent()).toEqual([['tfa-deadline-reminder', 'erin']]);
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at - 1);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    await moveTo(at);
    expect(await roster()).toEqual(['alice', 'bob', 'dave']);
    expect(await sent()).toEqual([['tfa-removal', 'erin']]);
    const audit = (await call(srv.reg.url, 'GET', `${X}/acme/audit?limit=2`, { token: ALICE.token })).body;
    expect(audit.map((e: { action: string; actor: string; target?: string; detail?: { reason?: string } }) => [e.action, e.actor, e.target ?? null, e.detail?.reason])).toEqual([
      ['org.tfa.require', 'alice', null, 'tfa_noncompliance'],
      ['org.member.remove', 'alice', 'erin', 'tfa_noncompliance'],
    ]);
    expect(audit[0].detail).toMatchObject({ removed: ['erin'], scheduled: true, schedule: { at: r.body.scheduled.at, by: 'alice', state: 'pending' } });
    const status = (await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: ALICE.token })).body;
    expect(status).toMatchObject({ required: true, since: new Date(at).toISOString(), scheduled: null, withoutTwoFactor: [] });
    expect((await call(srv.reg.url, 'GET', `${X}/acme/removals`, { token: ALICE.token })).body.map((x: { user: string; by: string }) => [x.user, x.by])).toEqual([['erin', 'alice']]);
  });

  it('a grace shorter than 72 h skips that reminder; a server that slept through both sends only the latest', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '36h' });
    const at = Date.parse(r.body.scheduled.at);
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at - 24 * H - 1);
    expect(await sent()).toEqual([]);
    await moveTo(at - 24 * H);
    expect(await sent()).toEqual([
      ['tfa-deadline-reminder', 'bob'],
      ['tfa-deadline-reminder', 'erin'],
    ]);
    // another org, scheduled for 7 days; the clock jumps to 10 h before its deadline
    await srv.reg.close();
    srv.reg = await startRegistry({ clock, seed: BASIC });
    const r2 = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d' });
    const at2 = Date.parse(r2.body.scheduled.at);
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at2 - 10 * H);
    expect(await sent()).toEqual([
      ['tfa-deadline-reminder', 'bob'],
      ['tfa-deadline-reminder', 'erin'],
    ]);
    expect((core().mailer as MemoryMailer).sent[0]!.subject).toMatch(/^10 hours left/);
    const remind = (await call(srv.reg.url, 'GET', `${X}/acme/audit`, { token: ALICE.token })).body.filter((e: { action: string }) => e.action === 'org.tfa.schedule.remind');
    expect(remind).toHaveLength(1);
  });
});

describe('over SMTP', () => {
  it('the notice, the reminders and the removal at the deadline reach a real mail server', async () => {
    const smtp = await startSmtp();
    await srv.reg.close();
    srv.reg = await startRegistry({ clock, seed: BASIC, smtp: smtp.url() });
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '4d' });
    expect(r.body.notices).toBe('email');
    const at = Date.parse(r.body.scheduled.at);
    await moveTo(at - 72 * H);
    await bobEnables2fa();
    await moveTo(at - 24 * H);
    await moveTo(at);
    const iso = r.body.scheduled.at;
    expect(smtp.received.map((m) => [m.envelope.to.join(','), m.mail.subject])).toEqual([
      ['bob@example.com', `acme will require two-factor authentication from ${iso}`],
      ['erin@example.com', `acme will require two-factor authentication from ${iso}`],
      ['bob@example.com', `72 hours left: acme requires two-factor authentication from ${iso}`],
      ['erin@example.com', `72 hours left: acme requires two-factor authentication from ${iso}`],
      ['erin@example.com', `24 hours left: acme requires two-factor authentication from ${iso}`],
      ['erin@example.com', 'You were removed from the acme organization'],
    ]);
    expect(core().mail.list().map((m) => [m.kind, m.state])).toEqual([
      ['tfa-scheduled', 'sent'],
      ['tfa-scheduled', 'sent'],
      ['tfa-deadline-reminder', 'sent'],
      ['tfa-deadline-reminder', 'sent'],
      ['tfa-deadline-reminder', 'sent'],
      ['tfa-removal', 'sent'],
    ]);
  });
});

describe('held, cancel, enforce now', () => {
  it('more removals than the stored maxRemovals hold the schedule: nothing removed, owners told; enforce now resolves it', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '2d', maxRemovals: 1 });
    const at = Date.parse(r.body.scheduled.at);
    (core().mailer as MemoryMailer).sent.length = 0;
    await moveTo(at + 5 * 60_000);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect(await sent()).toEqual([['tfa-schedule-held', 'alice']]);
    expect((core().mailer as MemoryMailer).sent[0]!.text).toContain('it would remove 2 members, more than the limit of 1');
    const status = (await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: ALICE.token })).body;
    expect(status.required).toBe(false);
    expect(status.scheduled).toEqual({
      at: r.body.scheduled.at,
      by: 'alice',
      created: r.body.scheduled.created,
      maxRemovals: 1,
      state: 'held',
      heldReason: 'it would remove 2 members, more than the limit of 1',
      heldAt: new Date(at + 5 * 60_000).toISOString(),
      wouldRemove: 2,
    });
    // held stays held: a later pass does nothing
    await moveTo(at + DAYMS);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect((await actions()).slice(0, 2)).toEqual(['org.tfa.schedule.hold', 'org.tfa.schedule']);
    const now = await asAlice('PUT', `${X}/acme/tfa`, { required: true });
    expect(now.body.removed.map((m: { user: string }) => m.user)).toEqual(['bob', 'erin']);
    expect((await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: ALICE.token })).body).toMatchObject({ required: true, scheduled: null });
    const audit = (await call(srv.reg.url, 'GET', `${X}/acme/audit?limit=1`, { token: ALICE.token })).body[0];
    expect(audit.detail).toMatchObject({ removed: ['bob', 'erin'], schedule: { state: 'held' } });
  });

  it('the deadline timer and an owner enforcing now at the same moment: the pass commits first; the request, decided after its OTP check, removes nobody', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '1d' });
    const at = Date.parse(r.body.scheduled.at);
    clock.nextStep();
    const actor = (await core().authenticate({ bearer: ALICE.token, ip: '127.0.0.1' }))!;
    const now = core().requireTfa(actor, { bearer: ALICE.token, otp: totp(ALICE.secret, clock.now()), ip: '127.0.0.1' }, 'acme'); // waits on its OTP check
    clock.set(at); // the timer fires: a schedule pass starts meanwhile
    const [res] = await Promise.all([now, core().tfaSchedule.idle()]);
    expect([res.alreadyRequired, res.removed.map((m) => m.user)]).toEqual([true, []]);
    expect(await roster()).toEqual(['alice', 'dave']);
    const audit = (await call(srv.reg.url, 'GET', `${X}/acme/audit`, { token: ALICE.token })).body as { action: string }[];
    expect(audit.filter((e) => e.action === 'org.tfa.require')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'org.member.remove')).toHaveLength(2);
    expect((await sent()).filter(([k]) => k === 'tfa-removal')).toEqual([
      ['tfa-removal', 'bob'],
      ['tfa-removal', 'erin'],
    ]);
  });

  it('no owner with 2FA left at the deadline holds it too; deleting the org deletes its schedule', async () => {
    // without the org `secure` (which requires 2FA and so keeps alice's on)
    const seed = loadSeed(BASIC) as { orgs: { name: string }[] };
    seed.orgs = seed.orgs.filter((o) => o.name !== 'secure');
    await srv.reg.close();
    srv.reg = await startRegistry({ clock, seed });
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '1d' });
    const at = Date.parse(r.body.scheduled.at);
    // alice turns her 2FA off during the grace (acme does not require it yet)
    clock.nextStep();
    const off = await call(srv.reg.url, 'POST', '/-/npm/v1/user', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { tfa: { password: ALICE.password, mode: 'disable' } } });
    expect(off.status).toBe(200);
    await moveTo(at);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    const status = (await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: ALICE.token })).body;
    expect(status.scheduled).toMatchObject({ state: 'held', heldReason: 'no owner with two-factor authentication would remain', wouldRemove: 3 });
    expect((await call(srv.reg.url, 'DELETE', `${X}/acme`, { token: ALICE.token })).status).toBe(200);
    expect(core().tfaSchedule.deadlinesFor({ user: core().user('bob')!, token: null, via: 'token' })).toEqual([]);
    expect(srv.reg.registry.store.data.get('tfaSchedules')?.size ?? 0).toBe(0);
  });

  it('cancel: owners with an OTP; members told; nothing happens at the old deadline', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '3d' });
    const at = Date.parse(r.body.scheduled.at);
    (core().mailer as MemoryMailer).sent.length = 0;
    clock.nextStep();
    expect((await call(srv.reg.url, 'DELETE', `${X}/acme/tfa/schedule`, { token: DAVE.token, otp: totp(DAVE.secret, clock.now()) })).status).toBe(403);
    expect((await call(srv.reg.url, 'DELETE', `${X}/acme/tfa/schedule`, { token: ALICE.token })).status).toBe(401);
    const c = await asAlice('DELETE', `${X}/acme/tfa/schedule`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ org: 'acme', cancelled: { at: r.body.scheduled.at, state: 'pending' }, notified: ['bob', 'erin'] });
    expect(await sent()).toEqual([
      ['tfa-schedule-cancelled', 'bob'],
      ['tfa-schedule-cancelled', 'erin'],
    ]);
    await moveTo(at + H);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect(await sent()).toHaveLength(2);
    expect((await call(srv.reg.url, 'GET', `${X}/acme/tfa`, { token: ALICE.token })).body.scheduled).toBeNull();
    const again = await asAlice('DELETE', `${X}/acme/tfa/schedule`);
    expect([again.status, again.body.error]).toEqual([404, 'acme has no scheduled 2FA requirement to cancel.']);
    expect((await actions()).slice(0, 2)).toEqual(['org.tfa.schedule.cancel', 'org.tfa.schedule']);
  });
});

describe('member side', () => {
  it('joining needs 2FA during the grace; invitations and deadlines say when', async () => {
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d' });
    const at = r.body.scheduled.at;
    expect((await asAlice('POST', `${X}/acme/invitations`, { invitations: [{ user: 'carol' }] })).status).toBe(200);
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/invitations', { token: CAROL.token })).body).toEqual([expect.objectContaining({ org: 'acme', tfaRequiredFrom: at })]);
    const accept = await call(srv.reg.url, 'POST', '/-/orgctl/v1/invitations/acme/accept', { token: CAROL.token });
    expect([accept.status, accept.body.code]).toEqual([403, 'ETFAREQUIRED']);
    expect(accept.body.error).toBe(`acme requires two-factor authentication to join (and of every member from ${at}). Turn it on (orgctl profile enable-2fa), then accept the invitation again; it stays pending until ${accept.body.error.match(/until (\S+)\.$/)[1]}.`);
    expect(await roster()).toEqual(['alice', 'bob', 'dave', 'erin']);
    await sent();
    const invitation = (core().mailer as MemoryMailer).sent.find((m) => m.kind === 'invitation')!;
    expect(invitation.text).toContain('acme requires two-factor authentication: turn it on first');
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/tfa-deadlines', { token: BOB.token })).body).toEqual([{ org: 'acme', at, state: 'pending' }]);
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/tfa-deadlines', { token: ALICE.token })).body).toEqual([]);
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/tfa-deadlines')).status).toBe(401);
    // a token with no access to orgs sees none
    const t = await call(srv.reg.url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, orgs_permission: 'no-access' } });
    expect(t.status).toBe(201);
    expect((await call(srv.reg.url, 'GET', '/-/orgctl/v1/tfa-deadlines', { token: t.body.token })).body).toEqual([]);
  });

  it('the invariant: no path commits a member without 2FA joining a scheduled org, nor a schedule for an org that requires 2FA', async () => {
    await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d' });
    const joined = new Date(clock.now()).toISOString();
    await expect(core().applySeedOps([{ c: 'members', k: 'acme:carol', v: { role: 'developer', joined } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    await expect(core().applySeedOps([{ c: 'tfaSchedules', k: 'secure', v: { org: 'secure', at: joined, by: 'alice', created: joined, maxRemovals: null, state: 'pending', reminders: [] } }])).rejects.toMatchObject({ code: 'EINVARIANT' });
    // an existing member without 2FA may still change role during the grace
    await expect(core().applySeedOps([{ c: 'members', k: 'acme:bob', v: { role: 'admin', joined } }])).resolves.toBeUndefined();
  });
});

describe('restarts: durable, enforced at start, never twice', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'orgctl-sched-'));
    dirs.push(d);
    return d;
  };
  const outboxKinds = (dataDir: string) =>
    readdirSync(path.join(dataDir, 'outbox'))
      .map((f) => readFileSync(path.join(dataDir, 'outbox', f), 'utf8'))
      .map((t) => `${/^X-Orgctl-User: (.*)\r$/m.exec(t)![1]} ${/^Subject: (.*)\r$/m.exec(t)![1]}`)
      .filter((l) => l.includes('removed'))
      .sort();

  it('a server down at the deadline enforces at start, before it serves; two rapid restarts enforce nothing more', async () => {
    await srv.reg.close();
    const dataDir = path.join(tempDir(), 'data');
    srv.reg = await startRegistry({ clock, seed: BASIC, dataDir });
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '7d' });
    const at = Date.parse(r.body.scheduled.at);
    await srv.reg.close();
    clock.set(at + DAYMS); // no server runs at the deadline
    srv.reg = await startRegistry({ clock, dataDir });
    // started: enforced already, before the first request
    expect(Object.keys(Object.fromEntries(srv.reg.registry.core.members('acme')!)).sort()).toEqual(['alice', 'dave']);
    await srv.reg.registry.core.outboxIdle();
    for (let i = 0; i < 2; i++) {
      await srv.reg.close();
      srv.reg = await startRegistry({ clock, dataDir });
      await srv.reg.registry.core.outboxIdle();
    }
    expect(await roster()).toEqual(['alice', 'dave']);
    expect((await actions()).filter((a: string) => a === 'org.tfa.require')).toHaveLength(1);
    expect(outboxKinds(dataDir)).toEqual(['bob You were removed from the acme organization', 'erin You were removed from the acme organization']);
    const require = (await call(srv.reg.url, 'GET', `${X}/acme/audit?limit=1`, { token: ALICE.token })).body[0];
    expect([require.action, require.actor, require.time]).toEqual(['org.tfa.require', 'alice', new Date(at + DAYMS).toISOString()]);
    await srv.reg.close();
    srv.reg = await startRegistry({ clock, seed: BASIC });
  });

  it('two cores on one data folder, one after the other: a crash before the enforcement is durable enforces once, at the next start', async () => {
    await srv.reg.close();
    const dataDir = path.join(tempDir(), 'data');
    srv.reg = await startRegistry({ clock, seed: BASIC, dataDir });
    const r = await asAlice('PUT', `${X}/acme/tfa/schedule`, { grace: '1d' });
    const at = Date.parse(r.body.scheduled.at);
    await srv.reg.close();
    srv.reg = await startRegistry({ clock, seed: BASIC }); // closed by the per-test hook
    clock.set(at);
    // Core A: its enforcement write is held at the disk, then the power goes (no later write lands).
    let mode: 'hold' | 'cut' = 'hold';
    let cut!: () => void;
    let arrived!: () => void;
    const atDisk = new Promise<void>((res) => (arrived = res));
    const storeA = await FileStore.open(dataDir, {
      beforeWrite: () => {
        if (mode === 'cut') throw new Error('power cut');
        mode = 'cut';
        arrived();
        return new Promise<void>((_, rej) => (cut = () => rej(new Error('power cut'))));
      },
    });
    const coreA = new RegistryCore({ store: storeA, now: clock.now, timers: clock });
    const startA = coreA.tfaSchedule.start(clock);
    await atDisk;
    // in memory A has enforced, not yet durably; a second pass (the timer) waits behind the first
    expect([...coreA.members('acme')!.keys()].sort()).toEqual(['alice', 'dave']);
    const timerPass = coreA.tfaSchedule.run();
    cut();
    await expect(startA).rejects.toThrow('power cut');
    await expect(timerPass).rejects.toThrow('power cut');
    expect([...coreA.members('acme')!.keys()].sort()).toEqual(['alice', 'bob', 'dave', 'erin']); // undone
    await coreA.tfaSchedule.stop();
    await coreA.mail.stop();
    await storeA.close();
    // Core B on the same folder: the schedule is still pending on disk, so B enforces, once.
    const storeB = await FileStore.open(dataDir);
    const coreB = new RegistryCore({ store: storeB, now: clock.now, timers: clock });
    await Promise.all([coreB.tfaSchedule.start(clock), coreB.tfaSchedule.run(), coreB.tfaSchedule.run()]);
    expect([...coreB.members('acme')!.keys()].sort()).toEqual(['alice', 'dave']);
    await coreB.tfaSchedule.stop();
    await coreB.mail.stop();
    await storeB.close();
    // Core C: nothing left to do.
    const storeC = await FileStore.open(dataDir);
    const coreC = new RegistryCore({ store: storeC, now: clock.now, timers: clock });
    await coreC.tfaSchedule.start(clock);
    const audit = [...storeC.data.get('audit')!.values()] as { action: string }[];
    expect(audit.filter((e) => e.action === 'org.tfa.require')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'org.member.remove')).toHaveLength(2);
    await coreC.tfaSchedule.stop();
    await coreC.mail.stop();
    await storeC.close();
  });
});
