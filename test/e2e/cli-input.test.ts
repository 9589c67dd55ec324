/**
 * Bad command-line input (issue 9, item 7): bad org, user and team names (the rules of
 * src/shared/names.ts), bad roles and values, unknown flags, missing and extra arguments, for every
 * command that takes them. Each must exit 2 with one clear line on stderr (plus at most one hint
 * line), nothing on stdout, no stack trace, and no request to the registry: a scripted registry
 * is configured (with a token) and must see nothing.
 *
 * The full table runs in-process through main() (fast, and argv can hold a NUL there, which a
 * spawned process cannot receive); a sample of it runs against the built CLI as well.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../helpers/main.js';
import { runCli } from '../helpers/run-cli.js';
import { json, startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

let server: ScriptedServer;
let root: string;
beforeAll(async () => {
  // Any request is a failure of the test; the answer makes it visible in the exit code too.
  server = await startScriptedServer((_req, res) => json(res, 500, { error: 'no request was expected' }));
  root = mkdtempSync(join(tmpdir(), 'orgctl-input-'));
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const env = () => ({
  HOME: root,
  ORGCTL_CONFIG_DIR: join(root, 'config'),
  npm_config_userconfig: join(root, 'npmrc'),
  ORGCTL_REGISTRY: server.url,
  ORGCTL_TOKEN: 'npm_inputTestToken',
  NO_COLOR: '1',
  CI: '1',
});

/** The whole CLI in-process (helpers/main.ts), stdin an empty pipe. */
async function runInProcess(args: string[]): Promise<Outcome> {
  const before = server.requests.length;
  const r = await runMain(args, { env: env(), cwd: root });
  return { ...r, requests: server.requests.slice(before) };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the registry received during this run. */
  requests: unknown[];
}

// --- The table ---------------------------------------------------------------------------------

type Row = [args: string[], expected: RegExp];

const LONG = (n: number) => 'a'.repeat(n);

/** Bad names and the message each must give; `K` stands for the kind (org, user, team). */
const BAD_NAMES: [name: string, expected: string][] = [
  ['ACME', 'invalid K name "ACME": use lowercase'],
  ['a..b', `invalid K name "a..b": '..' is not allowed`],
  ['..', 'invalid K name "..": use lowercase'],
  ['ac/me', 'invalid K name "ac/me"'],
  ['ac%2fme', 'invalid K name "ac%2fme"'],
  ['ac\0me', 'invalid K name "ac\\u0000me"'],
  ['ac\nme', 'invalid K name "ac\\nme"'],
  ['açme', 'invalid K name "açme"'],
  ['ac me', 'invalid K name "ac me"'],
];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const expectName = (kind: string, template: string) => new RegExp(`^orgctl: ${escape(template.replace('K', kind))}`);

/** Every command taking an org, as args around the org name. */
const ORG_COMMANDS: ((org: string) => string[])[] = [
  (o) => ['org', 'ls', o],
  (o) => ['org', 'set', o, 'bob', 'admin'],
  (o) => ['org', 'rm', o, 'bob', '--yes'],
  (o) => ['org', '2fa', 'status', o],
  (o) => ['org', '2fa', 'enforce', o, '--yes'],
  (o) => ['org', '2fa', 'disable', o, '--yes'],
  (o) => ['org', '2fa', 'remind', o],
  (o) => ['org', 'audit', o],
  (o) => ['org', 'invite', o, 'bob'],
  (o) => ['org', 'invites', 'ls', o],
  (o) => ['org', 'invites', 'revoke', o, 'bob'],
  (o) => ['invites', 'accept', o],
  (o) => ['invites', 'decline', o],
  (o) => ['team', 'create', `${o}:devs`],
  (o) => ['team', 'destroy', `${o}:devs`, '--yes'],
  (o) => ['team', 'add', `${o}:devs`, 'bob'],
  (o) => ['team', 'rm', `${o}:devs`, 'bob'],
  (o) => ['team', 'ls', o],
];
const USER_COMMANDS: ((user: string) => string[])[] = [
  (u) => ['org', 'ls', 'acme', u],
  (u) => ['org', 'set', 'acme', u],
  (u) => ['org', 'rm', 'acme', u, '--yes'],
  (u) => ['org', 'invite', 'acme', 'bob', u],
  (u) => ['org', 'invites', 'revoke', 'acme', u],
  (u) => ['team', 'add', 'acme:devs', u],
  (u) => ['team', 'rm', 'acme:devs', u],
];
const TEAM_COMMANDS: ((team: string) => string[])[] = [
  (t) => ['team', 'create', `acme:${t}`],
  (t) => ['team', 'destroy', `acme:${t}`, '--yes'],
  (t) => ['team', 'add', `acme:${t}`, 'bob'],
  (t) => ['team', 'rm', `acme:${t}`, 'bob'],
  (t) => ['team', 'ls', `acme:${t}`],
  (t) => ['org', 'invite', 'acme', 'bob', '--team', t],
];

