/**
 * End to end: the built CLI (bin/orgctl.js → dist) against the reference registry on 127.0.0.1:0,
 * each run with its own HOME, ORGCTL_CONFIG_DIR and npm user config (see test/helpers/run-cli.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryPerFile, startRegistry } from '../helpers/registry.js';
import { submitLoginForm } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB, CAROL, ROOT } from '../helpers/fixtures.js';
import { NpmClient } from '../helpers/npm.js';
import { isolatedDirs, ptyCli, runCli, type IsolatedDirs } from '../helpers/run-cli.js';
import { renderScreen } from '../helpers/screen.js';


const ctx = registryPerFile();

const credentialsFile = (dirs: IsolatedDirs) => join(dirs.configDir, 'credentials.json');
const stored = (dirs: IsolatedDirs): Record<string, { token: string; username?: string }> =>
  JSON.parse(readFileSync(credentialsFile(dirs), 'utf8'));

/** Legacy login from stdin; returns the temp tree that now holds the token. */
async function loginAs(user: string, password: string, extra: string[] = []): Promise<IsolatedDirs> {
  const dirs = isolatedDirs();
  const r = await runCli(['login', '--username', user, '--password-stdin', ...extra], {
    dirs,
    input: `${password}\n`,
    env: { ORGCTL_REGISTRY: ctx.url },
  });
  expect(r).toMatchObject({ code: 0 });
  return dirs;
}

describe('registry resolution', () => {
  it('exits 2 and says how to set a registry when none is configured', async () => {
    const r = await runCli(['whoami']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('orgctl: no registry configured.');
    expect(r.stderr).toContain('--registry <url>');
    expect(r.stderr).toContain('ORGCTL_REGISTRY');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('uses registry= from the user .npmrc (npm_config_userconfig) when nothing else is set', async () => {
    const dirs = isolatedDirs();
    writeFileSync(dirs.userNpmrc, `registry=${ctx.url}\n`);
    const r = await runCli(['whoami', '--json'], { dirs, env: { ORGCTL_TOKEN: BOB.token } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ username: 'bob', registry: ctx.url });
  });
});

describe('token sources', () => {
  it('ORGCTL_TOKEN: whoami prints the user name on stdout only', async () => {
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: BOB.token } });
    expect(r).toEqual({ code: 0, stdout: 'bob\n', stderr: '' });
  });

  it('--json prints only JSON with the username and the registry', async () => {
    const r = await runCli(['whoami', '--json', '--registry', ctx.url], { env: { ORGCTL_TOKEN: BOB.token } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ username: 'bob', registry: ctx.url });
  });

  it('a refused token exits 4 with the server message', async () => {
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: 'npm_NotAValidToken' } });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^orgctl: .*GET \/-\/whoami: 401/m);
  });

  it('no token at all exits 4 and says how to log in', async () => {
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`orgctl: not logged in to ${ctx.url}`);
    expect(r.stderr).toContain('orgctl login');
  });

  it('the stored token (after legacy login without OTP) is used, from a 0600 file in a 0700 folder', async () => {
    const dirs = await loginAs('bob', BOB.password);
    expect(statSync(credentialsFile(dirs)).mode & 0o777).toBe(0o600);
    expect(statSync(dirs.configDir).mode & 0o777).toBe(0o700);
    expect(stored(dirs)[ctx.url]).toMatchObject({ username: 'bob' });
    expect(stored(dirs)[ctx.url]!.token).toMatch(/\S{16,}/);
    const r = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r).toMatchObject({ code: 0, stdout: 'bob\n' });
  });

  it('ORGCTL_TOKEN wins over the stored token', async () => {
    const dirs = await loginAs('bob', BOB.password);
    const r = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: CAROL.token } });
    expect(r).toMatchObject({ code: 0, stdout: 'carol\n' });
  });

  it('uses an .npmrc token with ${ENV} expansion', async () => {
    const dirs = isolatedDirs();
    const host = new URL(ctx.url).host;
    writeFileSync(dirs.userNpmrc, `//${host}/:_authToken=\${MY_NPM_TOKEN}\n`);
    const r = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url, MY_NPM_TOKEN: BOB.token } });
    expect(r).toMatchObject({ code: 0, stdout: 'bob\n' });
  });

  it('uses the .npmrc written by the real `npm login` (web flow), with no second login', async () => {
    const npm = await NpmClient.create(ctx.url);
    try {
      const child = npm.spawn(['login']);
      const [loginUrl] = await child.waitForStdout(/http:\/\/\S+\/-\/v1\/login\/\S+/);
      await completeWebLogin(loginUrl, 'bob', BOB.password);
      const done = await child.result;
      expect(done.code).toBe(0);
      expect(await npm.token()).toMatch(/\S{16,}/);

      const dirs = isolatedDirs();
      const r = await runCli(['whoami', '--json'], {
        dirs,
        env: { ORGCTL_REGISTRY: ctx.url, npm_config_userconfig: npm.userconfig },
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ username: 'bob', registry: ctx.url });
    } finally {
      await npm.cleanup();
    }
  });
});

