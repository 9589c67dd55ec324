/**
 * Finding "`org ls --json` piped passes the registry's bytes through after checking only `[`/`]`:
 * escape codes and invalid JSON reached stdout with exit 0". The built CLI, stdout piped, against
 * a scripted registry: the reference registry's compact roster still goes through byte for byte;
 * any other valid roster is re-serialized (control characters as \u escapes); anything invalid is
 * one error line plus a hint, exit 1, and nothing on stdout.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { RAW_CONTROL } from '../helpers/hostile-text.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `orgctl org ls acme --json` against a registry that answers the roster with `body` (200, JSON). */
async function lsJson(body: string): Promise<CliResult> {
  server = await startScriptedServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  return runCli(['org', 'ls', 'acme', '--json'], { env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_rosterTestToken' } });
}

const WHERE = 'GET /-/orgctl/v1/orgs/acme/members';
const HINT = 'Check that the registry URL points at a registry with the orgctl API (docs/registry-api.md); nothing was printed.';

describe('org ls --json (piped) validates the roster before writing it', () => {
  it('the compact roster of the reference registry is written byte for byte', async () => {
    const body = JSON.stringify([
      { user: 'alice', role: 'owner', twoFactor: true, teams: ['core'] },
      { user: 'bob', role: 'developer', twoFactor: null, teams: [] },
    ]);
    const r = await lsJson(body);
    expect(r).toEqual({ code: 0, stdout: `${body}\n`, stderr: '' });
  });

  it.each([
    ['invalid JSON between the brackets', '[{"user":"bob"}, not json]', 'it is not valid JSON'],
    ['a raw OSC 52 escape code', '["\x1b]52;c;ZXZpbA==\x07"]', 'it is not valid JSON'],
    ['a list of numbers', '[1,2,3]', 'item 1 is not an object'],
    ['a list closed twice', '[{"user":"bob","role":"developer","twoFactor":null,"teams":[]}]]', 'it is not valid JSON'],
    ['members without teams', '[{"user":"bob","role":"developer","twoFactor":null}]', 'item 1: "teams" must be a list of strings'],
  ])('%s: exit 1, one error line and the hint, nothing on stdout', async (_what, body, why) => {
    const r = await lsJson(body);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `orgctl: the registry's answer to ${WHERE} is not a list of members: ${why}\n${HINT}\n` });
  });

  it('a valid roster in another form is re-serialized: same data, compact, control characters as \\u escapes', async () => {
    const members = [
      { twoFactor: false, teams: ['web'], role: 'admin', user: 'x\u202e\x9by', since: '2026-01-01' },
      { user: 'bob', role: 'developer', twoFactor: null, teams: [] },
    ];
    const r = await lsJson(JSON.stringify(members, null, 2));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(RAW_CONTROL.test(r.stdout)).toBe(false);
    expect(r.stdout).toContain(String.raw`x\u202e\u009by`);
    expect(r.stdout.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(r.stdout)).toEqual(members);
  });
});
