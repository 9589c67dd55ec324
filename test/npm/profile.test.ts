// `npm profile get / enable-2fa / disable-2fa` (real npm CLI) against the reference registry.
// enable-2fa and disable-2fa only prompt on a TTY, so they run under a pseudo-terminal.
import { describe, expect, it, jest } from '@jest/globals';
import type { NpmClient } from '../helpers/npm.js';
import { answerPasswordThenOtp, USERS, expectNpmError, expectOk, NPM_TEST_TIMEOUT, withRegistry, type RegistryContext, type SeedUser } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

async function profileTfa(ctx: RegistryContext, user: SeedUser, token?: string): Promise<unknown> {
  const r = await ctx.api('/-/npm/v1/user', token ? { token } : { as: user });
  expect(r.status).toBe(200);
  return r.body.tfa;
}

/** Enrol `npm` (logged in as a user without 2FA) through `npm profile enable-2fa` on a pty. */
async function enable2fa(
  ctx: RegistryContext,
  npm: NpmClient,
  password: string,
  mode?: 'auth-only' | 'auth-and-writes',
): Promise<{ secret: string; recoveryCodes: string[]; output: string }> {
  const s = npm.pty(['profile', 'enable-2fa', ...(mode ? [mode] : [])]);
  await s.expect(/npm password: ?/);
  s.sendLine(password);
  const [, secret] = await s.expect(/Scan into your authenticator app:\n[\s\S]*\n Or enter code: ([A-Z2-7]+)\n/);
  await s.expect(/And an OTP code from your authenticator: ?/);
  s.sendLine(ctx.otp(secret));
  const r = await s.wait();
  expect({ code: r.code, output: r.output }).toEqual({ code: 0, output: expect.any(String) });
  const tail = /2FA successfully enabled\. Below are your recovery codes, please print these out\.\nYou will need these to recover access to your account if you lose your authentication device\.\n((?:\t.*\n)+)$/.exec(
    r.output,
  );
  expect(tail).not.toBeNull();
  const recoveryCodes = tail![1].split('\n').filter(Boolean).map((l) => l.slice(1));
  return { secret, recoveryCodes, output: r.output };
}

describe('npm profile get', () => {
  it.concurrent('prints "key: value" lines, known keys first, with 2FA shown as disabled', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('bob')).run(['profile', 'get']);
    expectOk(r);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe('name: bob');
    expect(out[1]).toMatch(/^email: bob@example\.com(?: \(verified\)|\(unverified\))$/);
    expect(out[2]).toBe('two-factor auth: disabled');
    expect(out.slice(3, 10).map((l) => l.split(':')[0])).toEqual([
      'fullname', 'homepage', 'freenode', 'twitter', 'github', 'created', 'updated',
    ]);
    expect(r.stdout).not.toContain(USERS.bob.password);
  }));

  it.concurrent('shows the 2FA mode of alice and dave; selected keys print tab-separated', withRegistry(async (ctx) => {
    const alice = await (await ctx.npmAs('alice')).run(['profile', 'get', 'name', 'two-factor auth']);
    expectOk(alice);
    expect(alice.stdout).toBe('alice\tauth-and-writes\n');
    const dave = await (await ctx.npmAs('dave')).run(['profile', 'get', 'name,two-factor auth']);
    expectOk(dave);
    expect(dave.stdout).toBe('dave\tauth-only\n');
  }));

  it.concurrent('--json prints the profile object without secrets; --parseable prints key\\tvalue', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const j = await npm.run(['profile', 'get', '--json']);
    expectOk(j);
    const profile = JSON.parse(j.stdout);
    expect(profile).toEqual(
      expect.objectContaining({ name: 'alice', email: 'alice@example.com', tfa: { mode: 'auth-and-writes', pending: false } }),
    );
    expect(j.stdout).not.toContain(USERS.alice.secret);
    expect(j.stdout).not.toContain(USERS.alice.password);

    const p = await npm.run(['profile', 'get', '--parseable']);
    expectOk(p);
    const rows = p.stdout.split('\n').filter(Boolean);
    expect(rows).toContain('name\talice');
    expect(rows).toContain('email\talice@example.com');
    expect(rows).toContain('tfa\tauth-and-writes');
  }));

  it.concurrent('fails without credentials', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs(null)).run(['profile', 'get']);
    expectNpmError(r, 'E401');
  }));
});

