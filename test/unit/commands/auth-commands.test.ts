/**
 * Run functions of login / whoami / logout with injected dependencies (fake prompter, in-memory
 * token store, recording clock) against the real reference registry in-process. No module mocks.
 */
import { describe, expect, it } from '@jest/globals';
import { testClock, totp } from '../../helpers/clock.js';
import { submitLoginForm } from '../../helpers/http.js';
import { registryPerFile } from '../../helpers/registry.js';
import { ALICE, BOB, CAROL } from '../../helpers/fixtures.js';
import { testIO, type TestIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { createDeps, type DepsOverrides } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { loginRun, parseLoginFlags, type LoginOptions } from '../../../src/commands/login.js';
import { whoamiRun } from '../../../src/commands/whoami.js';
import { logoutRun } from '../../../src/commands/logout.js';
import { AuthError, CancelError, ExitCode, UsageError } from '../../../src/errors.js';

const ctx = registryPerFile();

function setup(io: TestIO, overrides: DepsOverrides = {}) {
  const store = memoryTokenStore();
  const deps = createDeps(io, { tokenStore: async () => store, npmConfig: () => ({ env: {}, files: [] }), ...overrides });
  return { deps, store };
}

const legacy = (o: Partial<LoginOptions> = {}): LoginOptions => ({
  authType: 'legacy',
  authTypeExplicit: true,
  passwordStdin: false,
  json: false,
  ...o,
});

describe('parseLoginFlags', () => {
  it('defaults to web; credentials or --otp on the command line mean legacy', () => {
    expect(parseLoginFlags({})).toMatchObject({ authType: 'web', authTypeExplicit: false });
    expect(parseLoginFlags({ username: 'bob', passwordStdin: true })).toMatchObject({ authType: 'legacy', username: 'bob' });
    expect(parseLoginFlags({ otp: '123 456' })).toMatchObject({ authType: 'legacy', otp: '123456' });
  });

  it('rejects contradictions and bad input as usage errors', () => {
    expect(() => parseLoginFlags({ authType: 'web', username: 'bob' })).toThrow(UsageError);
    expect(() => parseLoginFlags({ passwordStdin: true })).toThrow('--password-stdin needs --username');
    expect(() => parseLoginFlags({ username: 'Bob' })).toThrow(/invalid user name/);
    expect(() => parseLoginFlags({ otp: '!!' })).toThrow(/invalid --otp/);
  });
});

describe('loginRun (legacy)', () => {
  it('on a TTY asks for user name and password, answers the OTP challenge with one prompt, stores the token', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: true, env: { ORGCTL_REGISTRY: ctx.url } });
    const prompter = fakePrompter().expect('input', 'alice').expect('password', ALICE.password).expect('otp', totp(ALICE.secret, ctx.clock.now()));
    const { deps, store } = setup(io, { prompter });
    await loginRun(legacy(), deps);
    prompter.assertDone();
    expect(prompter.asked.map((a) => a.kind)).toEqual(['input', 'password', 'otp']);
    expect(store.entries()[ctx.url]).toMatchObject({ username: 'alice' });
    expect(io.stdoutText()).toBe('');
    expect(io.stderrText()).toContain(`Logged in as alice on ${ctx.url}`);
  });

  it('reads the password from stdin with --password-stdin (trailing newline dropped)', async () => {
    const io = testIO({ stdin: 'bob-password\n', env: { ORGCTL_REGISTRY: ctx.url } });
    const { deps, store } = setup(io, { prompter: fakePrompter() });
    await loginRun(legacy({ username: 'bob', passwordStdin: true, json: true }), deps);
    expect(JSON.parse(io.stdoutText())).toEqual({ username: 'bob', registry: ctx.url });
    expect(store.entries()[ctx.url]?.username).toBe('bob');
  });

  it('a cancelled prompt (Ctrl-C) is a CancelError (exit 3) and stores nothing', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: true, env: { ORGCTL_REGISTRY: ctx.url } });
    const prompter = { ...fakePrompter(), input: async () => Promise.reject(new CancelError()) };
    const { deps, store } = setup(io, { prompter });
    const err = (await loginRun(legacy(), deps).catch((e: unknown) => e)) as CancelError;
    expect(err.exitCode).toBe(ExitCode.Cancelled);
    expect(store.entries()).toEqual({});
  });

  it('without a TTY, an OTP challenge is an AuthError (exit 4) and nothing is prompted', async () => {
    const io = testIO({ stdin: ALICE.password, env: { ORGCTL_REGISTRY: ctx.url } });
    const prompter = fakePrompter();
    const { deps } = setup(io, { prompter });
    const err = await loginRun(legacy({ username: 'alice', passwordStdin: true }), deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(prompter.asked).toEqual([]);
  });
});

