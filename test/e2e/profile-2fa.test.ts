/**
 * End to end: `orgctl profile get / enable-2fa / disable-2fa` (the built CLI) against the reference
 * registry on 127.0.0.1:0, on a controlled clock. Codes are computed with otplib from the secret
 * orgctl printed, as an authenticator app (or a bot) would. The tests of a describe block run in
 * order and share the registry's state; the lockout (which moves the clock 15 minutes) is last.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { call } from '../helpers/http.js';
import { registryPerFile } from '../helpers/registry.js';
import { BOB, CAROL, DAVE, ERIN } from '../helpers/fixtures.js';
import { isolatedDirs, ptyCli, runCli, type IsolatedDirs } from '../helpers/run-cli.js';
import { renderScreen, type Screen } from '../helpers/screen.js';

const ctx = registryPerFile();

/** The current code for `secret` on the registry's clock, computed with otplib (as an authenticator does). */
const code = (secret: string) => generateSync({ secret, epoch: Math.floor(ctx.clock.now() / 1000) });

/** A 6-digit code that no step around now accepts. */
function wrongCode(secret: string): string {
  const t = Math.floor(ctx.clock.now() / 1000);
  const valid = [t - 30, t, t + 30].map((epoch) => generateSync({ secret, epoch }));
  let n = Number(valid[1]);
  do n = (n + 1) % 1_000_000;
  while (valid.includes(String(n).padStart(6, '0')));
  return String(n).padStart(6, '0');
}

/** `orgctl <args>` logged in with `token` (ORGCTL_TOKEN), stdin from `input`. */
const orgctl = (token: string | undefined, args: string[], input?: string, dirs?: IsolatedDirs) =>
  runCli(args, { env: { ORGCTL_REGISTRY: ctx.url, ...(token ? { ORGCTL_TOKEN: token } : {}) }, input, dirs });

/**
 * The modules (true: dark) drawn on screen lines [from, to): half blocks, two module rows per line.
 * In colour a cell's foreground is its top module and its background the bottom one (black: dark);
 * without colour the glyph says which halves are lit (lit: light), as qrcode-terminal draws.
 */
function screenModules(screen: Screen, from: number, to: number, color: boolean): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of screen.cells.slice(from, to)) {
    let end = line.length;
    while (end > 0 && line[end - 1]!.ch === ' ' && line[end - 1]!.bg === undefined) end--;
    const cells = line.slice(0, end);
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const c of cells) {
      if (color) {
        expect(c.ch).toBe('▀');
        top.push(c.fg === 30);
        bottom.push(c.bg === 40);
      } else {
        top.push(c.ch === ' ' || c.ch === '▄');
        bottom.push(c.ch === ' ' || c.ch === '▀');
      }
    }
    rows.push(top, bottom);
  }
  return rows;
}

/** The modules of qrcode-terminal's own rendering of `text` (small mode, 1-module border removed). */
async function generatorModules(text: string): Promise<boolean[][]> {
  const qrcode = (await import('qrcode-terminal')).default;
  const out = await new Promise<string>((done) => qrcode.generate(text, { small: true }, done));
  const rows: boolean[][] = [];
  for (const line of out.split('\n').filter((l) => l !== '')) {
    const chars = [...line];
    rows.push(chars.map((ch) => ch === ' ' || ch === '▄'), chars.map((ch) => ch === ' ' || ch === '▀'));
  }
  // Its first line is the top edge (an unlit half, then a light border row); each line after it
  // has a light border module left and right.
  const n = rows[0]!.length - 2;
  return rows.slice(2, 2 + n).map((r) => r.slice(1, 1 + n));
}

const tfaOf = async (token: string) => (await call(ctx.url, 'GET', '/-/npm/v1/user', { token })).body.tfa;

