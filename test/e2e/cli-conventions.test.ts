/**
 * Issue 18a, CLI conventions, with the built CLI against the reference registry: the global
 * flags (--registry, --json, --otp, --no-color) are taken anywhere on the command line, as npm
 * and gh take theirs, and commander's usage errors have orgctl's one error style.
 */
import { describe, expect, it } from '@jest/globals';
import { registryPerFile } from '../helpers/registry.js';
import { ALICE } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

const ctx = registryPerFile();
const asAlice = { env: { ORGCTL_TOKEN: ALICE.token } };

describe('global flags anywhere', () => {
  it('--registry and --json before, between and after the subcommands give the same answer', async () => {
    const after = await runCli(['org', 'ls', 'acme', '--json', '--registry', ctx.url], asAlice);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ user: 'alice', role: 'owner' })]));
    for (const args of [
      ['--registry', ctx.url, 'org', 'ls', 'acme', '--json'],
      ['--json', '--registry', ctx.url, 'org', 'ls', 'acme'],
      ['org', '--registry', ctx.url, 'ls', 'acme', '--json'],
      ['org', '--json', 'ls', `--registry=${ctx.url}`, 'acme'],
      ['--no-color', 'org', 'list', '--json', 'acme', '--registry', ctx.url],
    ]) {
      expect({ args, ...(await runCli(args, asAlice)) }).toEqual({ args, code: 0, stdout: after.stdout, stderr: '' });
    }
  });

  it('--otp before the subcommand reaches the command (its value is checked there)', async () => {
    const r = await runCli(['--otp', 'not-a-code!', 'org', '2fa', 'status', 'acme', '--registry', ctx.url], asAlice);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'orgctl: invalid --otp value: use the code from your authenticator or a recovery code.\n' });
  });

  it('a global flag the command does not take is refused wherever it is typed (exit 2)', async () => {
    for (const args of [['--otp', '123456', 'whoami'], ['whoami', '--otp', '123456']]) {
      const r = await runCli(args, { env: { ORGCTL_TOKEN: ALICE.token, ORGCTL_REGISTRY: ctx.url } });
      expect(r).toEqual({ code: 2, stdout: '', stderr: 'orgctl: whoami does not take --otp\nRun "orgctl whoami --help" for its options.\n' });
    }
  });

  it('a flag typed twice: the one typed last wins', async () => {
    const r = await runCli(['--registry', 'http://127.0.0.1:9/', 'whoami', '--registry', ctx.url], asAlice);
    expect(r).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
  });
});

describe('one error style', () => {
  it.each([
    [['org', 'ls', 'acme', '--jsn'], "orgctl: unknown option '--jsn'\nDid you mean --json? Run \"orgctl org ls --help\" for usage.\n"],
    [['orgg'], "orgctl: unknown command 'orgg'\nDid you mean org? Run \"orgctl --help\" for usage.\n"],
    [['org', 'ls'], "orgctl: missing required argument 'org'\nRun \"orgctl org ls --help\" for usage.\n"],
    [['whoami', 'extra'], "orgctl: too many arguments for 'whoami'. Expected 0 arguments but got 1.\nRun \"orgctl whoami --help\" for usage.\n"],
    [['org', 'ls', 'acme', '--registry'], "orgctl: option '--registry <url>' argument missing\nRun \"orgctl --help\" for usage.\n"],
  ])('commander\'s usage error %j: "orgctl: …", one hint line, exit 2', async (args, stderr) => {
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr });
  });
});