describe('login', () => {
  it('legacy login with an OTP (alice has 2FA) stores the token; --json prints username and registry', async () => {
    const dirs = isolatedDirs();
    const r = await runCli(['login', '--username', 'alice', '--password-stdin', '--otp', totp(ALICE.secret, ctx.clock.now()), '--json'], {
      dirs,
      input: 'alice-password\n',
      env: { ORGCTL_REGISTRY: ctx.url },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ username: 'alice', registry: ctx.url });
    expect(stored(dirs)[ctx.url]).toMatchObject({ username: 'alice' });
    const who = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(who).toMatchObject({ code: 0, stdout: 'alice\n' });
  });

  it('an OTP challenge without a TTY exits 4 with a hint to pass --otp, and stores nothing', async () => {
    const dirs = isolatedDirs();
    const r = await runCli(['login', '--username', 'alice', '--password-stdin'], {
      dirs,
      input: 'alice-password\n',
      env: { ORGCTL_REGISTRY: ctx.url },
    });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--otp\b/);
    expect(() => stored(dirs)).toThrow();
  });

  it('a wrong OTP exits 4 and says it was refused', async () => {
    const r = await runCli(['login', '--username', 'alice', '--password-stdin', '--otp', '000000'], {
      input: 'alice-password\n',
      env: { ORGCTL_REGISTRY: ctx.url },
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('orgctl: the one-time password was refused');
  });

  it('a wrong password exits 4 with one clear line', async () => {
    const r = await runCli(['login', '--username', 'bob', '--password-stdin'], { input: 'nope\n', env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^orgctl: login failed: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('legacy login without a TTY and without --username is a usage error (exit 2)', async () => {
    const r = await runCli(['login', '--auth-type', 'legacy'], { env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });

  it('--auth-type web without a terminal prints the URL on stderr, polls until the browser step is done, and stores the token', async () => {
    const dirs = isolatedDirs();
    let resolveUrl: (u: string) => void = () => {};
    const urlSeen = new Promise<string>((r) => (resolveUrl = r));
    let stderrSoFar = '';
    const run = runCli(['login', '--auth-type', 'web', '--json'], {
      dirs,
      env: { ORGCTL_REGISTRY: ctx.url },
      onStderr: (c) => {
        stderrSoFar += c;
        const m = /Login at:\n(http\S+)/.exec(stderrSoFar);
        if (m) resolveUrl(m[1]!);
      },
    });
    const loginUrl = await urlSeen;
    expect(loginUrl.startsWith(ctx.url)).toBe(true);
    await completeWebLogin(loginUrl, 'bob', BOB.password);
    const r = await run;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ username: 'bob', registry: ctx.url });
    const who = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(who).toMatchObject({ code: 0, stdout: 'bob\n' });
  });

  // Issue 18 (10): web login without a terminal fails at once instead of waiting 10 minutes.
  it('plain `login` without a terminal: exit 2 at once, before any request, with the scripted way', async () => {
    const r = await runCli(['login'], { env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'orgctl: login needs a terminal for the web login (or --auth-type web to print the URL and wait anyway).\n' +
        'Without a terminal, pass --username <name> and --password-stdin (and --otp <code> if your account has 2FA), or set ORGCTL_TOKEN.\n',
    });
  });

  describe('web login on a terminal', () => {
    /** `orgctl login` in an 80x24 pty, with $BROWSER a script that records the URL it is given. */
    function webLoginOnTty() {
      const dirs = isolatedDirs();
      const browser = join(dirs.root, 'browser.sh');
      writeFileSync(browser, '#!/bin/sh\nprintf %s "$1" > "$(dirname "$0")/opened.txt"\n', { mode: 0o755 });
      const s = ptyCli(['login'], { dirs, env: { ORGCTL_REGISTRY: ctx.url, BROWSER: browser, CI: undefined }, cols: 80, rows: 24 });
      return { s, dirs, opened: () => readFileSync(join(dirs.root, 'opened.txt'), 'utf8') };
    }

    it('"Press Enter to open the browser": Enter opens the URL once (more Enters do nothing, nothing is echoed); one spinner, cleared at the end', async () => {
      const { s, dirs, opened } = webLoginOnTty();
      const url = (await s.expect(/Login at:\n(http\S+)\n/))[1]!;
      await s.expect(/Press Enter to open the browser, or Ctrl-C to cancel\./);
      await s.expect(/Waiting for the login to complete in your browser…/);
      s.send('\r');
      await s.expect(/Opened the browser\. Waiting for the login/);
      expect(opened()).toBe(url);
      s.send('\r\r');
      await completeWebLogin(url, 'bob', BOB.password);
      const r = await s.wait();
      expect(r.code).toBe(0);
      const screen = renderScreen(r.raw, 80, 24).text().filter(Boolean);
      expect(screen).toEqual(['Login at:', url, 'Press Enter to open the browser, or Ctrl-C to cancel.', `✓ Logged in as bob on ${ctx.url}`]);
      expect(stored(dirs)[ctx.url]?.username).toBe('bob');
    });

    it('Ctrl-C while waiting: exit 3 with a message, nothing stored', async () => {
      const { s, dirs } = webLoginOnTty();
      await s.expect(/Press Enter to open the browser/);
      await s.expect(/Waiting for the login/);
      s.send('\x03');
      const r = await s.wait();
      expect(r.code).toBe(3);
      expect(r.output).toContain('orgctl: login cancelled; no token was stored.');
      expect(() => stored(dirs)).toThrow(/ENOENT/);
    });
  });

  it('rejects an invalid --username before any request (exit 2)', async () => {
    const r = await runCli(['login', '--username', 'Bad/Name', '--password-stdin'], { input: 'x\n', env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid user name');
  });
});

describe('logout', () => {
  it('revokes the token on the server and forgets it; the old token then gets 401 (exit 4)', async () => {
    const dirs = await loginAs('bob', BOB.password);
    const oldToken = stored(dirs)[ctx.url]!.token;
    const r = await runCli(['logout', '--json'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ registry: ctx.url, revoked: true, forgotten: true, source: 'orgctl login' });
    expect(stored(dirs)[ctx.url]).toBeUndefined();

    const again = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('not logged in');

    const old = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: oldToken } });
    expect(old.code).toBe(4);
    expect(old.stderr).toContain('401');
  });

  it('needs a token (exit 4 without one)', async () => {
    const r = await runCli(['logout'], { env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r.code).toBe(4);
  });
});

describe('transport and failures', () => {
  it('refuses to send a token over plain http to a non-loopback host (exit 2), before any network access', async () => {
    // .invalid never resolves: had the CLI tried to connect, it would fail with a network error (exit 1).
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: 'http://registry.example.invalid/', ORGCTL_TOKEN: BOB.token } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('orgctl: refusing to send or receive credentials over plain http to registry.example.invalid');
    expect(r.stderr).toContain('https://');
  });

  it('a registry that cannot be reached is a failure (exit 1) with one line, no stack', async () => {
    const dead = await startRegistry({ seed: BASIC });
    const url = dead.url;
    await dead.close();
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: url, ORGCTL_TOKEN: BOB.token } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^orgctl: could not reach the registry at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('help, version and usage errors', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it.each(['login', 'whoami', 'logout'])('`%s --help` shows examples and exits 0', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: orgctl ${cmd}`);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--json');
  });

  it('an unknown option or a bad --auth-type is a usage error (exit 2)', async () => {
    expect((await runCli(['whoami', '--nope'])).code).toBe(2);
    const r = await runCli(['login', '--auth-type', 'magic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('magic');
  });
});

/** Plays the browser: submits the registry's login form. */
async function completeWebLogin(loginUrl: string, username: string, password: string, otp = ''): Promise<void> {
  const res = await submitLoginForm(loginUrl, { username, password, otp });
  expect(res.status).toBe(200);
  await res.text();
}
