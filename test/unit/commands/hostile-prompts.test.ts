/**
 * Security finding "the CLI prints registry data raw to the terminal", the parts only a terminal
 * reaches (test/e2e/hostile-registry.test.ts spawns the CLI without one): the OTP prompt quotes
 * the registry's message, and the interactive 2FA enrolment shows the secret and the otpauth URI.
 * In-process, with a TTY IO, a fake prompter and a scripted hostile registry.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { json, startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { testIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { withOtp } from '../../../src/client/otp.js';
import { OtpRequiredError } from '../../../src/client/errors.js';
import { createDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { enable2faRun } from '../../../src/commands/profile/enable-2fa.js';
import { HOSTILE as H, HOSTILE_SHOWN as SHOWN, RAW_CONTROL as RAW } from '../../helpers/hostile-text.js';


let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('prompts and TTY-only output show registry strings escaped', () => {
  it('the OTP prompt quotes the registry message with its control characters visible', async () => {
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const prompter = fakePrompter().expect('otp', '123456');
    let calls = 0;
    const result = await withOtp(
      async (otp) => {
        if (calls++ === 0) throw new OtpRequiredError({ status: 401, method: 'PUT', url: 'http://127.0.0.1/-/org/acme/user', body: { error: H }, headers: { 'www-authenticate': 'OTP' } });
        return otp;
      },
      { io, prompter },
    );
    expect(result).toBe('123456');
    expect(prompter.asked).toEqual([{ kind: 'otp', message: `${SHOWN}\nEnter OTP (or a recovery code):` }]);
  });

  it('interactive `profile enable-2fa` shows the name, secret, URI and recovery codes escaped', async () => {
    server = await startScriptedServer((req, res) => {
      if (req.method === 'GET') return json(res, 200, { name: H, tfa: null });
      const tfa = (JSON.parse(req.body) as { tfa: unknown }).tfa;
      if (Array.isArray(tfa)) return json(res, 200, { tfa: [H] });
      return json(res, 200, { tfa: `otpauth://totp/orgctl:${H}?secret=JBSWY3DP${encodeURIComponent(H)}&issuer=${H}` });
    });
    const io = testIO({ stdinTTY: true, stdoutTTY: true, env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_hostilePromptToken' } });
    const prompter = fakePrompter().expect('password', 'pw').expect('input', 'u').expect('input', '123456');
    const deps = createDeps(io, { prompter, tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }) });
    await enable2faRun({ mode: 'auth-and-writes', modeExplicit: false, passwordStdin: false, json: false }, deps);
    prompter.assertDone();
    const err = io.stderrText();
    expect(RAW.test(err)).toBe(false);
    expect(RAW.test(io.stdoutText())).toBe(false);
    expect(err).toContain(`Enabling two-factor authentication (auth-and-writes) for ${SHOWN}.`);
    expect(err).toContain(`Secret: JBSWY3DP${SHOWN}\n`);
    expect(err).toMatch(/otpauth URI: otpauth:\/\/totp\/orgctl:x\\x1b\]52;c;/);
    expect(io.stdoutText()).toBe(`${SHOWN}\n`);
  });
});
