/**
 * Issue 18a, CLI conventions, with the built CLI against the reference registry: the global
 * flags (--registry, --json, --otp, --no-color) are taken anywhere on the command line, as npm
 * and gh take theirs; commander's usage errors have orgctl's one error style; `orgctl help
 * <command path>`, `orgctl help environment`, `orgctl completion bash|zsh|fish`; ORGCTL_TIMEOUT
 * is checked.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { registryPerFile } from '../helpers/registry.js';
import { ALICE, ROOT } from '../helpers/fixtures.js';
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

describe('help, completion and the environment', () => {
  it('`orgctl help <command path>` prints that command\'s help, at any depth', async () => {
    for (const path of [['org', '2fa', 'enforce'], ['org', 'list'], ['registry', 'serve'], ['whoami']]) {
      const viaHelp = await runCli(['help', ...path]);
      const viaFlag = await runCli([...path, '--help']);
      expect(viaHelp).toEqual({ code: 0, stdout: viaFlag.stdout, stderr: '' });
      expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: orgctl ${path.join(' ').replace('list', 'ls\\|list')} `));
    }
  });

  it('`orgctl help` of a path that names no command: exit 2, the deepest known help named', async () => {
    expect(await runCli(['help', 'org', '2fa', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'orgctl: unknown command \'org 2fa nope\'\nRun "orgctl help org 2fa" for the commands.\n',
    });
  });

  it('`orgctl help environment` lists every ORGCTL_* variable the source reads', async () => {
    const r = await runCli(['help', 'environment']);
    expect(r.code).toBe(0);
    const used = new Set<string>();
    for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      for (const m of readFileSync(join(ROOT, 'src', file), 'utf8').matchAll(/\bORGCTL_[A-Z_]+\b/g)) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('`orgctl completion bash` loads in bash and completes commands, subcommands and flags', async () => {
    const script = await runCli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-completion-'));
    try {
      const file = join(dir, 'orgctl.bash');
      writeFileSync(file, script.stdout);
      const complete = (words: string[]) =>
        execFileSync('bash', ['-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _orgctl; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', file, ...words], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean);
      expect(execFileSync('bash', ['-c', 'source "$1"; complete -p orgctl', 'bash', file], { encoding: 'utf8' })).toBe('complete -o default -F _orgctl orgctl\n');
      expect(complete(['orgctl', 'o'])).toEqual(['org']);
      expect(complete(['orgctl', 'org', '2fa', 'e'])).toEqual(['enforce']);
      expect(complete(['orgctl', '--registry', 'https://r.example/', 'org', '--json', '2fa', ''])).toEqual(['status', 'enforce', 'cancel', 'disable', 'remind']);
      expect(complete(['orgctl', 'org', '2fa', 'enforce', 'acme', '--dr'])).toEqual(['--dry-run']);
      expect(complete(['orgctl', 'whoami', '--js'])).toEqual(['--json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The script for `shell` in a temp file, given to `fn`; removed after. */
  async function withScript(shell: string, fn: (file: string) => void): Promise<void> {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-completion-'));
    try {
      writeFileSync(join(dir, 'script'), r.stdout);
      fn(join(dir, 'script'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

  (has('zsh') ? it : it.skip)('`orgctl completion zsh` loads in zsh (compdef) and completes the same way', async () => {
    await withScript('zsh', (file) => {
      // compadd exists only inside a completion widget: a function stands in for it and prints the candidates
      const complete = (words: string[]) =>
        execFileSync('zsh', ['-f', '-c', 'source "$1"; shift; compadd() { shift; print -l -- "$@"; }; words=("$@"); CURRENT=$#; _orgctl', 'zsh', file, ...words], {
          encoding: 'utf8',
          env: { ...process.env, HOME: dirname(file) },
        })
          .split('\n')
          .filter(Boolean);
      const env = { ...process.env, HOME: dirname(file) };
      expect(execFileSync('zsh', ['-f', '-c', 'source "$1"; print -r -- $_comps[orgctl]', 'zsh', file], { encoding: 'utf8', env })).toBe('_orgctl\n');
      expect(complete(['orgctl', '--registry', 'https://r.example/', 'org', '--json', '2fa', ''])).toEqual(['status', 'enforce', 'cancel', 'disable', 'remind']);
      expect(complete(['orgctl', 'whoami', '--js'])).toContain('--json');
    });
  });

  (has('fish') ? it : it.skip)('`orgctl completion fish` loads in fish and completes the same way', async () => {
    await withScript('fish', (file) => {
      const complete = (line: string) => execFileSync('fish', ['-c', 'source $argv[1]; complete -C $argv[2]', file, line], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
      expect(complete('orgctl org 2fa e')).toEqual(['enforce']);
      expect(complete('orgctl --registry https://r.example/ org --json 2fa ')).toEqual(['cancel', 'disable', 'enforce', 'remind', 'status']);
      expect(complete('orgctl whoami --js')).toEqual(['--json']);
    });
  });

  it('`orgctl completion` of another shell is a usage error', async () => {
    const bad = await runCli(['completion', 'ksh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^orgctl: command-argument value 'ksh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\.\n/);
  });

  it('ORGCTL_TIMEOUT that is not a number of seconds is refused before anything is sent (exit 2)', async () => {
    for (const value of ['abc', '0', '-5', '10s']) {
      const r = await runCli(['whoami'], { env: { ORGCTL_TIMEOUT: value, ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } });
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `orgctl: ORGCTL_TIMEOUT must be a number of seconds above 0 and at most 86400, got ${JSON.stringify(value)}\nUnset it for the default of 30 seconds.\n`,
      });
    }
    expect(await runCli(['whoami'], { env: { ORGCTL_TIMEOUT: '2.5', ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } })).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
  });
});

describe('a reader that left (`orgctl … | head`)', () => {
  it.each([[['--help']], [['help', 'environment']], [['org', 'ls', 'acme']]])('`orgctl %j` stops quietly: no stack trace, exit 0', async (args) => {
    const r = await runCli(args, { readerGone: true, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