const NAME_ROWS: Row[] = [
  ...ORG_COMMANDS.flatMap((cmd): Row[] => [
    ...BAD_NAMES.map(([name, msg]): Row => [cmd(name), expectName('org', msg)]),
    [cmd(LONG(215)), /^orgctl: org name is longer than 214 characters$/],
    [cmd('@@acme'), expectName('org', 'invalid K name "@acme"')],
    // A leading '-' makes it an option to commander: still exit 2 with one line.
    [cmd('-acme'), /^orgctl: unknown option '-acme/],
  ]),
  ...USER_COMMANDS.flatMap((cmd): Row[] => [
    ...BAD_NAMES.filter(([name]) => !name.includes('\n')).map(([name, msg]): Row => [cmd(name), expectName('user', msg)]),
    [cmd(LONG(215)), /^orgctl: user name is longer than 214 characters$/],
  ]),
  ...TEAM_COMMANDS.flatMap((cmd): Row[] => [
    // A newline in a team spec is covered below (it must not break the one-line message).
    ...BAD_NAMES.filter(([name]) => !name.includes('\n') && !name.includes('/')).map(([name, msg]): Row => [cmd(name), expectName('team', msg)]),
    [cmd(LONG(101)), /^orgctl: team name is longer than 100 characters$/],
  ]),
  [['team', 'create', 'acme:de/vs'], /^orgctl: invalid team name "de\/vs"/],
  [['team', 'create', 'acme:'], /^orgctl: team name is required$/],
  [['team', 'create', 'acme'], /^orgctl: expected @org:team, got "acme"$/],
  [['team', 'add', 'acme', 'bob'], /^orgctl: expected @org:team, got "acme"$/],
  [['team', 'create', 'acme:de\nvs'], /^orgctl: invalid team name "de\\nvs"/],
  [['team', 'create', 'ac\nme'], /^orgctl: expected @org:team, got "ac\\nme"$/],
  [['team', 'ls', 'ac\nme'], /^orgctl: invalid org name "ac\\nme"/],
  [['org', 'ls', ''], /^orgctl: org name is required$/],
];

const ROLE_AND_VALUE_ROWS: Row[] = [
  [['org', 'set', 'acme', 'bob', 'superuser'], /^orgctl: Third argument `role` must be one of `owner`, `admin`, or `developer`/],
  [['org', 'set', 'acme', 'bob', 'Admin'], /^orgctl: Third argument `role` must be one of/],
  [['org', 'set', 'acme', 'bob', ''], /^orgctl: Third argument `role` must be one of/],
  [['org', 'invite', 'acme', 'bob', '--role', 'boss'], /^orgctl: invalid --role "boss": use developer, admin or owner\.$/],
  [['org', 'invite', 'acme', 'bob', '--role', 'OWNER'], /^orgctl: invalid --role "OWNER"/],
  [['org', 'invite', 'acme', 'bob', '--reinstate', '--role', 'admin'], /^orgctl: --reinstate takes the role and teams from the removal record/],
  [['org', 'invite', 'acme'], /^orgctl: name at least one user, use --from-file <file>, or --reinstate/],
  [['profile', 'enable-2fa', 'sometimes'], /^orgctl: command-argument value 'sometimes' is invalid for argument 'mode'\. Allowed choices are auth-only, auth-and-writes\.$/],
  [['profile', 'enable-2fa', '--verify', '12345'], /^orgctl: invalid --verify code: use the 6-digit code from your authenticator\.$/],
  [['org', 'audit', 'acme', '--limit', 'ten'], /^orgctl: --limit must be a whole number of 1 or more, got "ten"$/],
  [['org', 'audit', 'acme', '--limit', '0'], /^orgctl: --limit must be a whole number of 1 or more, got "0"$/],
  [['org', 'audit', 'acme', '--since', 'yesterday'], /^orgctl: --since must be a date or time/],
  [['org', '2fa', 'enforce', 'acme', '--max-removals', '-1'], /^orgctl: --max-removals must be a whole number of 0 or more, got "-1"$/],
  [['org', 'ls', 'acme', '--otp', '12'], /^orgctl: invalid --otp value/],
  [['org', 'ls', 'acme', '--registry', 'ftp://registry.example.com/'], /\(from --registry\)/],
];

/** Every command with an unknown flag, then with its arguments missing (or one too many). */
const COMMANDS_WITH_ARGS: [args: string[], missing: string][] = [
  [['org', 'ls', 'acme'], 'org'],
  [['org', 'set', 'acme', 'bob'], 'org'],
  [['org', 'rm', 'acme', 'bob'], 'org'],
  [['org', '2fa', 'status', 'acme'], 'org'],
  [['org', '2fa', 'enforce', 'acme'], 'org'],
  [['org', '2fa', 'disable', 'acme'], 'org'],
  [['org', '2fa', 'remind', 'acme'], 'org'],
  [['org', 'audit', 'acme'], 'org'],
  [['org', 'invite', 'acme', 'bob'], 'org'],
  [['org', 'invites', 'ls', 'acme'], 'org'],
  [['org', 'invites', 'revoke', 'acme', 'bob'], 'org'],
  [['invites', 'accept', 'acme'], 'org'],
  [['invites', 'decline', 'acme'], 'org'],
  [['team', 'create', 'acme:devs'], '@org:team'],
  [['team', 'destroy', 'acme:devs'], '@org:team'],
  [['team', 'add', 'acme:devs', 'bob'], '@org:team'],
  [['team', 'rm', 'acme:devs', 'bob'], '@org:team'],
  [['team', 'ls', 'acme'], '@org[:team]'],
];
/** How many leading words name the command (`org 2fa status` is three). */
const commandWords = (args: string[]) => (args[1] === '2fa' || args[1] === 'invites' ? 3 : 2);

const FLAG_AND_ARITY_ROWS: Row[] = [
  ...COMMANDS_WITH_ARGS.map(([args]): Row => [[...args, '--frobnicate'], /^orgctl: unknown option '--frobnicate'$/]),
  ...COMMANDS_WITH_ARGS.map(([args, missing]): Row => [args.slice(0, commandWords(args)), new RegExp(`^orgctl: missing required argument '${escape(missing)}'$`)]),
  [['org', 'set', 'acme'], /^orgctl: missing required argument 'user'$/],
  [['org', 'rm', 'acme'], /^orgctl: missing required argument 'user'$/],
  [['org', 'invites', 'revoke', 'acme'], /^orgctl: missing required argument 'user'$/],
  [['team', 'add', 'acme:devs'], /^orgctl: missing required argument 'user'$/],
  [['org', 'ls', 'acme', 'bob', 'carol'], /^orgctl: too many arguments for 'ls'\. Expected 2 arguments but got 3\.$/],
  [['invites', 'accept', 'acme', 'beta'], /^orgctl: too many arguments for 'accept'/],
  [['invites', 'ls', '--frobnicate'], /^orgctl: unknown option '--frobnicate'$/],
  [['profile', 'enable-2fa', '--frobnicate'], /^orgctl: unknown option '--frobnicate'$/],
  [['org', 'audit', 'acme', '--limit'], /^orgctl: option '--limit <n>' argument missing$/],
  [['org', 'frobnicate'], /^orgctl: unknown command 'frobnicate'$/],
];

/**
 * The contract: exit 2, nothing on stdout, the expected first line on stderr, at most one hint
 * line after it, no stack trace, the token never echoed, and no request at the registry.
 */
function expectUsageError(r: Outcome, expected: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect({ code: r.code, stdout: r.stdout, first: lines[0] }).toEqual({ code: 2, stdout: '', first: expect.stringMatching(expected) });
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(r.stderr).not.toMatch(/^\s+at |unexpected error|ORGCTL_DEBUG/m);
  expect(r.stderr).not.toContain('npm_inputTestToken');
  expect(r.requests).toEqual([]);
}

const label = (args: string[]) => JSON.stringify(args.map((a) => (a.length > 20 ? `${a.slice(0, 8)}…(${a.length})` : a)));

describe('bad command-line input: exit 2, one clear line, no request (in-process)', () => {
  describe.each([
    ['names', NAME_ROWS],
    ['roles and values', ROLE_AND_VALUE_ROWS],
    ['flags and arguments', FLAG_AND_ARITY_ROWS],
  ] as const)('%s', (_group, rows) => {
    it.each(rows.map(([args, expected]) => [label(args), args, expected] as const))('orgctl %s', async (_l, args, expected) => {
      expectUsageError(await runInProcess(args), expected);
    });
  });

  it('the table covers every command named in the issue', () => {
    const all = [...NAME_ROWS, ...ROLE_AND_VALUE_ROWS, ...FLAG_AND_ARITY_ROWS].map(([args]) => args.slice(0, commandWords(args)).join(' '));
    for (const cmd of [
      'org ls', 'org set', 'org rm', 'org 2fa status', 'org 2fa enforce', 'org 2fa disable', 'org 2fa remind', 'org audit', 'org invite',
      'org invites ls', 'org invites revoke', 'invites accept', 'invites decline', 'team create', 'team destroy', 'team add', 'team rm',
      'team ls', 'profile enable-2fa',
    ]) {
      expect(all).toContain(cmd);
    }
  });
});

/** A sample of the table against the built CLI (a real process: argv, exit code, stderr). */
const SPAWNED: Row[] = [
  [['org', 'ls', 'ACME'], /^orgctl: invalid org name "ACME": use lowercase/],
  [['org', 'set', 'acme', 'bob', 'superuser'], /^orgctl: Third argument `role` must be one of/],
  [['org', 'rm', 'acme', 'b..ob', '--yes'], /^orgctl: invalid user name "b\.\.ob": '\.\.' is not allowed$/],
  [['org', 'invite', 'acme', 'bob', '--role', 'boss'], /^orgctl: invalid --role "boss"/],
  [['org', '2fa', 'enforce', 'ac%2fme', '--yes'], /^orgctl: invalid org name "ac%2fme"/],
  [['team', 'create', 'acme:dévs'], /^orgctl: invalid team name "dévs"/],
  [['invites', 'accept'], /^orgctl: missing required argument 'org'$/],
  [['org', 'audit', 'acme', '--frobnicate'], /^orgctl: unknown option '--frobnicate'$/],
  [['profile', 'enable-2fa', 'sometimes'], /^orgctl: command-argument value 'sometimes' is invalid for argument 'mode'/],
  [['team', 'ls', LONG(215)], /^orgctl: org name is longer than 214 characters$/],
];

describe('bad command-line input: the built CLI', () => {
  it.each(SPAWNED.map(([args, expected]) => [label(args), args, expected] as const))('orgctl %s', async (_l, args, expected) => {
    const before = server.requests.length;
    const r = await runCli(args, { env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_inputTestToken' } });
    expectUsageError({ ...r, requests: server.requests.slice(before) }, expected);
  });
});