/** A fresh account (couch adduser) without 2FA; returns its token. */
async function newUser(name: string): Promise<string> {
  const r = await call(ctx.url, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { name, password: `${name}-password`, email: `${name}@example.com` } });
  expect(r.status).toBe(201);
  return r.body.token;
}

/** Scripted start: `--password-stdin --json`; returns the printed secret. */
async function startScripted(user: { token: string; password: string }, mode: string[] = []): Promise<string> {
  const r = await orgctl(user.token, ['profile', 'enable-2fa', ...mode, '--password-stdin', '--json'], `${user.password}\n`);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(Object.keys(out).sort()).toEqual(['otpauth', 'secret']);
  expect(out.otpauth).toMatch(/^otpauth:\/\/totp\//);
  return out.secret;
}

describe('profile get', () => {
  it('prints the profile as key: value lines, or the server object with --json', async () => {
    const text = await orgctl(BOB.token, ['profile', 'get']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^name: bob\nemail: bob@example.com \(verified\)\ntwo-factor auth: disabled\ncreated: .+\nupdated: .+\n$/);
    const json = await orgctl(DAVE.token, ['profile', 'get', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'dave', tfa: { mode: 'auth-only', pending: false } });
  });

  it('not logged in: exit 4 before anything else', async () => {
    const r = await orgctl(undefined, ['profile', 'enable-2fa']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('not logged in');
  });
});

describe('without a terminal', () => {
  it('interactive enable-2fa exits 2 with a hint naming --password-stdin and --verify', async () => {
    const r = await orgctl(BOB.token, ['profile', 'enable-2fa']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
    expect(r.stderr).toContain('--verify <code>');
    expect(await tfaOf(BOB.token)).toBeNull();
  });

  it('disable-2fa needing an OTP exits 4 with the --otp hint', async () => {
    const r = await orgctl(DAVE.token, ['profile', 'disable-2fa', '--password-stdin'], `${DAVE.password}\n`);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/--otp\b/);
  });
});

describe('scripted enrolment, OTP replay, recovery codes (bob)', () => {
  let secret = '';
  let firstCode = '';
  let recoveryCodes: string[] = [];
  let otherToken = '';

  it('--password-stdin --json prints {otpauth, secret}; 2FA is pending', async () => {
    secret = await startScripted(BOB);
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: true });
  });

  it('--verify <code> --json prints {mode, recoveryCodes}; then login works with an OTP computed from the secret', async () => {
    firstCode = code(secret);
    const done = await orgctl(BOB.token, ['profile', 'enable-2fa', '--verify', firstCode, '--json']);
    expect(done.code).toBe(0);
    const out = JSON.parse(done.stdout);
    expect(out.mode).toBe('auth-and-writes');
    expect(out.recoveryCodes).toHaveLength(5);
    recoveryCodes = out.recoveryCodes;
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: false });

    ctx.clock.nextStep();
    const dirs = isolatedDirs();
    const login = await orgctl(undefined, ['login', '--username', 'bob', '--password-stdin', '--otp', code(secret)], `${BOB.password}\n`, dirs);
    expect(login.code).toBe(0);
    otherToken = JSON.parse(readFileSync(join(dirs.configDir, 'credentials.json'), 'utf8'))[ctx.url].token;
    expect((await orgctl(otherToken, ['whoami'])).stdout).toBe('bob\n');
  });

  it('a used TOTP is refused for a password login and for another token, and accepted again with the same token (mode change with --otp)', async () => {
    const login = await orgctl(undefined, ['login', '--username', 'bob', '--password-stdin', '--otp', firstCode], `${BOB.password}\n`);
    expect(login.code).toBe(4);
    expect(login.stderr).toContain('already been used');

    const change = ['profile', 'enable-2fa', 'auth-only', '--password-stdin', '--otp', firstCode, '--json'];
    const other = await orgctl(otherToken, change, `${BOB.password}\n`);
    expect(other.code).toBe(4);
    expect(other.stderr).toContain('already been used');
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: false });

    const same = await orgctl(BOB.token, change, `${BOB.password}\n`);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toEqual({ mode: 'auth-only', changed: true });
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-only', pending: false });
  });

  it('a recovery code is accepted once and refused the second time', async () => {
    const login = (otp: string) => orgctl(undefined, ['login', '--username', 'bob', '--password-stdin', '--otp', otp, '--json'], `${BOB.password}\n`);
    const first = await login(recoveryCodes[0]!);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).username).toBe('bob');
    const again = await login(recoveryCodes[0]!);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('one-time password was refused');
  });
});

