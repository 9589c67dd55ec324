/**
 * Run functions of `profile get / enable-2fa / disable-2fa` with injected dependencies (fake
 * prompter, buffer IO, in-memory token store) against the real reference registry in-process, on a
 * controlled clock. No module mocks.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryPerTest } from '../../helpers/registry.js';
import { call } from '../../helpers/http.js';
import { totp } from '../../helpers/clock.js';
import { ALICE, BOB, DAVE } from '../../helpers/fixtures.js';
import { testIO, type TestIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { createDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { profileGetRun } from '../../../src/commands/profile/get.js';
import { enable2faRun, parseEnable2faFlags, MAX_CODE_TRIES, type Enable2faOptions } from '../../../src/commands/profile/enable-2fa.js';
import { disable2faRun } from '../../../src/commands/profile/disable-2fa.js';
import { CancelError, CliError, ExitCode, UsageError } from '../../../src/errors.js';
import type { Prompter } from '../../../src/ui/prompter.js';

const srv = registryPerTest();
const { clock } = srv;

const tty = { stdinTTY: true, stdoutTTY: true };

/** An IO logged in as `token` on the test registry (TTY flags as given). */
function ioFor(token: string, opts: Parameters<typeof testIO>[0] = {}): TestIO {
  return testIO({ ...opts, env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: token } });
}

function depsFor(io: TestIO, prompter: Prompter = fakePrompter()) {
  return createDeps(io, { prompter, tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }) });
}

const tfaOf = async (token: string) => (await call(srv.url, 'GET', '/-/npm/v1/user', { token })).body.tfa;

const enable = (o: Partial<Enable2faOptions> = {}): Enable2faOptions => ({ mode: 'auth-and-writes', modeExplicit: false, passwordStdin: false, json: false, ...o });

/** The secret orgctl showed on stderr. */
const shownSecret = (io: TestIO) => /^Secret: ([A-Z2-7]+)$/m.exec(io.stderrText())![1]!;

/** A 6-digit code no step around now accepts for `secret`. */
function wrongCode(secret: string): string {
  const valid = [-30_000, 0, 30_000].map((d) => totp(secret, clock.now() + d));
  let n = Number(valid[1]);
  do n = (n + 1) % 1_000_000;
  while (valid.includes(String(n).padStart(6, '0')));
  return String(n).padStart(6, '0');
}

/**
 * A prompter for the interactive enrolment: the password, then one answer per code prompt:
 * a wrong code, the right one (from the secret orgctl printed), or Ctrl-C.
 */
function enrolPrompter(io: TestIO, password: string, answers: ('wrong' | 'right' | 'ctrl-c')[]) {
  const base = fakePrompter().expect('password', password);
  const codePrompts: string[] = [];
  return {
    ...base,
    codePrompts,
    input: async (message: string) => {
      codePrompts.push(message);
      const next = answers.shift();
      if (!next) throw new Error(`unexpected input prompt: ${message}`);
      if (next === 'ctrl-c') throw new CancelError();
      const secret = shownSecret(io);
      return next === 'right' ? totp(secret, clock.now()) : wrongCode(secret);
    },
  };
}

describe('profile get', () => {
  it('prints name, email (verified), the 2FA mode, created and updated on stdout', async () => {
    const io = ioFor(ALICE.token);
    await profileGetRun({ json: false }, depsFor(io));
    expect(io.stdoutText()).toMatch(/^name: alice\nemail: alice@example.com \(verified\)\ntwo-factor auth: auth-and-writes\ncreated: \S+\nupdated: \S+\n$/);
    expect(io.stderrText()).toBe('');
  });

  it('says disabled without 2FA, and --json prints the server profile object', async () => {
    const text = ioFor(BOB.token);
    await profileGetRun({ json: false }, depsFor(text));
    expect(text.stdoutText()).toContain('two-factor auth: disabled\n');
    const io = ioFor(BOB.token);
    await profileGetRun({ json: true }, depsFor(io));
    expect(JSON.parse(io.stdoutText())).toEqual((await call(srv.url, 'GET', '/-/npm/v1/user', { token: BOB.token })).body);
  });
});