describe('npm profile enable-2fa / disable-2fa', () => {
  it.concurrent('enrols: password, QR + secret, OTP from the authenticator, recovery codes; the profile shows the mode', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const { secret, recoveryCodes, output } = await enable2fa(ctx, npm, USERS.bob.password, 'auth-only');
    expect(output).toContain('npm notice profile Enabling two factor authentication for auth-only\n');
    expect(output).not.toContain(USERS.bob.password);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(recoveryCodes).toHaveLength(5); // the registry docs promise five
    for (const c of recoveryCodes) expect(c).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect(new Set(recoveryCodes).size).toBe(recoveryCodes.length);

    expect(await profileTfa(ctx, 'bob')).toEqual({ mode: 'auth-only', pending: false });
    const get = await npm.run(['profile', 'get', 'two-factor auth']);
    expectOk(get);
    expect(get.stdout).toBe('auth-only\n');
  }));

  it.concurrent('after enrolment, the new secret guards token creation; a recovery code works exactly once', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const { recoveryCodes } = await enable2fa(ctx, npm, USERS.bob.password); // default mode: auth-and-writes
    expect(await profileTfa(ctx, 'bob')).toEqual({ mode: 'auth-and-writes', pending: false });

    const create = ['token', 'create', '--name=r', `--password=${USERS.bob.password}`];
    expectNpmError(await npm.run(create), 'EOTP');
    const first = await npm.run([...create, `--otp=${recoveryCodes[0]}`]);
    expectOk(first);
    expect(first.stdout).toMatch(/^Created token npm_\S+\n$/);
    const replay = await npm.run([...create, `--otp=${recoveryCodes[0]}`]);
    expectNpmError(replay, 'EOTP');
  }));

  it.concurrent('changes the mode of an enabled 2FA after an OTP challenge', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('dave');
    const s = npm.pty(['profile', 'enable-2fa', 'auth-and-writes']);
    await answerPasswordThenOtp(s, USERS.dave.password, ctx.otp('dave'));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\nTwo factor authentication mode changed to: auth-and-writes\n$/);
    expect(await profileTfa(ctx, 'dave')).toEqual({ mode: 'auth-and-writes', pending: false });
  }));

  it.concurrent('says so and changes nothing when 2FA is already on in the requested mode', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('alice')).run(['profile', 'enable-2fa', 'auth-and-writes']);
    expectOk(r);
    expect(r.stdout).toBe('Two factor authentication is already enabled and set to auth-and-writes\n');
    expect(await profileTfa(ctx, 'alice')).toEqual({ mode: 'auth-and-writes', pending: false });
  }));

  it.concurrent('a wrong password fails enrolment and leaves 2FA off', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('erin');
    const s = npm.pty(['profile', 'enable-2fa', 'auth-only']);
    await s.expect(/npm password: ?/);
    s.sendLine('wrong-password');
    const r = await s.wait();
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/npm error code E40[13]\n/);
    expect(r.output).not.toContain('Or enter code');
    expect(await profileTfa(ctx, 'erin')).toBeFalsy();
  }));

  it.concurrent('disable-2fa: password, then the OTP challenge; afterwards 2FA is off and writes need no OTP', withRegistry(async (ctx) => {
    // enrol bob first (he is in no org that requires 2FA)
    const npm = await ctx.npmAs('bob');
    const { secret } = await enable2fa(ctx, npm, USERS.bob.password, 'auth-and-writes');
    ctx.clock.nextStep();

    const s = npm.pty(['profile', 'disable-2fa']);
    await answerPasswordThenOtp(s, USERS.bob.password, ctx.otp(secret));
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\nTwo factor authentication disabled\.\n$/);
    expect(await profileTfa(ctx, 'bob')).toBeFalsy();

    const get = await npm.run(['profile', 'get', 'two-factor auth']);
    expectOk(get);
    expect(get.stdout).toBe('disabled\n');
    const create = await npm.run(['token', 'create', '--name=after', `--password=${USERS.bob.password}`]);
    expectOk(create);
  }));

  it.concurrent('disable-2fa with --otp sends it up front (no OTP prompt) and --json prints {"tfa":false}', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const { secret } = await enable2fa(ctx, npm, USERS.bob.password, 'auth-only');
    ctx.clock.nextStep();
    const s = npm.pty(['profile', 'disable-2fa', '--json', `--otp=${ctx.otp(secret)}`]);
    await s.expect(/npm password: ?/);
    s.sendLine(USERS.bob.password);
    const r = await s.wait();
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('Enter OTP');
    expect(JSON.parse(r.output.slice(r.output.indexOf('{')))).toEqual({ tfa: false });
    expect(await profileTfa(ctx, 'bob')).toBeFalsy();
  }));

  it.concurrent('disable-2fa is refused (E403, reason shown) while the user belongs to an org that requires 2FA', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('dave');
    const s = npm.pty(['profile', 'disable-2fa']);
    await answerPasswordThenOtp(s, USERS.dave.password, ctx.otp('dave'));
    const r = await s.wait();
    expect(r.code).toBe(1);
    expect(r.output).toContain('npm error code E403\n');
    expect(r.output).toContain(
      'You cannot disable two-factor authentication while you belong to an org that requires it: secure. Leave it first.',
    );
    expect(r.output).not.toContain('Two factor authentication disabled.');
    expect(await profileTfa(ctx, 'dave')).toEqual({ mode: 'auth-only', pending: false });
  }));

  it.concurrent('disable-2fa when 2FA is off says so without prompting', withRegistry(async (ctx) => {
    const r = await (await ctx.npmAs('erin')).run(['profile', 'disable-2fa']);
    expectOk(r);
    expect(r.stdout).toBe('Two factor authentication not enabled.\n');
  }));
});