describe('loginRun (web)', () => {
  it('prints the login URL, polls doneUrl honouring Retry-After, then stores the token with the whoami name', async () => {
    const io = testIO({ env: { ORGCTL_REGISTRY: ctx.url } });
    const clock = testClock();
    let completed = false;
    // The "browser" finishes the login during the first wait between polls.
    const sleep = async (ms: number) => {
      await clock.sleep(ms);
      if (!completed) {
        const url = /Login at:\n(\S+)/.exec(io.stderrText())![1]!;
        const res = await submitLoginForm(url, { username: 'bob', password: BOB.password, otp: '' });
        await res.text();
        completed = true;
      }
    };
    const { deps, store } = setup(io, { clock: { now: clock.now, sleep }, prompter: fakePrompter() });
    await loginRun({ authType: 'web', authTypeExplicit: true, passwordStdin: false, json: true }, deps);
    expect(completed).toBe(true);
    // The reference registry answers 202 with `Retry-After: 1` until the browser step is done.
    expect(clock.sleeps).toEqual([1000]);
    expect(JSON.parse(io.stdoutText())).toEqual({ username: 'bob', registry: ctx.url });
    expect(store.entries()[ctx.url]?.username).toBe('bob');
  });
});

describe('whoamiRun and logoutRun', () => {
  it('whoami uses the stored token; logout revokes it and forgets it; whoami then needs a login', async () => {
    const io = testIO({ stdin: CAROL.password, env: { ORGCTL_REGISTRY: ctx.url } });
    const { deps, store } = setup(io, { prompter: fakePrompter() });
    await loginRun(legacy({ username: 'carol', passwordStdin: true }), deps);
    const token = store.entries()[ctx.url]!.token;

    const io2 = testIO({ env: { ORGCTL_REGISTRY: ctx.url } });
    const d2 = createDeps(io2, { tokenStore: async () => store, npmConfig: () => ({ env: {}, files: [] }), prompter: fakePrompter() });
    await whoamiRun({ json: false }, d2);
    expect(io2.stdoutText()).toBe('carol\n');

    await logoutRun({ json: false }, d2);
    expect(store.entries()[ctx.url]).toBeUndefined();
    expect(io2.stderrText()).toContain(`Logged out of ${ctx.url}`);

    const err = (await whoamiRun({ json: false }, d2).catch((e: unknown) => e)) as AuthError;
    expect(err.exitCode).toBe(ExitCode.Auth);

    const io3 = testIO({ env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: token } });
    const e3 = (await whoamiRun({ json: false }, createDeps(io3, { npmConfig: () => ({ env: {}, files: [] }) })).catch((e: unknown) => e)) as AuthError;
    expect(e3.exitCode).toBe(ExitCode.Auth);
  });

  it('logout of a token the server already refuses still forgets it and exits 0', async () => {
    const store = memoryTokenStore({ [ctx.url]: { token: 'npm_AlreadyRevoked', username: 'ghost' } });
    const io = testIO({ env: { ORGCTL_REGISTRY: ctx.url } });
    const deps = createDeps(io, { tokenStore: async () => store, npmConfig: () => ({ env: {}, files: [] }), prompter: fakePrompter() });
    await logoutRun({ json: true }, deps);
    expect(JSON.parse(io.stdoutText())).toEqual({ registry: ctx.url, revoked: false, forgotten: true, source: 'orgctl login' });
    expect(store.entries()).toEqual({});
  });
});