describe('profile enable-2fa, interactive', () => {
  it('shows the QR code and the secret on stderr, retries a wrong code, prints the recovery codes on stdout', async () => {
    const io = ioFor(BOB.token, tty);
    const prompter = enrolPrompter(io, BOB.password, ['wrong', 'right']);
    await enable2faRun(enable(), depsFor(io, prompter));
    prompter.assertDone();
    expect(prompter.codePrompts).toHaveLength(2);
    const err = io.stderrText();
    expect(err).toContain('Enabling two-factor authentication (auth-and-writes) for bob.');
    expect(err).toMatch(/[▀▄█]/); // the QR code
    expect(err).toMatch(/^Secret: [A-Z2-7]+$/m);
    expect(err).toContain(`That code is wrong or has expired. ${MAX_CODE_TRIES - 1} tries left.`);
    expect(err).toContain('shown only this once');
    const codes = io.stdoutText().trimEnd().split('\n');
    expect(codes).toHaveLength(5);
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect(io.stdoutText()).not.toContain(shownSecret(io)); // stdout holds only the codes
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: false });
  });

  it('Ctrl-C at the code prompt resets the pending enrolment (2FA stays off) and exits 3', async () => {
    const io = ioFor(BOB.token, tty);
    const prompter = enrolPrompter(io, BOB.password, ['ctrl-c']);
    const err = await enable2faRun(enable({ mode: 'auth-only' }), depsFor(io, prompter)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelError);
    expect((err as CancelError).exitCode).toBe(ExitCode.Cancelled);
    expect(io.stderrText()).toContain('Two-factor authentication was left off');
    expect(await tfaOf(BOB.token)).toBeNull();
    expect(io.stdoutText()).toBe('');
  });

  it(`gives up after ${MAX_CODE_TRIES} wrong codes (exit 1) and leaves 2FA off`, async () => {
    const io = ioFor(BOB.token, tty);
    const prompter = enrolPrompter(io, BOB.password, ['wrong', 'wrong', 'wrong']);
    const err = (await enable2faRun(enable(), depsFor(io, prompter)).catch((e: unknown) => e)) as CliError;
    expect(err.message).toContain(`${MAX_CODE_TRIES} wrong codes`);
    expect(err.exitCode).toBe(ExitCode.Failure);
    expect(prompter.codePrompts).toHaveLength(MAX_CODE_TRIES);
    expect(await tfaOf(BOB.token)).toBeNull();
  });

  it('says so and asks nothing when 2FA is already on in that mode', async () => {
    const io = ioFor(ALICE.token, tty);
    await enable2faRun(enable({ json: true }), depsFor(io));
    expect(JSON.parse(io.stdoutText())).toEqual({ mode: 'auth-and-writes', changed: false });
  });

  it('changes the mode of 2FA that is on, answering the OTP challenge with one prompt', async () => {
    const io = ioFor(DAVE.token, tty);
    const prompter = fakePrompter().expect('password', DAVE.password).expect('otp', totp(DAVE.secret, clock.now()));
    await enable2faRun(enable({ mode: 'auth-and-writes', modeExplicit: true }), depsFor(io, prompter));
    prompter.assertDone();
    expect(io.stderrText()).toContain('Two-factor authentication mode changed to auth-and-writes.');
    expect(await tfaOf(DAVE.token)).toEqual({ mode: 'auth-and-writes', pending: false });
  });

  it('a wrong password is exit 4 and starts nothing', async () => {
    const io = ioFor(BOB.token, tty);
    const err = (await enable2faRun(enable(), depsFor(io, fakePrompter().expect('password', 'not-the-password'))).catch((e: unknown) => e)) as CliError;
    expect(err.exitCode).toBe(ExitCode.Auth);
    expect(err.message).toContain('password was refused');
    expect(await tfaOf(BOB.token)).toBeNull();
  });

  it('without a TTY and without --password-stdin: exit 2 naming the scripted flags, nothing asked or started', async () => {
    const io = ioFor(BOB.token);
    const err = (await enable2faRun(enable(), depsFor(io)).catch((e: unknown) => e)) as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.hint).toContain('--password-stdin');
    expect(err.hint).toContain('--verify <code>');
    expect(await tfaOf(BOB.token)).toBeNull();
  });
});

