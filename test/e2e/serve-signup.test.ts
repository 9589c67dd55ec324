// `orgctl registry serve --signup open|closed|invite`: the flag's validation, the refusal to
// start on a non-loopback address without a choice, and the policy a spawned server applies.
import { describe, expect, it, jest } from '@jest/globals';
import { runServe, spawnServe } from '../helpers/serve.js';
import { call } from '../helpers/http.js';
import { BASIC, BOB } from '../helpers/fixtures.js';
import { isLoopbackHost, signupPolicy } from '../../src/commands/registry/serve.js';
import { UsageError } from '../../src/errors.js';

jest.setTimeout(60_000);

describe('registry serve --signup', () => {
  it('a bad value is exit 2 with the choices', async () => {
    const r = await runServe(['--signup', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--signup must be open, closed or invite, got "maybe"');
    expect(r.stdout).toBe('');
  });

  it('a non-loopback --host without --signup refuses to start (exit 2) and says how to choose', async () => {
    const r = await runServe(['--host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--host 0.0.0.0 is not a loopback address: choose who may create an account with --signup');
    expect(r.stderr).toContain('--signup closed (accounts only from operators)');
    expect(r.stdout).toBe('');
  });

  it('the default on a loopback address is open, and says so', async () => {
    const s = await spawnServe(['--seed', BASIC]);
    await s.waitForStderr(/; sign-up open\n/);
    expect((await call(s.url, 'PUT', '/-/user/org.couchdb.user:grace', { body: { name: 'grace', password: 'grace-password' } })).status).toBe(201);
    await s.stop();
  });

  it('closed: the server says so, refuses a sign-up with 403 and still logs existing users in', async () => {
    const s = await spawnServe(['--seed', BASIC, '--signup', 'closed']);
    await s.waitForStderr(/; seeded from fixtures\/registry\/basic\.json; sign-up closed\n/);
    const r = await call(s.url, 'PUT', '/-/user/org.couchdb.user:grace', { body: { name: 'grace', password: 'grace-password' } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ESIGNUPCLOSED');
    expect((await call(s.url, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: BOB.password } })).status).toBe(201);
    await s.stop();
  });

  it('which hosts are loopback, and the policy each gets without the flag', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1']) expect([h, isLoopbackHost(h)]).toEqual([h, false]);
    expect(signupPolicy(undefined, '127.0.0.1')).toBe('open');
    expect(signupPolicy('invite', '0.0.0.0')).toBe('invite');
    expect(() => signupPolicy(undefined, '::')).toThrow(UsageError);
  });
});
