/**
 * `profile enable-2fa` for a user whose only second factor is a security key: it adds an
 * authenticator app beside the key (run functions in-process against the reference registry).
 */
import { describe, expect, it } from '@jest/globals';
import { registryPerTest } from '../../helpers/registry.js';
import { call } from '../../helpers/http.js';
import { totp } from '../../helpers/clock.js';
import { BOB, KEY_ONLY, makeKeyOnly } from '../../helpers/fixtures.js';
import { testIO, type TestIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { createDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { profileGetRun } from '../../../src/commands/profile/get.js';
import { enable2faRun, MAX_CODE_TRIES, type Enable2faOptions } from '../../../src/commands/profile/enable-2fa.js';
import { CliError, ExitCode } from '../../../src/errors.js';
import type { Prompter } from '../../../src/ui/prompter.js';

const srv = registryPerTest();
const { clock } = srv;
const tty = { stdinTTY: true, stdoutTTY: true };
const [R0, R1] = KEY_ONLY.recovery;

function ioFor(opts: Parameters<typeof testIO>[0] = {}): TestIO {
  return testIO({ ...opts, env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: BOB.token } });
}
function depsFor(io: TestIO, prompter: Prompter = fakePrompter()) {
  return createDeps(io, { prompter, tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }) });
}
const tfaOf = async () => (await call(srv.url, 'GET', '/-/npm/v1/user', { token: BOB.token })).body.tfa;
const enable = (o: Partial<Enable2faOptions> = {}): Enable2faOptions => ({ mode: 'auth-and-writes', modeExplicit: false, passwordStdin: false, json: false, ...o });
const shownSecret = (io: TestIO) => /^Secret: ([A-Z2-7]+)$/m.exec(io.stderrText())![1]!;

/** The password, then one code per prompt: right (from the secret shown) or a wrong one. */
function codePrompter(io: TestIO, answers: ('right' | 'wrong')[]) {
  return {
    ...fakePrompter().expect('password', BOB.password),
    input: async () => {
      const right = totp(shownSecret(io), clock.now());
      return answers.shift() === 'right' ? right : right === '000000' ? '111111' : '000000';
    },
  };
}

describe('profile enable-2fa for a key-only user', () => {
  it('interactive: adds an authenticator app beside the key (second factor from --otp), no new recovery codes', async () => {
    await makeKeyOnly(srv.reg.registry.core, 'bob');
    const io = ioFor(tty);
    const prompter = codePrompter(io, ['right']);
    await enable2faRun(enable({ otp: R0 }), depsFor(io, prompter));
    prompter.assertDone();
    const err = io.stderrText();
    expect(err).toContain('Adding an authenticator app beside your security keys for bob (auth-and-writes).');
    expect(err).toMatch(/^Secret: [A-Z2-7]+$/m);
    expect(err).toContain('Added an authenticator app: your security keys and the app both work now (auth-and-writes). Your existing recovery codes still work; no new ones were issued.');
    expect(err).not.toContain('already enabled');
    expect(io.stdoutText()).toBe('');
    expect(await tfaOf()).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['totp', 'webauthn'] });
  });

  it('scripted: --password-stdin --otp starts it (2FA stays on, app pending), --verify finishes it; --json shapes', async () => {
    await makeKeyOnly(srv.reg.registry.core, 'bob');
    const start = ioFor({ stdin: `${BOB.password}\n` });
    await enable2faRun(enable({ passwordStdin: true, otp: R0, json: true }), depsFor(start));
    const { otpauth, secret } = JSON.parse(start.stdoutText());
    expect(new URL(otpauth).searchParams.get('secret')).toBe(secret);
    expect(start.stderrText()).toContain('An authenticator app is pending for bob; your security keys keep working.');
    expect(await tfaOf()).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['webauthn'], totpPending: true });
    const get = ioFor();
    await profileGetRun({ json: false }, depsFor(get));
    expect(get.stdoutText()).toContain('two-factor auth: auth-and-writes (authenticator app pending beside your security keys)\n');

    const done = ioFor();
    await enable2faRun(enable({ verify: totp(secret, clock.now()), json: true }), depsFor(done));
    expect(JSON.parse(done.stdoutText())).toEqual({ mode: 'auth-and-writes', tfaMethods: ['totp', 'webauthn'], recoveryCodes: [] });
    expect(await tfaOf()).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['totp', 'webauthn'] });
  });

  it('an explicit other mode is a mode change, as before', async () => {
    await makeKeyOnly(srv.reg.registry.core, 'bob');
    const io = ioFor({ stdin: `${BOB.password}\n` });
    await enable2faRun(enable({ mode: 'auth-only', modeExplicit: true, passwordStdin: true, otp: R0, json: true }), depsFor(io));
    expect(JSON.parse(io.stdoutText())).toEqual({ mode: 'auth-only', changed: true });
    expect(await tfaOf()).toEqual({ mode: 'auth-only', pending: false, methods: ['webauthn'] });
  });

  it(`${MAX_CODE_TRIES} wrong codes: exit 1, 2FA stays on with the key (nothing reset), the recovery codes still work`, async () => {
    await makeKeyOnly(srv.reg.registry.core, 'bob');
    const io = ioFor(tty);
    const err = (await enable2faRun(enable({ otp: R0 }), depsFor(io, codePrompter(io, ['wrong', 'wrong', 'wrong']))).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.exitCode).toBe(ExitCode.Failure);
    expect(io.stderrText()).toContain('The authenticator app was not added; your security keys and recovery codes are unchanged.');
    expect(await tfaOf()).toEqual({ mode: 'auth-and-writes', pending: false, methods: ['webauthn'], totpPending: true });
    expect(srv.reg.registry.core.user('bob')!.keys).toHaveLength(1);
    expect((await call(srv.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { fullname: 'Bob' }, otp: R1 })).status).toBe(200);
  });
});
