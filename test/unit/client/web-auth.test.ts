/**
 * The CLI's side of a security-key challenge (src/client/web-auth.ts, through withOtp): the
 * authUrl is printed (made visible), the doneUrl polled on the client's clock (Retry-After), the
 * code sent as the OTP; a doneUrl that never finishes gives up after ten minutes of clock time;
 * without a terminal, exit 4 as for any OTP challenge.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '../../../src/client/client.js';
import { OtpRequiredError } from '../../../src/client/errors.js';
import { withOtp } from '../../../src/client/otp.js';
import { WEB_AUTH_TIMEOUT_MS } from '../../../src/client/web-auth.js';
import { AuthError, CliError } from '../../../src/errors.js';
import { testClock } from '../../helpers/clock.js';
import { HOSTILE, RAW_CONTROL } from '../../helpers/hostile-text.js';
import { json, startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { testIO } from '../../helpers/test-io.js';

let server: ScriptedServer | undefined;
let client: RegistryClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

const noPrompt = { otp: async () => Promise.reject(new Error('unexpected OTP prompt')) };
const challenge = (authUrl: string, doneUrl: string) =>
  new OtpRequiredError({ status: 401, method: 'PUT', url: 'http://127.0.0.1/-/x', body: { error: 'This operation requires your security key', code: 'EOTP', authUrl, doneUrl } });

describe('withOtp and a security-key challenge (authUrl, doneUrl)', () => {
  it('on a TTY: prints the authUrl, polls the doneUrl as Retry-After says, and repeats the operation with the code', async () => {
    server = await startScriptedServer((_req, res, i) => (i < 2 ? json(res, 202, {}, { 'retry-after': '2' }) : json(res, 200, { token: 'wa_code' })));
    const clock = testClock();
    client = new RegistryClient({ registry: server.url, clock });
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const calls: (string | undefined)[] = [];
    const r = await withOtp(
      async (otp) => {
        calls.push(otp);
        if (!otp) throw challenge(`${server!.url}-/orgctl/webauthn/verify/abc`, `${server!.url}-/orgctl/v1/webauthn/done/def`);
        return 'done';
      },
      { io, prompter: noPrompt, webAuth: { client, io } },
    );
    expect(r).toBe('done');
    expect(calls).toEqual([undefined, 'wa_code']);
    expect(server.requests.map((q) => q.url)).toEqual(Array(3).fill('/-/orgctl/v1/webauthn/done/def'));
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(io.stderrText()).toContain(`Authenticate your account at:\n${server.url}-/orgctl/webauthn/verify/abc\n`);
  });

  it('an authUrl with escape sequences is printed made visible', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, { token: 'wa_code' }));
    client = new RegistryClient({ registry: server.url, clock: testClock() });
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    await withOtp(async (otp) => {
      if (!otp) throw challenge(`${server!.url}${HOSTILE}`, `${server!.url}done`);
      return 'ok';
    }, { io, prompter: noPrompt, webAuth: { client, io } });
    expect(io.stderrText()).not.toMatch(RAW_CONTROL);
  });

  it('a doneUrl that never finishes: gives up after ten minutes of clock time (exit 1, hint: a recovery code with --otp)', async () => {
    server = await startScriptedServer((_req, res) => json(res, 202, {}, { 'retry-after': '30' }));
    const clock = testClock();
    client = new RegistryClient({ registry: server.url, clock });
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const err = (await withOtp(async () => Promise.reject(challenge(`${server!.url}a`, `${server!.url}done`)), { io, prompter: noPrompt, webAuth: { client, io } }).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toBe('timed out waiting for the browser.');
    expect(err.hint).toContain('--otp');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(WEB_AUTH_TIMEOUT_MS);
  });

  it('without a TTY: exit 4 with the --otp hint, nothing polled', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, { token: 'wa_code' }));
    client = new RegistryClient({ registry: server.url, clock: testClock() });
    const io = testIO();
    const err = await withOtp(async () => Promise.reject(challenge(`${server!.url}a`, `${server!.url}done`)), { io, prompter: noPrompt, webAuth: { client, io } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(server.requests).toHaveLength(0);
  });
});
