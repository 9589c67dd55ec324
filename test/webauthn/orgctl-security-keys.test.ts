/**
 * orgctl's side of security keys (the built CLI on a pseudo-terminal, a real Chromium with the
 * DevTools virtual authenticator): `profile enable-2fa --security-key` adds a key in the browser
 * and prints the recovery codes; `profile security-keys ls|rm`; and `org 2fa enforce` by an owner
 * whose only second factor is the key: the challenge's URL is printed, confirmed in the browser,
 * and the command finishes; web login's key step; the invitation gate. The tests run in order and share the registry's state.
 */
import { afterAll, describe, expect, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserIt, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { totp } from '../helpers/clock.js';
import { ALICE, basicSeed, CAROL, DAVE } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { registryPerFile } from '../helpers/registry.js';
import { isolatedDirs, ptyCli, runCli } from '../helpers/run-cli.js';

jest.setTimeout(120_000);

// beta: carol owns it (she will have a key only), dave (TOTP) and erin (no 2FA) are developers.
const seed = basicSeed();
seed.orgs.push({ name: 'beta', members: { carol: 'owner', dave: 'developer', erin: 'developer' }, requireTfa: false });
const ctx = registryPerFile({ seed });

let b: TestBrowser;
afterAll(async () => {
  await b?.close();
});
const browser = async () => (b ??= await launchBrowser({ authenticator: true }));

const env = (token: string) => ({ ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: token });
let recovery: string[] = [];

describe('orgctl with security keys', () => {
  browserIt('profile enable-2fa --security-key: password, the URL to open, the key added in the browser, five recovery codes once', async () => {
    const s = ptyCli(['profile', 'enable-2fa', '--security-key', '--name', 'touchid'], { env: env(CAROL.token), expectTimeoutMs: 20_000 });
    await s.expect(/Password:/);
    s.sendLine(CAROL.password);
    const [, url] = await s.expect(/Add your security key "touchid" at:\n(http:\/\/localhost:\d+\/\S+)\n/);
    expect(await (await browser()).confirmKeyPage(url!, 'security-key-orgctl-add')).toBe('The key “touchid” is added. You can close this window and return to your terminal.');
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toContain('Added the security key "touchid".');
    recovery = r.output.match(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/gm) ?? [];
    expect(recovery).toHaveLength(5);
    const profile = await call(ctx.url, 'GET', '/-/npm/v1/user', { token: CAROL.token });
    expect(profile.body.tfa).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['webauthn'] });
  });

  browserIt('profile security-keys ls: a table, or the list with --json', async () => {
    const json = await runCli(['profile', 'security-keys', 'ls', '--json'], { env: env(CAROL.token) });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ name: 'touchid', created: expect.any(String), lastUsed: null, transports: expect.any(Array) }]);
    const table = await runCli(['profile', 'security-keys', 'ls'], { env: env(CAROL.token) });
    expect(table.stdout).toMatch(/^NAME +ADDED +LAST USED +TRANSPORTS\ntouchid +\d{4}-\d\d-\d\d +never +\S+\n$/);
  });

  browserIt('a challenge on a terminal offers "Press Enter to open the browser" ($BROWSER gets the URL); Ctrl-C cancels with exit 3 and nothing changes', async () => {
    const dirs = isolatedDirs();
    const opener = join(dirs.root, 'browser.sh');
    writeFileSync(opener, '#!/bin/sh\nprintf %s "$1" > "$(dirname "$0")/opened.txt"\n', { mode: 0o755 });
    const s = ptyCli(['org', '2fa', 'enforce', 'beta', '--yes'], { dirs, env: { ...env(CAROL.token), BROWSER: opener, CI: undefined }, expectTimeoutMs: 20_000 });
    const [, url] = await s.expect(/Authenticate your account at:\n(http:\/\/localhost:\d+\/-\/orgctl\/webauthn\/verify\/\S+)\n/);
    await s.expect(/Press Enter to open the browser, or Ctrl-C to cancel\./);
    await s.expect(/Waiting for your security key in the browser…/);
    s.send('\r');
    await s.expect(/Opened the browser\. Waiting for your security key/);
    expect(readFileSync(join(dirs.root, 'opened.txt'), 'utf8')).toBe(url);
    s.send('\x03');
    const r = await s.wait();
    expect(r.code).toBe(3);
    expect(r.output).toContain('orgctl: cancelled; nothing was changed.');
    expect((await call(ctx.url, 'GET', '/-/org/beta/user', { token: DAVE.token })).body).toEqual({ carol: 'owner', dave: 'developer', erin: 'developer' });
  });

  browserIt('org 2fa enforce by carol (key only): the challenge URL, confirmed in the browser; erin is removed, carol and dave stay', async () => {
    const s = ptyCli(['org', '2fa', 'enforce', 'beta', '--yes', '--json'], { env: env(CAROL.token), expectTimeoutMs: 20_000 });
    const [, url] = await s.expect(/Authenticate your account at:\n(http:\/\/localhost:\d+\/-\/orgctl\/webauthn\/verify\/\S+)\n/);
    expect(await (await browser()).confirmKeyPage(url!, 'security-key-orgctl-enforce')).toBe('Confirmed. You can close this window and return to your terminal.');
    const r = await s.wait();
    expect(r.code).toBe(0);
    const roster = (await call(ctx.url, 'GET', '/-/org/beta/user', { token: DAVE.token })).body;
    expect(roster).toEqual({ carol: 'owner', dave: 'developer' });
  });

  browserIt('orgctl login (web) as carol: the URL, the password on the page, then the security-key step; orgctl stores the token', async () => {
    const dirs = isolatedDirs();
    let seen: (u: string) => void = () => {};
    const urlSeen = new Promise<string>((r) => (seen = r));
    let stderr = '';
    const run = runCli(['login', '--auth-type', 'web', '--json'], {
      dirs,
      env: { ORGCTL_REGISTRY: ctx.url },
      onStderr: (c) => {
        stderr += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/-\/v1\/login\/web\/[0-9a-f]+)/.exec(stderr);
        if (m) seen(m[1]!);
      },
    });
    const keyUrl = await (await browser()).webLoginForm(await urlSeen, 'carol', CAROL.password, 'security-key-orgctl-login');
    expect(keyUrl).toMatch(/\/-\/orgctl\/webauthn\/verify\//);
    await b.confirmKeyPage(keyUrl!, 'security-key-orgctl-login-verify');
    const r = await run;
    expect({ code: r.code, out: JSON.parse(r.stdout) }).toEqual({ code: 0, out: { username: 'carol', registry: ctx.url } });
    expect(await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } })).toMatchObject({ code: 0, stdout: 'carol\n' });
  });

  browserIt('security-keys rm of the last key: without a terminal, exit 4 and the --otp hint; with a recovery code, refused (exit 1) while beta requires 2FA', async () => {
    const bare = await runCli(['profile', 'security-keys', 'rm', 'touchid', '--yes'], { env: env(CAROL.token) });
    expect(bare.code).toBe(4);
    expect(bare.stderr).toContain('--otp');
    const r = await runCli(['profile', 'security-keys', 'rm', 'touchid', '--yes', '--otp', recovery.pop()!], { env: env(CAROL.token) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('touchid is your last second factor, and you belong to an org that requires two-factor authentication: beta.');
    const keys = await call(ctx.url, 'GET', '/-/orgctl/v1/webauthn/keys', { token: CAROL.token });
    expect(keys.body.map((k: { name: string }) => k.name)).toEqual(['touchid']);
  });

  browserIt('the invitation gate counts the key: carol (key only) accepts an invitation to secure, which requires 2FA', async () => {
    const inv = await call(ctx.url, 'POST', '/-/orgctl/v1/orgs/secure/invitations', { token: ALICE.token, otp: totp(ALICE.secret, ctx.clock.now()), body: { invitations: [{ user: 'carol' }] } });
    expect(inv.body.invited.map((i: { user: string }) => i.user)).toEqual(['carol']);
    const accepted = await call(ctx.url, 'POST', '/-/orgctl/v1/invitations/secure/accept', { token: CAROL.token, otp: recovery.pop()! });
    expect({ status: accepted.status, body: accepted.body }).toEqual({ status: 200, body: { org: 'secure', role: 'developer', teams: [] } });
  });
});
