import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from '@jest/globals';
import { startRegistry, type StartRegistryOptions, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC, loadSeed } from '../helpers/fixtures.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

/** Real email: the registry delivers its outbox to a real SMTP server (smtp-server on loopback). */

const X = '/-/orgctl/v1/orgs';
const FROM = 'Acme Registry <registry@example.com>';
const regs: TestRegistry[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of regs.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function registry(smtp: TestSmtp | string, opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const reg = await startRegistry({ smtp: typeof smtp === 'string' ? smtp : smtp.url(), mailFrom: FROM, ...opts });
  regs.push(reg);
  return reg;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'orgctl-mail-'));
  dirs.push(d);
  return d;
}

const asAlice = (reg: TestRegistry, method: string, p: string, body?: unknown) => call(reg.url, method, p, { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body });

/** Reminds acme's members without 2FA (bob, erin), and waits for the delivery pass. */
async function remind(reg: TestRegistry): Promise<void> {
  const r = await asAlice(reg, 'POST', `${X}/acme/tfa/remind`);
  expect(r.status).toBe(200);
  await reg.registry.core.outboxIdle();
}

const ls = (reg: TestRegistry) => reg.registry.core.mail.list().map((m) => [m.user, m.state, m.attempts]);

describe('delivery over SMTP', () => {
  it('delivers each kind of message with From, To, Subject, Date, Message-ID, a text and an HTML part', async () => {
    const smtp = await startSmtp();
    const reg = await registry(smtp);
    const at = new Date(reg.clock.now());
    await remind(reg);
    reg.clock.nextStep();
    expect((await asAlice(reg, 'PUT', `${X}/acme/tfa`, { required: true })).body.notices).toBe('email');
    reg.clock.nextStep();
    const inv = await asAlice(reg, 'POST', `${X}/acme/invitations`, { invitations: [{ user: 'carol', role: 'admin', teams: ['core'] }, { user: 'bob', reinstate: true }] });
    expect(inv.status).toBe(200);
    await reg.registry.core.outboxIdle();

    const got = smtp.received.map((r) => [r.envelope.to.join(','), r.mail.subject]);
    expect(got).toEqual([
      ['bob@example.com', 'acme will require two-factor authentication'],
      ['erin@example.com', 'acme will require two-factor authentication'],
      ['bob@example.com', 'You were removed from the acme organization'],
      ['erin@example.com', 'You were removed from the acme organization'],
      ['carol@example.com', 'You are invited to join the acme organization'],
      ['bob@example.com', 'You are invited back to the acme organization'],
    ]);
    const listed = reg.registry.core.mail.list();
    expect(listed.map((m) => [m.kind, m.state, m.attempts])).toEqual([
      ['tfa-reminder', 'sent', 1],
      ['tfa-reminder', 'sent', 1],
      ['tfa-removal', 'sent', 1],
      ['tfa-removal', 'sent', 1],
      ['invitation', 'sent', 1],
      ['reinstatement', 'sent', 1],
    ]);
    for (const [i, r] of smtp.received.entries()) {
      expect(r.envelope.from).toBe('registry@example.com');
      expect(r.mail.from?.value).toEqual([{ name: 'Acme Registry', address: 'registry@example.com' }]);
      expect(r.mail.messageId).toBe(`<${listed[i]!.id}@example.com>`);
      expect(r.mail.text).toContain('Hello ');
      expect(r.mail.html).toContain('<p>Hello ');
      expect(r.rawHeaders).toMatch(/^X-Orgctl-User: \w+$/m);
    }
    expect(smtp.received[0]!.mail.date).toEqual(at);
    const removal = smtp.received[2]!.mail.text!;
    expect(removal).toContain('you were removed from acme (you were a developer in team core)');
    expect(removal).toContain('orgctl profile enable-2fa');
    expect(removal).toContain('restores your former role and teams for 90 days');
    const invitation = smtp.received[4]!.mail.text!;
    expect(invitation).toContain('alice invited you to join acme as an admin in team core');
    expect(invitation).toMatch(/The invitation expires on \d{4}-\d\d-\d\dT/);
    expect(invitation).toContain('orgctl invites accept acme');
    expect(smtp.received[5]!.mail.text).toContain('(your former role and teams)');
    expect(smtp.received[4]!.mail.html).toContain('orgctl invites accept acme');
  });

  it('the SMTP server down at first, then up: retried after the backoff, on the clock, and delivered', async () => {
    const smtp = await startSmtp({ down: true });
    const reg = await registry(smtp);
    await remind(reg);
    expect(ls(reg)).toEqual([
      ['bob', 'queued', 1],
      ['erin', 'queued', 1],
    ]);
    const first = reg.registry.core.mail.list()[0]!;
    expect(first.lastError).toBe(`SMTP ESOCKET: connect ECONNREFUSED 127.0.0.1:${smtp.port}`);
    expect(first.nextAttempt).toBe(new Date(reg.clock.now() + 60_000).toISOString());
    await smtp.up();
    reg.clock.advance(59_000);
    await reg.registry.core.outboxIdle();
    expect(smtp.received).toHaveLength(0);
    reg.clock.advance(1_000);
    await reg.registry.core.outboxIdle();
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com', 'erin@example.com']);
    expect(ls(reg)).toEqual([
      ['bob', 'sent', 2],
      ['erin', 'sent', 2],
    ]);
  });

  it('a 5xx refusal fails the message at once: listed with the error, not retried, until retry re-queues it', async () => {
    const smtp = await startSmtp();
    smtp.refuse = 550;
    const reg = await registry(smtp);
    await remind(reg);
    expect(ls(reg)).toEqual([
      ['bob', 'failed', 1],
      ['erin', 'failed', 1],
    ]);
    expect(reg.registry.core.mail.list()[0]!.lastError).toMatch(/550 Mailbox unavailable/);
    expect(reg.logs).toContainEqual(expect.stringMatching(/^warning: mail \w+ to bob: failed after 1 attempt: .*550/));
    const tried = smtp.rcpts;
    reg.clock.advance(2 * 86_400_000);
    await reg.registry.core.outboxIdle();
    expect(smtp.rcpts).toBe(tried);
    smtp.refuse = null;
    const id = reg.registry.core.mail.list()[0]!.id;
    expect((await reg.registry.core.mail.retry(id)).map((m) => [m.id, m.state, m.attempts])).toEqual([[id, 'queued', 0]]);
    await reg.registry.core.outboxIdle();
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com']);
    expect(ls(reg)).toEqual([
      ['bob', 'sent', 1],
      ['erin', 'failed', 1],
    ]);
  });

  it('a 4xx answer is retried with growing delays up to the attempt limit, then failed', async () => {
    const smtp = await startSmtp();
    smtp.refuse = 451;
    const reg = await registry(smtp, { mailRetry: { maxAttempts: 3 } });
    await remind(reg);
    expect(ls(reg)[0]).toEqual(['bob', 'queued', 1]);
    reg.clock.advance(60_000);
    await reg.registry.core.outboxIdle();
    expect(ls(reg)[0]).toEqual(['bob', 'queued', 2]);
    expect(reg.registry.core.mail.list()[0]!.nextAttempt).toBe(new Date(reg.clock.now() + 120_000).toISOString());
    reg.clock.advance(120_000);
    await reg.registry.core.outboxIdle();
    expect(ls(reg)).toEqual([
      ['bob', 'failed', 3],
      ['erin', 'failed', 3],
    ]);
    const tried = smtp.rcpts;
    reg.clock.advance(86_400_000);
    await reg.registry.core.outboxIdle();
    expect(smtp.rcpts).toBe(tried);
    expect(smtp.received).toHaveLength(0);
  });

  it('queued mail survives a restart and is delivered after it; a crash before the mark sends it again, same Message-ID', async () => {
    const smtp = await startSmtp({ down: true });
    const data = path.join(tempDir(), 'data');
    const clock = testClock();
    let reg = await registry(smtp, { dataDir: data, clock });
    await remind(reg);
    expect(ls(reg)).toEqual([
      ['bob', 'queued', 1],
      ['erin', 'queued', 1],
    ]);
    await reg.close();
    // The data folder as a crash after the send and before the mark would leave it.
    const crashed = path.join(tempDir(), 'data');
    cpSync(data, crashed, { recursive: true });
    await smtp.up();
    clock.advance(60_000);
    reg = await registry(smtp, { dataDir: data, clock });
    await reg.registry.core.outboxIdle();
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com', 'erin@example.com']);
    expect(ls(reg)).toEqual([
      ['bob', 'sent', 2],
      ['erin', 'sent', 2],
    ]);
    await reg.close();
    reg = await registry(smtp, { dataDir: crashed, clock });
    await reg.registry.core.outboxIdle();
    expect(smtp.received).toHaveLength(4);
    expect(smtp.received[2]!.mail.messageId).toBe(smtp.received[0]!.mail.messageId);
  });

  it('a refused login is reported and retried (the server, not the message, is wrong); the password never shows', async () => {
    const smtp = await startSmtp({ auth: { user: 'registry', pass: 's3cret-pa55' } });
    const reg = await registry(smtp.url({ user: 'registry', pass: 'wr0ng/pa55' }), { mailRetry: { maxAttempts: 2 } });
    await remind(reg);
    expect(smtp.logins).toEqual(['registry', 'registry']);
    expect(ls(reg)).toEqual([
      ['bob', 'queued', 1],
      ['erin', 'queued', 1],
    ]);
    expect(reg.registry.core.mail.list()[0]!.lastError).toMatch(/^SMTP login refused: .*535/);
    reg.clock.advance(60_000);
    await reg.registry.core.outboxIdle();
    expect(ls(reg)).toEqual([
      ['bob', 'failed', 2],
      ['erin', 'failed', 2],
    ]);
    expect(reg.registry.core.mail.description).toBe(`notifications are sent by email through smtp://registry:***@127.0.0.1:${smtp.port}, from ${FROM}`);
    const everything = JSON.stringify([reg.logs, reg.registry.core.mail.list()]);
    expect(everything).not.toContain('wr0ng');
  });

  it('a user without an email address: undeliverable with the reason, listed, and sent once they add one', async () => {
    const smtp = await startSmtp();
    const seed = loadSeed(BASIC) as { users: { name: string; email?: string; token?: string }[] };
    const erin = seed.users.find((u) => u.name === 'erin')!;
    delete erin.email;
    const reg = await registry(smtp, { seed });
    await remind(reg);
    expect(ls(reg)).toEqual([
      ['bob', 'sent', 1],
      ['erin', 'undeliverable', 0],
    ]);
    const m = reg.registry.core.mail.list()[1]!;
    expect(m.to).toBeNull();
    expect(m.lastError).toBe('erin has no email address (orgctl profile set email <address>, then registry mail retry)');
    const set = await call(reg.url, 'POST', '/-/npm/v1/user', { token: erin.token, body: { email: 'erin@example.org' } });
    expect(set.status).toBe(200);
    await reg.registry.core.mail.retry();
    await reg.registry.core.outboxIdle();
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com', 'erin@example.org']);
  });

  it('an email address with a line break is refused by the profile (no header injection)', async () => {
    const smtp = await startSmtp();
    const reg = await registry(smtp);
    const seed = loadSeed(BASIC) as { users: { name: string; token?: string }[] };
    const token = seed.users.find((u) => u.name === 'erin')!.token;
    const r = await call(reg.url, 'POST', '/-/npm/v1/user', { token, body: { email: 'erin@example.com\r\nBcc: x@evil.test' } });
    expect(r.status).toBe(400);
  });
});