describe('disable-2fa in an org that requires 2FA (dave in secure)', () => {
  it('is refused with exit 1, naming the org and saying to leave it first', async () => {
    const r = await orgctl(DAVE.token, ['profile', 'disable-2fa', '--password-stdin', '--otp', code(DAVE.secret)], `${DAVE.password}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('secure');
    expect(r.stderr).toMatch(/leave/i);
    expect(await tfaOf(DAVE.token)).toEqual({ mode: 'auth-only', pending: false });
  });

  it('is allowed after leaving the org: {"tfa": false}', async () => {
    ctx.clock.nextStep();
    const left = await call(ctx.url, 'DELETE', '/-/org/secure/user', { token: DAVE.token, body: { user: 'dave' }, otp: code(DAVE.secret) });
    expect(left.status).toBe(204);
    const r = await orgctl(DAVE.token, ['profile', 'disable-2fa', '--password-stdin', '--otp', code(DAVE.secret), '--json'], `${DAVE.password}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ tfa: false });
    expect(await tfaOf(DAVE.token)).toBeNull();
  });
});

describe('--save-recovery-codes (erin)', () => {
  it('writes the codes to a new 0600 file instead of stdout, and refuses to overwrite it', async () => {
    const secret = await startScripted(ERIN, ['auth-only']);
    const dirs = isolatedDirs();
    const verify = () => orgctl(ERIN.token, ['profile', 'enable-2fa', '--verify', code(secret), '--save-recovery-codes', 'codes.txt'], undefined, dirs);
    const r = await verify();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('codes.txt (mode 0600)');
    const file = join(dirs.cwd, 'codes.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(saved).toMatch(/^([A-Z2-7]{5}-[A-Z2-7]{5}\n){5}$/);
    expect(await tfaOf(ERIN.token)).toEqual({ mode: 'auth-only', pending: false });

    const again = await verify();
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('will not overwrite');
    expect(readFileSync(file, 'utf8')).toBe(saved);
  });
});

describe('on a terminal (pseudo-terminal)', () => {
  /** `orgctl profile enable-2fa` in a pty, logged in as `token`. */
  function enableOnTty(token: string) {
    return ptyCli(['profile', 'enable-2fa'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: token } });
  }

  it('asks the password, shows QR code and secret, retries a wrong code, prints the recovery codes', async () => {
    const token = await newUser('frank');
    const s = enableOnTty(token);
    await s.expect(/Password:/);
    s.sendLine('frank-password');
    const secret = (await s.expect(/Secret: ([A-Z2-7]+)/))[1]!;
    await s.expect(/6-digit code/);
    s.sendLine(wrongCode(secret));
    await s.expect(/2 tries left/);
    await s.expect(/6-digit code/);
    s.sendLine(code(secret));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/[▀▄█]/);
    expect(r.output.match(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/gm)).toHaveLength(5);
    expect(await tfaOf(token)).toEqual({ mode: 'auth-and-writes', pending: false });
  });

  // Issue 18 (3): on an 80x24 terminal the heading, the whole QR code with its quiet zone, the
  // secret and the prompt are on screen while the prompt waits; the code on the screen is the
  // enrolment's URI (module for module, as qrcode-terminal's generator makes it); `u` shows the URI.
  it.each([
    ['in colour (black and white painted: scans on a light or dark background)', 'heidi', { NO_COLOR: undefined }],
    ['with NO_COLOR (blocks in the text colour)', 'ivan', { NO_COLOR: '1' }],
  ] as [string, string, NodeJS.ProcessEnv][])('80x24 %s: QR code, secret and prompt fit on the screen, and the code is the URI', async (_how, user, env) => {
    const token = await newUser(user);
    const s = ptyCli(['profile', 'enable-2fa'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: token, ...env }, cols: 80, rows: 24 });
    await s.expect(/Password:/);
    s.sendLine(`${user}-password`);
    await s.expect(/Enter the 6-digit code from your authenticator app \(u: show the URI\):/);
    const screen = renderScreen(s.raw, 80, 24);
    const lines = screen.text();
    const top = lines.indexOf('Scan this QR code with your authenticator app, or type in the secret below.');
    expect(top).toBe(0); // the heading is the first line on screen: nothing of the code scrolled off
    const secretAt = lines.findIndex((l) => /^Secret: [A-Z2-7]{32}$/.test(l));
    expect(lines[secretAt + 1]).toMatch(/^\? Enter the 6-digit code/);
    expect(lines.slice(secretAt + 2).every((l) => l === '')).toBe(true);
    const onScreen = screenModules(screen, top + 1, secretAt, env.NO_COLOR === undefined);

    s.sendLine('u');
    const uri = (await s.expect(/otpauth URI:\s+(otpauth:\/\/\S+)/))[1]!;
    expect(new URL(uri).searchParams.get('secret')).toBe(lines[secretAt]!.slice('Secret: '.length));
    const expected = await generatorModules(uri);
    // A light quiet zone: 4 modules left and right, at least 2 above and below.
    const n = expected.length;
    const quietRows = (onScreen.length - n) >> 1;
    expect(quietRows).toBeGreaterThanOrEqual(2);
    expect(onScreen[0]!.length).toBe(n + 8);
    const inner = onScreen.slice(quietRows, quietRows + n).map((r) => r.slice(4, 4 + n));
    expect(inner).toEqual(expected);
    const dark = onScreen.flat().filter(Boolean).length;
    expect(dark).toBe(expected.flat().filter(Boolean).length); // everything else is light

    await s.expect(/6-digit code/);
    s.sendLine(code(new URL(uri).searchParams.get('secret')!));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(await tfaOf(token)).toEqual({ mode: 'auth-and-writes', pending: false });
  });

  it('Ctrl-C at the code prompt exits 3 and leaves 2FA off', async () => {
    const token = await newUser('grace');
    const s = enableOnTty(token);
    await s.expect(/Password:/);
    s.sendLine('grace-password');
    await s.expect(/6-digit code/);
    expect(await tfaOf(token)).toEqual({ mode: 'auth-and-writes', pending: true });
    s.send('\x03');
    const r = await s.wait();
    expect(r.code).toBe(3);
    expect(r.output).toContain('Two-factor authentication was left off');
    expect(await tfaOf(token)).toBeNull();
  });
});

describe('lockout (carol; moves the clock, so it runs last)', () => {
  it('after 6 wrong codes even the right one gets 429 until the wait passes', async () => {
    const secret = await startScripted(CAROL);
    for (let i = 0; i < 6; i++) {
      const r = await orgctl(CAROL.token, ['profile', 'enable-2fa', '--verify', wrongCode(secret)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('wrong or has expired');
    }
    const locked = await orgctl(CAROL.token, ['profile', 'enable-2fa', '--verify', code(secret)]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^orgctl: Too many wrong codes\. Try again in \d+ seconds?\.\n$/);
    expect(await tfaOf(CAROL.token)).toEqual({ mode: 'auth-and-writes', pending: true });

    ctx.clock.advance(1_000);
    const done = await orgctl(CAROL.token, ['profile', 'enable-2fa', '--verify', code(secret), '--json']);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout).recoveryCodes).toHaveLength(5);
  });
});
