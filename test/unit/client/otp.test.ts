import { describe, expect, it } from '@jest/globals';
import { withOtp } from '../../../src/client/otp.js';
import { HttpError, OtpRequiredError } from '../../../src/client/errors.js';
import { AuthError, ExitCode } from '../../../src/errors.js';
import { testIO } from '../../helpers/test-io.js';

const challenge = () =>
  new OtpRequiredError({ status: 401, method: 'PUT', url: 'http://127.0.0.1/-/x', body: { message: 'OTP required', code: 'EOTP' } });

function prompter(answers: string[]) {
  const asked: string[] = [];
  return {
    asked,
    otp: async (message?: string) => {
      asked.push(message ?? '');
      const a = answers.shift();
      if (a === undefined) throw new Error('unexpected OTP prompt');
      return a;
    },
  };
}

describe('withOtp (otplease)', () => {
  it('sends --otp from the first call and does not prompt when it is accepted', async () => {
    const calls: (string | undefined)[] = [];
    const p = prompter([]);
    const r = await withOtp(async (otp) => (calls.push(otp), 'ok'), { otp: '111111', io: testIO(), prompter: p });
    expect(r).toBe('ok');
    expect(calls).toEqual(['111111']);
    expect(p.asked).toEqual([]);
  });

  it('without a TTY, an OTP challenge exits 4 with a hint to pass --otp', async () => {
    const p = prompter([]);
    const err = (await withOtp(async () => Promise.reject(challenge()), { io: testIO(), prompter: p }).catch((e: unknown) => e)) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.exitCode).toBe(ExitCode.Auth);
    expect(err.hint).toContain('--otp <code>');
    expect(p.asked).toEqual([]);
  });

  it('with a TTY, prompts once and retries the whole operation with the code', async () => {
    const calls: (string | undefined)[] = [];
    const p = prompter(['654321']);
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const r = await withOtp(
      async (otp) => {
        calls.push(otp);
        if (!otp) throw challenge();
        return `done with ${otp}`;
      },
      { io, prompter: p },
    );
    expect(r).toBe('done with 654321');
    expect(calls).toEqual([undefined, '654321']);
    expect(p.asked).toHaveLength(1);
    expect(p.asked[0]).toContain('OTP required');
  });

  it('a refused --otp on a TTY says so, prompts once, and a second refusal is final (exit 4)', async () => {
    const calls: (string | undefined)[] = [];
    const p = prompter(['222222']);
    const io = testIO({ stdinTTY: true, stdoutTTY: true });
    const err = (await withOtp(async (otp) => (calls.push(otp), Promise.reject(challenge())), { otp: '111111', io, prompter: p }).catch(
      (e: unknown) => e,
    )) as AuthError;
    expect(calls).toEqual(['111111', '222222']);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused');
    expect(io.stderrText()).toContain('not accepted');
  });

  it('passes other errors through untouched', async () => {
    const notFound = new HttpError({ status: 404, method: 'GET', url: 'http://127.0.0.1/x', body: { error: 'nope' } });
    await expect(withOtp(async () => Promise.reject(notFound), { io: testIO(), prompter: prompter([]) })).rejects.toBe(notFound);
  });
});
