/**
 * The built CLI against a faulty registry (issue 9, item 6): a scripted server that stalls, cuts
 * the connection or answers 5xx/401. What the user sees is one error line plus a hint (no stack
 * trace), the exit code says what happened (1 server or network, 4 auth), and a POST is sent once
 * whatever happens (requests are counted server-side). test/unit/client/faults.test.ts covers the
 * client's side of each fault on both transports.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cutMidResponse, dropConnection, json, startScriptedServer, type Handler, type ScriptedServer } from '../helpers/scripted-server.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function cliAgainst(handler: Handler, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ r: CliResult; seen: string[] }> {
  server = await startScriptedServer(handler);
  const r = await runCli(args, { env: { ORGCTL_REGISTRY: server.url, ORGCTL_TOKEN: 'npm_faultTestToken', ...env } });
  return { r, seen: server.requests.map((q) => `${q.method} ${q.url}`) };
}

/** One `orgctl: …` line and its hint, nothing that looks like a stack trace, and the token nowhere. */
function expectCleanError(r: CliResult, line: RegExp, hint?: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(line);
  if (hint) expect(lines[1]).toMatch(hint);
  expect(r.stderr).not.toMatch(/^\s+at |Error:|unexpected error/m);
  expect(r.stdout + r.stderr).not.toContain('npm_faultTestToken');
}

const MEMBERS = '/-/orgctl/v1/orgs/acme/members';

describe('orgctl against a faulty registry', () => {
  it('`org ls` against a server that never answers: 3 attempts, a timeout message naming the limit, exit 1', async () => {
    const { r, seen } = await cliAgainst(() => {}, ['org', 'ls', 'acme'], { ORGCTL_TIMEOUT: '0.3' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expectCleanError(r, /^orgctl: the registry at 127\.0\.0\.1:\d+ did not answer within 0\.3 s \(ETIMEDOUT\)$/, /^Set ORGCTL_TIMEOUT \(seconds\) to wait longer\./);
    expect(seen).toEqual(Array(3).fill(`GET ${MEMBERS}`));
  });

  it('`org ls --json` piped passes the answer through, but refuses one that is not a JSON list (exit 1, nothing on stdout)', async () => {
    const ok = await cliAgainst((_req, res) => json(res, 200, [{ user: 'bob', role: 'developer', twoFactor: null, teams: [] }]), ['org', 'ls', 'acme', '--json']);
    expect(ok.r.code).toBe(0);
    expect(JSON.parse(ok.r.stdout)).toEqual([{ user: 'bob', role: 'developer', twoFactor: null, teams: [] }]);
    await server?.close();
    const { r } = await cliAgainst((_req, res) => json(res, 200, { bob: 'developer' }), ['org', 'ls', 'acme', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe("orgctl: the registry's answer to GET /-/orgctl/v1/orgs/acme/members is not a list of members: it is a JSON object, not a list");
  });

  it('`org invite` against a server that closes the connection mid-response: exactly one POST, exit 1, told to check', async () => {
    const { r, seen } = await cliAgainst((_req, res) => cutMidResponse(res), ['org', 'invite', 'acme', 'bob', '--role', 'admin']);
    expect(r.code).toBe(1);
    expectCleanError(r, /^orgctl: the connection to the registry at 127\.0\.0\.1:\d+ closed before the answer was complete \(ECONNRESET\)$/, /may have been made/);
    expect(seen).toEqual(['POST /-/orgctl/v1/orgs/acme/invitations']);
  });

  it('`org 2fa remind` against a server that drops the connection with no answer: exactly one POST, exit 1', async () => {
    const { r, seen } = await cliAgainst((_req, res) => dropConnection(res), ['org', '2fa', 'remind', 'acme']);
    expect(r.code).toBe(1);
    expectCleanError(r, /closed before the answer was complete/, /may have been made/);
    expect(seen).toEqual(['POST /-/orgctl/v1/orgs/acme/tfa/remind']);
  });

  it('`invites accept` answered 503 with Retry-After: exactly one POST, the server message, exit 1', async () => {
    const { r, seen } = await cliAgainst(
      (_req, res) => json(res, 503, { error: 'Service Unavailable', message: 'maintenance until noon' }, { 'retry-after': '0' }),
      ['invites', 'accept', 'acme'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^orgctl: .*maintenance until noon/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(seen).toEqual(['POST /-/orgctl/v1/invitations/acme/accept']);
  });

  it('`org ls` answered 503 with Retry-After: 0, then 200: retried, the roster printed, exit 0', async () => {
    const { r, seen } = await cliAgainst(
      (_req, res, i) =>
        i === 0
          ? json(res, 503, { error: 'busy' }, { 'retry-after': '0' })
          : json(res, 200, [{ user: 'alice', role: 'owner', twoFactor: true, teams: ['core'] }]),
      ['org', 'ls', 'acme'],
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/alice\s+owner\s+yes\s+core/);
    expect(seen).toEqual([`GET ${MEMBERS}`, `GET ${MEMBERS}`]);
  });

  it('`org ls` answered 500 every time: 3 attempts, the server message, exit 1', async () => {
    const { r, seen } = await cliAgainst((_req, res) => json(res, 500, { error: 'Internal Server Error', message: 'store unavailable' }, { 'retry-after': '0' }), [
      'org',
      'ls',
      'acme',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^orgctl: store unavailable \(GET .*: 500\)$/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(seen).toHaveLength(3);
  });

  it('`org ls` with a refused token: one request (401 is not retried), exit 4', async () => {
    const { r, seen } = await cliAgainst((_req, res) => json(res, 401, { error: 'Unauthorized', message: 'invalid token', code: 'E401' }), ['org', 'ls', 'acme']);
    expect(r.code).toBe(4);
    expectCleanError(r, /^orgctl: invalid token \(GET .*: 401\)$/, /orgctl login/);
    expect(seen).toEqual([`GET ${MEMBERS}`]);
  });
});
