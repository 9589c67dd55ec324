/**
 * Issue 18a item 8: an error and its hint do not repeat each other, and the hint for a refused
 * token (401) names where that token came from: ORGCTL_TOKEN, the .npmrc file and key, or the
 * store of `orgctl login`. The built CLI against the reference registry, no terminal.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, DAVE } from '../helpers/fixtures.js';
import { isolatedDirs, runCli } from '../helpers/run-cli.js';

const ctx = registryPerTest();
const REFUSED = `orgctl: Invalid or revoked token. Log in again. (GET /-/whoami: 401)\n`;

describe('the 401 hint names the token\'s source', () => {
  it('ORGCTL_TOKEN', async () => {
    const r = await runCli(['whoami'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: 'npm_notAValidToken0000' } });
    expect(r).toEqual({ code: 4, stdout: '', stderr: `${REFUSED}The token in ORGCTL_TOKEN was refused: set a valid one, or unset it to use your \`orgctl login\`.\n` });
  });

  it('an .npmrc token: the file and its key', async () => {
    const dirs = isolatedDirs();
    const key = `//${new URL(ctx.url).host}/:_authToken`;
    writeFileSync(dirs.userNpmrc, `${key}=npm_notAValidToken0000\n`);
    const r = await runCli(['whoami'], { dirs, env: { ORGCTL_REGISTRY: ctx.url } });
    expect(r).toEqual({ code: 4, stdout: '', stderr: `${REFUSED}The token from ${dirs.userNpmrc} (${key}) was refused: run \`npm login --registry ${ctx.url}\` or \`orgctl login\`.\n` });
  });

  it('the token `orgctl login` stored', async () => {
    const dirs = isolatedDirs();
    const env = { ORGCTL_REGISTRY: ctx.url };
    expect((await runCli(['login', '--username', 'bob', '--password-stdin'], { dirs, env, input: BOB.password })).code).toBe(0);
    const stored = JSON.parse(readFileSync(join(dirs.configDir, 'credentials.json'), 'utf8'))[ctx.url].token as string;
    expect((await call(ctx.url, 'DELETE', `/-/user/token/${stored}`, { token: stored })).status).toBe(200);
    const r = await runCli(['whoami'], { dirs, env });
    expect(r).toEqual({ code: 4, stdout: '', stderr: `${REFUSED}The token \`orgctl login\` stored for ${ctx.url} was refused: run \`orgctl login\` again.\n` });
  });
});

describe('error and hint say different things', () => {
  it('an OTP that is needed and cannot be asked for: the registry\'s words once, then only what they do not say', async () => {
    const r = await runCli(['org', 'create', 'newco'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } });
    expect(r).toEqual({
      code: 4,
      stdout: '',
      stderr: 'orgctl: This operation requires a one-time password from your authenticator app. Pass it with --otp.\nA recovery code works in place of the code.\n',
    });
  });

  it('disable-2fa refused while in an org that requires 2FA: said once, the hint adds the other way out', async () => {
    const r = await runCli(['profile', 'disable-2fa', '--password-stdin', '--otp', totp(DAVE.secret, ctx.clock.now())], {
      env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: DAVE.token },
      input: DAVE.password,
    });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'orgctl: You cannot disable two-factor authentication while you belong to an org that requires it: secure. Leave it first.\nAn owner of the org can also remove you; then run this again.\n',
    });
  });
});

describe('a refused --otp', () => {
  it('the registry\'s reason once; the hint does not tell to pass --otp again', async () => {
    const r = await runCli(['org', 'create', 'newco', '--otp', '000000'], { env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } });
    expect(r.code).toBe(4);
    const [message, hint, ...more] = r.stderr.split('\n');
    expect(message).toMatch(/^orgctl: the one-time password was refused: /);
    expect(hint).toBe('Use the current code from your authenticator, or an unused recovery code.');
    expect(more).toEqual(['']);
  });
});
