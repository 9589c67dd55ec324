/**
 * End to end, the built CLI: `registry serve --smtp/--mail-from` (ORGCTL_SMTP_URL), `registry mail
 * ls|retry --data DIR`, and what `org 2fa enforce` says about notices, against a real SMTP server
 * (smtp-server on loopback, test/helpers/smtp.ts).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from '@jest/globals';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC } from '../helpers/fixtures.js';
import { startOrgCli } from '../helpers/org-cli.js';
import { runCli } from '../helpers/run-cli.js';
import { runServe, spawnServe, type ServeProcess } from '../helpers/serve.js';
import { startSmtp } from '../helpers/smtp.js';

jest.setTimeout(60_000);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'orgctl-mail-e2e-'));
  dirs.push(d);
  return path.join(d, 'data');
}

/** alice reminds acme's members without 2FA (bob, erin) on a spawned server. */
async function remind(s: ServeProcess): Promise<void> {
  const r = await call(s.url, 'POST', '/-/orgctl/v1/orgs/acme/tfa/remind', { token: ALICE.token, otp: totp(ALICE.secret, s.clock.now()) });
  expect(r.status).toBe(200);
}

const mail = (args: string[]) => runCli(['registry', 'mail', ...args]);

describe('registry serve --smtp', () => {
  it('the password in the SMTP URL never appears on stdout or stderr, from --smtp or ORGCTL_SMTP_URL', async () => {
    const smtp = await startSmtp({ auth: { user: 'registry', pass: 'right-pass' } });
    const secret = 'Hunter2-S3cret';
    const url = smtp.url({ user: 'registry', pass: secret });
    for (const how of [{ args: ['--smtp', url], env: {} }, { args: [], env: { ORGCTL_SMTP_URL: url } }]) {
      const s = await spawnServe(['--seed', BASIC, '--mail-from', 'registry@example.com', ...how.args], { env: how.env });
      await remind(s);
      await s.waitForStderr(/mail \w+ to erin: attempt 1 failed/);
      expect(await s.stop()).toBe(0);
      expect(s.stderr()).toContain(`mail: notifications are sent by email through smtp://registry:***@127.0.0.1:${smtp.port}, from registry@example.com\n`);
      expect(s.stderr()).toMatch(/mail \w+ to bob: attempt 1 failed, next at \S+: SMTP login refused: Invalid login: 535/);
      expect(`${s.stdout()}${s.stderr()}`).not.toContain(secret);
    }
  });

  it('a bad SMTP URL or sender: exit 2 at start, with a precise message that does not repeat the password', async () => {
    const bad = await runServe(['--smtp', 'http://u:Pw-Secret@mail.example.com']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the SMTP URL must start with smtp:// or smtps://, got "http:"');
    const noHost = await runServe([], { ORGCTL_SMTP_URL: 'smtp://u:Pw-Secret@' });
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toMatch(/the SMTP URL (has no host|is not a valid URL)/);
    const from = await runServe(['--mail-from', 'registry@example.com\r\nBcc: x@evil.test']);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('the mail sender must not contain control characters (such as a line break)');
    for (const r of [bad, noHost]) {
      expect(`${r.stdout}${r.stderr}`).not.toContain('Pw-Secret');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('without SMTP the start-up log says once that notifications stay in the outbox folder', async () => {
    const data = dataDir();
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    expect(await s.stop()).toBe(0);
    expect(s.stderr().match(/^mail: /gm)).toHaveLength(1);
    expect(s.stderr()).toContain(`mail: no SMTP server configured (--smtp): notifications are written to ${path.join(data, 'outbox')}\n`);
  });
});

describe('registry mail ls|retry --data DIR', () => {
  it('lists and retries through the running server (sent at once), and on the stopped folder (sent at the next start)', async () => {
    const smtp = await startSmtp();
    smtp.refuse = 550;
    const data = dataDir();
    let s = await spawnServe(['--data', data, '--seed', BASIC, '--smtp', smtp.url(), '--mail-from', 'registry@example.com']);
    await remind(s);
    await s.waitForStderr(/to erin: failed after 1 attempt/);

    // Live, while the server runs.
    const ls = await mail(['ls', '--data', data, '--json']);
    expect(ls.code).toBe(0);
    const { messages } = JSON.parse(ls.stdout) as { messages: { id: string; user: string; to: string; state: string; attempts: number; kind: string; lastError: string }[] };
    expect(messages.map((m) => [m.user, m.to, m.kind, m.state, m.attempts])).toEqual([
      ['bob', 'bob@example.com', 'tfa-reminder', 'failed', 1],
      ['erin', 'erin@example.com', 'tfa-reminder', 'failed', 1],
    ]);
    expect(messages[0]!.lastError).toMatch(/^SMTP EENVELOPE: .*550 Mailbox unavailable/);
    const human = await mail(['ls', '--data', data]);
    expect(human.stdout.split('\n')[0]).toMatch(/^ID +STATE +ATTEMPTS +USER +TO +KIND +WHEN +LAST ERROR$/);
    expect(human.stdout).toMatch(new RegExp(`^${messages[0]!.id} +failed +1 +bob +bob@example\\.com +tfa-reminder +created \\S+ +SMTP EENVELOPE`, 'm'));
    const unknown = await mail(['retry', '--data', data, '--id', 'nosuchid']);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 1, stderr: 'orgctl: No message nosuchid in the outbox.\n' });
    smtp.refuse = null;
    const bob = await mail(['retry', '--data', data, '--id', messages[0]!.id]);
    expect(bob.code).toBe(0);
    expect(bob.stderr).toBe('Queued 1 message again; the running registry is sending them now (see `orgctl registry mail ls`).\n');
    while (smtp.received.length < 1) await new Promise<void>((r) => smtp.onReceived(r));
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com']);
    expect(await s.stop()).toBe(0);

    // Offline, on the stopped registry's folder: nothing is delivered here.
    smtp.refuse = 550;
    const after = JSON.parse((await mail(['ls', '--data', data, '--json'])).stdout) as { messages: { user: string; state: string }[] };
    expect(after.messages.map((m) => [m.user, m.state])).toEqual([['bob', 'sent'], ['erin', 'failed']]);
    const retry = await mail(['retry', '--data', data, '--json']);
    expect(retry.code).toBe(0);
    expect((JSON.parse(retry.stdout) as { requeued: { user: string; state: string }[] }).requeued.map((m) => [m.user, m.state])).toEqual([['erin', 'queued']]);
    expect(smtp.received).toHaveLength(1);

    smtp.refuse = null;
    s = await spawnServe(['--data', data, '--smtp', smtp.url(), '--mail-from', 'registry@example.com'], { clock: s.clock });
    await s.waitForStderr(/^mail: /m);
    // delivered by the start-up pass
    while (smtp.received.length < 2) await new Promise<void>((r) => smtp.onReceived(r));
    expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['bob@example.com', 'erin@example.com']);
    expect(await s.stop()).toBe(0);
    const last = JSON.parse((await mail(['ls', '--data', data, '--json'])).stdout) as { messages: { state: string }[] };
    expect(last.messages.map((m) => m.state)).toEqual(['sent', 'sent']);
  });

  it('a folder without registry data, or no folder: exit 2', async () => {
    const missing = dataDir();
    const none = await mail(['ls', '--data', missing]);
    expect({ code: none.code, stderr: none.stderr }).toEqual({ code: 2, stderr: `orgctl: data folder ${missing} does not exist.\nPass the folder given to \`orgctl registry serve --data\`.\n` });
    mkdirSync(missing);
    const empty = await mail(['retry', '--data', missing]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^orgctl: .* is not a registry data folder \(it has no state\.json or journal\.log\)\.\n/);
  });
});

describe('org 2fa enforce says how removed members are notified', () => {
  it('"told by email" when the registry sends mail', async () => {
    const smtp = await startSmtp();
    const ctx = await startOrgCli(BASIC, { smtp: smtp.url() });
    try {
      const r = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--yes', '--otp', ctx.otp()]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("They lose access to acme's packages at once, leave every team, and are told by email.");
      expect(r.stderr).toContain('Each was told by email. Once they turn on 2FA');
      const json = await ctx.cli('alice', ['org', '2fa', 'enforce', 'acme', '--yes', '--json', '--otp', (ctx.clock.nextStep(), ctx.otp())]);
      expect(JSON.parse(json.stdout)).toEqual({ org: 'acme', dryRun: false, required: true, removed: [], notices: 'email' });
      await ctx.reg.registry.core.outboxIdle();
      expect(smtp.received.map((m) => m.mail.subject)).toEqual(['You were removed from the acme organization', 'You were removed from the acme organization']);
    } finally {
      await ctx.close();
    }
  });
});