describe('profile enable-2fa, scripted', () => {
  it('--password-stdin starts (pending), a wrong --verify keeps it pending, the right one saves the codes to a 0600 file', async () => {
    const start = testIO({ stdin: `${BOB.password}\n`, env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: BOB.token } });
    await enable2faRun(enable({ passwordStdin: true, json: true }), depsFor(start));
    const { otpauth, secret } = JSON.parse(start.stdoutText());
    expect(new URL(otpauth).searchParams.get('secret')).toBe(secret);
    expect(start.stderrText()).toContain('orgctl profile enable-2fa --verify <code>');
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: true });

    const wrong = ioFor(BOB.token);
    const err = (await enable2faRun(enable({ verify: wrongCode(secret) }), depsFor(wrong)).catch((e: unknown) => e)) as CliError;
    expect(err.message).toContain('wrong or has expired');
    expect(err.exitCode).toBe(ExitCode.Failure);
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: true });

    const file = join(mkdtempSync(join(tmpdir(), 'orgctl-profile-')), 'codes.txt');
    const done = ioFor(BOB.token);
    await enable2faRun(enable({ verify: totp(secret, clock.now()), saveRecoveryCodes: file, json: true }), depsFor(done));
    expect(JSON.parse(done.stdoutText())).toEqual({ mode: 'auth-and-writes', recoveryCodesFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^([A-Z2-7]{5}-[A-Z2-7]{5}\n){5}$/);
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-and-writes', pending: false });
  });

  it('starting again while pending resets the old enrolment and issues a fresh secret', async () => {
    const start = async () => {
      const io = testIO({ stdin: BOB.password, env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: BOB.token } });
      await enable2faRun(enable({ mode: 'auth-only', modeExplicit: true, passwordStdin: true }), depsFor(io));
      return /^secret: ([A-Z2-7]+)$/m.exec(io.stdoutText())![1]!;
    };
    const first = await start();
    const second = await start();
    expect(second).not.toBe(first);
    expect(await tfaOf(BOB.token)).toEqual({ mode: 'auth-only', pending: true });
    const err = (await enable2faRun(enable({ verify: totp(first, clock.now()) }), depsFor(ioFor(BOB.token))).catch((e: unknown) => e)) as CliError;
    expect(err.message).toContain('wrong or has expired'); // the old secret no longer counts
  });

  it('--save-recovery-codes refuses an existing file before anything is sent', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgctl-profile-')), 'codes.txt');
    writeFileSync(file, 'keep me\n');
    const io = ioFor(BOB.token);
    const err = await enable2faRun(enable({ verify: '123456', saveRecoveryCodes: file }), depsFor(io)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('--verify with nothing pending says how to start', async () => {
    const err = (await enable2faRun(enable({ verify: '123456' }), depsFor(ioFor(BOB.token))).catch((e: unknown) => e)) as CliError;
    expect(err.message).toContain('no two-factor enrolment is pending');
    expect(err.hint).toContain('--password-stdin');
  });

  it('parses flags and refuses contradictions as usage errors', () => {
    expect(parseEnable2faFlags(undefined, {}, '/w')).toMatchObject({ mode: 'auth-and-writes', modeExplicit: false });
    expect(parseEnable2faFlags('auth-only', { verify: '123 456', saveRecoveryCodes: 'c.txt' }, '/w')).toMatchObject({
      mode: 'auth-only',
      verify: '123456',
      saveRecoveryCodes: join('/w', 'c.txt'),
    });
    expect(() => parseEnable2faFlags(undefined, { verify: '12' }, '/w')).toThrow(UsageError);
    expect(() => parseEnable2faFlags(undefined, { verify: '123456', passwordStdin: true }, '/w')).toThrow(/two commands/);
    expect(() => parseEnable2faFlags(undefined, { passwordStdin: true, saveRecoveryCodes: 'c' }, '/w')).toThrow(/--verify/);
  });
});

describe('profile disable-2fa', () => {
  it('is refused (exit 1) while the user is in an org that requires 2FA, naming it and saying to leave first', async () => {
    const io = ioFor(DAVE.token);
    const err = (await disable2faRun({ passwordStdin: true, otp: totp(DAVE.secret, clock.now()), json: false }, { ...depsFor(io), readStdin: async () => DAVE.password }).catch(
      (e: unknown) => e,
    )) as CliError;
    expect(err.exitCode).toBe(ExitCode.Failure);
    expect(err.message).toContain('secure');
    expect(err.message).toMatch(/Leave it first/);
    expect(err.hint).toMatch(/owner of the org can also remove you/);
    expect(await tfaOf(DAVE.token)).toEqual({ mode: 'auth-only', pending: false });
  });

  it('on a TTY asks for the password and the OTP, then prints {"tfa": false}', async () => {
    const left = await call(srv.url, 'DELETE', '/-/org/secure/user', { token: DAVE.token, body: { user: 'dave' }, otp: totp(DAVE.secret, clock.now()) });
    expect(left.status).toBe(204);
    clock.nextStep();
    const io = ioFor(DAVE.token, tty);
    const prompter = fakePrompter().expect('password', DAVE.password).expect('otp', totp(DAVE.secret, clock.now()));
    await disable2faRun({ passwordStdin: false, json: true }, depsFor(io, prompter));
    prompter.assertDone();
    expect(JSON.parse(io.stdoutText())).toEqual({ tfa: false });
    expect(await tfaOf(DAVE.token)).toBeNull();
  });

  it('says 2FA is not enabled (exit 0) without asking anything', async () => {
    const io = ioFor(BOB.token, tty);
    await disable2faRun({ passwordStdin: false, json: false }, depsFor(io));
    expect(io.stderrText()).toBe('Two-factor authentication is not enabled.\n');
  });

  it('cancels an unfinished enrolment with the password only', async () => {
    await call(srv.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-only' } } });
    const io = ioFor(BOB.token);
    await disable2faRun({ passwordStdin: true, json: true }, { ...depsFor(io), readStdin: async () => `${BOB.password}\n` });
    expect(JSON.parse(io.stdoutText())).toEqual({ tfa: false });
    expect(await tfaOf(BOB.token)).toBeNull();
  });
});
