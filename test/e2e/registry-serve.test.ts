import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { call } from '../helpers/http.js';
import { runServe, spawnServe } from '../helpers/serve.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';
import { useTempDirs } from '../helpers/reliability.js';

const tempDir = useTempDirs('orgctl-serve-');

describe('orgctl registry serve (built CLI)', () => {
  it('prints only the base URL on stdout, logs requests on stderr without secrets, stops cleanly on SIGTERM', async () => {
    const s = await spawnServe(['--port', '0', '--seed', BASIC]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await call(s.url, 'GET', '/-/whoami', { token: BOB.token })).body).toEqual({ username: 'bob' });
    const otp = totp(ALICE.secret, s.clock.now());
    await call(s.url, 'PUT', '/-/user/org.couchdb.user:alice', { otp, body: { name: 'alice', password: ALICE.password } });
    expect(await s.stop('SIGTERM')).toBe(0);
    expect(s.stdout()).toBe(`${s.url}\n`);
    const err = s.stderr();
    expect(err).toMatch(/^GET \/-\/whoami 200 \d+\.\dms$/m);
    expect(err).toMatch(/^PUT \/-\/user\/org\.couchdb\.user:alice 201 /m);
    expect(err).toMatch(/state in memory/);
    for (const secret of [BOB.token, ALICE.password, otp, ALICE.secret]) expect(err).not.toContain(secret);
    // access lines are written in batches: still whole lines, in the order things happened
    const at = (re: RegExp) => err.split('\n').findIndex((l) => re.test(l));
    const order = [/^orgctl registry listening/, /^GET \/-\/whoami 200/, /^PUT \/-\/user/, /^SIGTERM: stopping/, /^stopped$/].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('keeps state in --data across a restart (and SIGINT also exits 0)', async () => {
    const data = path.join(tempDir(), 'data');
    let s = await spawnServe(['--data', data, '--seed', BASIC]);
    const r = await call(s.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp: totp(ALICE.secret, s.clock.now()), body: { name: 'web' } });
    expect(r.status).toBe(201);
    expect(await s.stop('SIGINT')).toBe(0);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(data, 'state.json')).mode & 0o777).toBe(0o600);
    s = await spawnServe(['--data', data]);
    expect((await call(s.url, 'GET', '/-/org/acme/team?format=cli', { token: BOB.token })).body).toEqual(['acme:core', 'acme:developers', 'acme:web']);
    expect(await s.stop()).toBe(0);
  });

  it('an invalid seed exits 2 naming the bad entry, and starts nothing', async () => {
    const dir = tempDir();
    const seed = path.join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ users: [{ name: 'alice' }], orgs: [{ name: 'acme', members: { alice: 'owner', zed: 'developer' } }] }));
    const data = path.join(dir, 'data');
    const r = await runServe(['--seed', seed, '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/orgs\[0\] "acme": member "zed" is not a user in the seed/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(() => statSync(data)).toThrow();
  });

  it('a damaged store exits 2 with a clear message and is left as it was', async () => {
    const data = path.join(tempDir(), 'data');
    const s = await spawnServe(['--data', data, '--seed', BASIC]);
    expect(await s.stop()).toBe(0);
    writeFileSync(path.join(data, 'state.json'), '{"format":"orgctl-reg');
    const r = await runServe(['--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state\.json is not valid JSON .*refusing to start/);
  });

  it('--url-file: the URL is in the file (whole) when the server listens, and the file is gone after the stop', async () => {
    const file = path.join(tempDir(), 'reg.url');
    const s = await spawnServe(['--url-file', file]);
    expect(readFileSync(file, 'utf8')).toBe(`${s.url}\n`);
    expect(await s.stop('SIGTERM')).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('--url-file in a folder that does not exist: exit 2, and the registry does not stay up', async () => {
    const r = await runServe(['--url-file', path.join(tempDir(), 'missing', 'reg.url')]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^orgctl: cannot write --url-file .*reg\.url: ENOENT$/m);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    const r = await runServe(['--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be a number/);
  });
  it.each([
    ['an IP address (not a valid relying party ID)', 'http://10.0.0.5:4873', 'the public URL http://10.0.0.5:4873 has an IP address as its host; security keys need a name (e.g. localhost or registry.example.com)'],
    ['plain http to a name other than localhost', 'http://registry.example.com', 'the public URL http://registry.example.com must be https: (browsers allow security keys over http only on localhost)'],
    ['not a URL', 'registry', 'the public URL "registry" is not a URL'],
  ])('--public-url with %s exits 2 before anything starts', async (_what, url, message) => {
    const data = path.join(tempDir(), 'data');
    const r = await runServe(['--public-url', url, '--data', data]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => statSync(data)).toThrow();
  });

  it('security keys: bound to --public-url, or by default to the listen URL with host localhost (said at start)', async () => {
    const dflt = await spawnServe(['--seed', BASIC]);
    const port = new URL(dflt.url).port;
    await dflt.waitForStderr(/^security keys: .*$/m);
    expect(dflt.stderr()).toContain(`security keys: relying party localhost, pages at http://localhost:${port}/\n`);
    expect(await dflt.stop()).toBe(0);
    const pub = await spawnServe(['--seed', BASIC, '--public-url', 'https://registry.example.com/npm']);
    await pub.waitForStderr(/^security keys: .*$/m);
    expect(pub.stderr()).toContain('security keys: relying party registry.example.com, pages at https://registry.example.com/npm/\n');
    expect(await pub.stop()).toBe(0);
  });
});

describe('the test clock (ORGCTL_TEST_CLOCK_FILE, for tests only)', () => {
  it("the server's time is the file's, read on each call: a code of that time passes, one of the wall clock does not, and moving the file moves the server", async () => {
    const s = await spawnServe(['--seed', BASIC]); // on a file clock (helpers/serve.ts)
    expect(s.stderr()).toMatch(/^warning: ORGCTL_TEST_CLOCK_FILE is set: the registry's time is read from .* \(for tests only\)$/m);
    const team = (name: string, otp: string) => call(s.url, 'PUT', '/-/org/acme/team', { token: ALICE.token, otp, body: { name } });
    expect(Math.abs(Date.now() - s.clock.now())).toBeGreaterThan(60_000); // the two clocks are far apart
    expect((await team('wall', totp(ALICE.secret, Date.now()))).status).toBe(401);
    expect((await team('file', totp(ALICE.secret, s.clock.now()))).status).toBe(201);
    const before = s.clock.now();
    s.clock.advance(10 * 60_000);
    expect((await team('old', totp(ALICE.secret, before))).status).toBe(401);
    expect((await team('moved', totp(ALICE.secret, s.clock.now()))).status).toBe(201);
  });

  it.each([
    ['a missing file', null, /cannot read ORGCTL_TEST_CLOCK_FILE .*: ENOENT/],
    ['a file without a time in ms', 'soon', /ORGCTL_TEST_CLOCK_FILE .* does not hold a time in milliseconds/],
  ])('%s is a usage error (exit 2) and nothing starts', async (_label, content, message) => {
    const file = path.join(tempDir(), 'now');
    if (content !== null) writeFileSync(file, content);
    const r = await runServe(['--seed', BASIC], { ORGCTL_TEST_CLOCK_FILE: file });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
