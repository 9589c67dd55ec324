// `npm whoami`, `npm login` (legacy with OTP, and web), `npm logout` (real npm CLI)
// against the reference registry.
import { describe, expect, it, jest } from '@jest/globals';
import { nerfDart, npmErrors, type NpmClient } from '../helpers/npm.js';
import { submitLoginForm } from '../helpers/http.js';
import type { PtySession } from '../helpers/pty.js';
import { answerOtp, USERS, expectNpmError, expectOk, NPM_TEST_TIMEOUT, withRegistry, type RegistryContext } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

async function whoamiWith(ctx: RegistryContext, token: string): Promise<number | string> {
  const r = await ctx.api('/-/whoami', { token });
  return r.status === 200 ? (r.body.username as string) : r.status;
}

/** The token line npm wrote to .npmrc, checked to be the only credential and nerf-darted to the registry. */
async function savedToken(ctx: RegistryContext, npm: NpmClient): Promise<string> {
  const rc = await npm.npmrc();
  const lines = rc.split('\n').filter(Boolean);
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^${reEscape(nerfDart(ctx.url))}:_authToken=\\S+$`))]);
  return (await npm.token())!;
}

/** Answer the legacy login's Username: and Password: prompts. */
async function typeCredentials(s: PtySession, username: string, password: string): Promise<void> {
  await s.expect(/Username: ?/);
  s.sendLine(username);
  await s.expect(/Password: ?/);
  s.sendLine(password);
}

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('npm whoami', () => {
  it.concurrent('prints the user of the token (and a JSON string with --json)', withRegistry(async (ctx) => {
    const bob = await ctx.npmAs('bob');
    const r = await bob.run(['whoami']);
    expectOk(r);
    expect(r.stdout).toBe('bob\n');
    const j = await (await ctx.npmAs('alice')).run(['whoami', '--json']);
    expectOk(j);
    expect(JSON.parse(j.stdout)).toBe('alice');
  }));

  it.concurrent('needs no OTP even for a 2FA user', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('dave')).run(['whoami']);
    expectOk(r);
    expect(r.stdout).toBe('dave\n');
  }));

  it.concurrent('ENEEDAUTH without credentials; E401 with an unknown token', withRegistry(async (ctx) => {
    const none = await (await ctx.npmAs(null)).run(['whoami']);
    expectNpmError(none, 'ENEEDAUTH');
    const bad = await (await ctx.npmWithToken('npm_NoSuchToken000000000000000000000')).run(['whoami']);
    expectNpmError(bad, 'E401');
    // the 401 carries `WWW-Authenticate: Bearer…`, so npm explains that the token is invalid
    expect(npmErrors(bad.stderr)[1]).toBe('Unable to authenticate, your authentication token seems to be invalid.');
    expect(bad.stdout).toBe('');
  }));
});

describe('npm login --auth-type=legacy (couch PUT, prompts on a TTY)', () => {
  it.concurrent('logs in a user without 2FA and saves a new working token', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await typeCredentials(s, 'bob', USERS.bob.password);
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toMatch(new RegExp(`\\nLogged in on ${reEscape(ctx.url)}\\.\\n$`));
    expect(r.output).not.toContain(USERS.bob.password);
    const token = await savedToken(ctx, npm);
    expect(token).not.toBe(USERS.bob.token);
    expect(await whoamiWith(ctx, token)).toBe('bob');
    const who = await npm.run(['whoami']);
    expectOk(who);
    expect(who.stdout).toBe('bob\n');
  }));

  it.concurrent('a 2FA user is challenged and npm prompts for the OTP', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await typeCredentials(s, 'alice', USERS.alice.password);
    await answerOtp(s, ctx.otp('alice'));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\nLogged in on .*\.\n$/);
    expect(await whoamiWith(ctx, await savedToken(ctx, npm))).toBe('alice');
  }));

  it.concurrent('--otp given up front is used for the login (auth-only user), no OTP prompt', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', `--otp=${ctx.otp('dave')}`]); // --otp forces the legacy flow
    await typeCredentials(s, 'dave', USERS.dave.password);
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('Enter OTP');
    expect(await whoamiWith(ctx, await savedToken(ctx, npm))).toBe('dave');
  }));

  it.concurrent('a wrong OTP is refused (one retry only) and nothing is saved', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const stale = ctx.otp('alice', ctx.clock.now() - 10 * 60_000);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await typeCredentials(s, 'alice', USERS.alice.password);
    await s.expect(/Enter OTP: ?/);
    s.sendLine(stale);
    const r = await s.wait();
    expect(r.code).toBe(1);
    expect(r.output).toContain('npm error code EOTP');
    expect(await npm.npmrc()).toBe('');
  }));

  it.concurrent('an OTP accepted with one credential is refused as a replay for a login; the next code works', withRegistry(async (ctx) => {
    const code = ctx.otp('alice');
    const alice = await ctx.npmAs('alice');
    // the same code twice with the same token is fine…
    expectOk(await alice.run(['org', 'set', 'acme', 'bob', 'admin', `--otp=${code}`]));
    expectOk(await alice.run(['org', 'set', 'acme', 'bob', 'developer', `--otp=${code}`]));

    // …but not with a password login: the PUT carrying it is challenged, so npm (on a TTY)
    // prompts; the same code typed again is refused again, and npm gives up.
    const replayer = await ctx.npmAs(null);
    const s = replayer.pty(['login', `--otp=${code}`]);
    await typeCredentials(s, 'alice', USERS.alice.password);
    await answerOtp(s, code);
    const replay = await s.wait();
    expect(replay.code).toBe(1);
    expect(replay.output).toContain('npm error code EOTP');
    expect(await replayer.npmrc()).toBe('');

    ctx.clock.nextStep();
    const npm = await ctx.npmAs(null);
    const f = npm.pty(['login', `--otp=${ctx.otp('alice')}`]);
    await typeCredentials(f, 'alice', USERS.alice.password);
    const fresh = await f.wait();
    expect(fresh.code).toBe(0);
    expect(fresh.output).not.toContain('Enter OTP');
    expect(await whoamiWith(ctx, (await npm.token())!)).toBe('alice');
  }));

  it.concurrent('a wrong password fails and nothing is saved', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await typeCredentials(s, 'bob', 'not-bobs-password');
    const r = await s.wait();
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/npm error code E40[13]\n/);
    expect(await npm.npmrc()).toBe('');
  }));

  it.concurrent('an unknown name creates the account', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', '--auth-type=legacy']);
    await typeCredentials(s, 'frank', 'frank-password-1');
    const r = await s.wait();
    expect(r.code).toBe(0);
    const token = await savedToken(ctx, npm);
    expect(await whoamiWith(ctx, token)).toBe('frank');
    const profile = await npm.run(['profile', 'get', 'name', 'two-factor auth']);
    expectOk(profile);
    expect(profile.stdout).toBe('frank\tdisabled\n');
  }));
});

describe('npm login (web flow)', () => {
  /** Start `npm login` in the background and return the login URL it prints. */
  async function startWebLogin(npm: NpmClient) {
    const bg = npm.spawn(['login']);
    const m = await bg.waitForStdout(/Login at:\n(https?:\/\/\S+)\n/);
    return { bg, loginUrl: m[1] };
  }

  const submit = submitLoginForm;

  it.concurrent('prints the login URL, which serves a form; submitting it completes npm login', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const { bg, loginUrl } = await startWebLogin(npm);
    try {
      expect(loginUrl.startsWith(ctx.url)).toBe(true);
      const form = await fetch(loginUrl);
      expect(form.status).toBe(200);
      expect(form.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await form.text();
      expect(html).toMatch(/<form[\s>]/i);
      expect(html).toMatch(/name="?username"?/);
      expect(html).toMatch(/name="?password"?/);

      const res = await submit(loginUrl, { username: 'bob', password: USERS.bob.password });
      expect(res.status).toBe(200);
      const r = await bg.result;
      expectOk(r);
      expect(r.stdout).toBe(`Login at:\n${loginUrl}\nLogged in on ${ctx.url}.\n`);
      const token = await savedToken(ctx, npm);
      expect(await whoamiWith(ctx, token)).toBe('bob');
    } finally {
      bg.kill();
    }
  }));

  it.concurrent('a 2FA user completes the form with an OTP', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const { bg, loginUrl } = await startWebLogin(npm);
    try {
      const res = await submit(loginUrl, { username: 'alice', password: USERS.alice.password, otp: ctx.otp('alice') });
      expect(res.status).toBe(200);
      const r = await bg.result;
      expectOk(r);
      expect(await whoamiWith(ctx, await savedToken(ctx, npm))).toBe('alice');
    } finally {
      bg.kill();
    }
  }));

  it.concurrent('a wrong password or a missing OTP does not complete the login; a correct retry does', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const { bg, loginUrl } = await startWebLogin(npm);
    try {
      const wrong = await submit(loginUrl, { username: 'alice', password: 'wrong', otp: ctx.otp('alice') });
      expect(wrong.status).toBe(401);
      const noOtp = await submit(loginUrl, { username: 'alice', password: USERS.alice.password });
      expect(noOtp.status).toBe(401);
      const ok = await submit(loginUrl, { username: 'alice', password: USERS.alice.password, otp: ctx.otp('alice') });
      expect(ok.status).toBe(200);
      const r = await bg.result;
      expectOk(r);
      expect(await whoamiWith(ctx, await savedToken(ctx, npm))).toBe('alice');
    } finally {
      bg.kill();
    }
  }));

  it.concurrent('the done URL answers 202 with Retry-After until the form is submitted', withRegistry(async (ctx) => {
    const res = await ctx.api('/-/v1/login', { method: 'POST', body: {} });
    expect(res.status).toBe(200);
    const { loginUrl, doneUrl } = res.body as { loginUrl: string; doneUrl: string };
    expect(loginUrl).toMatch(/^http:\/\//);
    const pending = await fetch(doneUrl);
    expect(pending.status).toBe(202);
    expect(Number(pending.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await submit(loginUrl, { username: 'erin', password: USERS.erin.password })).status).toBe(200);
    const done = await fetch(doneUrl);
    expect(done.status).toBe(200);
    const { token } = (await done.json()) as { token: string };
    expect(await whoamiWith(ctx, token)).toBe('erin');
  }));
});

describe('npm logout', () => {
  it.concurrent('revokes the token on the server and removes it from .npmrc', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    expect(await whoamiWith(ctx, USERS.bob.token)).toBe('bob');
    const r = await npm.run(['logout']);
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(await npm.token()).toBeUndefined();
    expect(await whoamiWith(ctx, USERS.bob.token)).toBe(401);
    const after = await npm.run(['whoami']);
    expectNpmError(after, 'ENEEDAUTH');
    // other users' sessions are untouched
    expect(await whoamiWith(ctx, USERS.erin.token)).toBe('erin');
  }));

  it.concurrent('a session from login can be logged out; a 2FA user needs no OTP to log out', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs(null);
    const s = npm.pty(['login', `--otp=${ctx.otp('alice')}`]);
    await typeCredentials(s, 'alice', USERS.alice.password);
    expect((await s.wait()).code).toBe(0);
    const token = await savedToken(ctx, npm);
    const r = await npm.run(['logout']);
    expectOk(r);
    expect(await npm.npmrc()).toBe('');
    expect(await whoamiWith(ctx, token)).toBe(401);
    expect(await whoamiWith(ctx, USERS.alice.token)).toBe('alice');
  }));

  it.concurrent('without credentials fails with ENEEDAUTH', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs(null)).run(['logout']);
    expectNpmError(r, 'ENEEDAUTH');
    expect(npmErrors(r.stderr)).toContain(`need auth not logged in to ${ctx.url}, so can't log out!`);
  }));
});
