import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ipInCidrs, isValidCidr } from '../../src/server/core/cidr.js';
import { openRegistry, type OpenRegistry } from '../../src/server/index.js';
import { loadSeed } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { BASIC, BOB } from '../helpers/fixtures.js';

describe('isValidCidr: IPv4 ranges only, as npm', () => {
  it.each(['10.0.0.0/8', '192.168.1.0/24', '127.0.0.1', '0.0.0.0/0', '10.1.2.3/32', '10.0.0.1/8'])('%s is valid', (c) => {
    expect(isValidCidr(c)).toBe(true);
  });
  it.each([['::1/128'], ['::ffff:10.0.0.0/104'], ['10.0.0.0/33'], ['10.0.0.0/'], ['10.0.0.0/-1'], ['10.0.0.0/8/1'], ['10.0.0/8'], ['256.0.0.0/8'], ['10.0.0.0/ 8'], [''], [42], [null]])('%p is not', (c) => {
    expect(isValidCidr(c)).toBe(false);
  });
});

describe('ipInCidrs', () => {
  it('matches IPv4 addresses by prefix', () => {
    expect(ipInCidrs('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipInCidrs('192.168.1.77', ['10.0.0.0/8', '192.168.1.0/24'])).toBe(true);
    expect(ipInCidrs('192.168.2.77', ['192.168.1.0/24'])).toBe(false);
    expect(ipInCidrs('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(ipInCidrs('127.0.0.2', ['127.0.0.1'])).toBe(false);
    expect(ipInCidrs('8.8.8.8', ['0.0.0.0/0'])).toBe(true);
    expect(ipInCidrs('10.0.0.1', [])).toBe(false);
  });

  it('a range written with host bits set still means the whole prefix (10.0.0.1/8 = 10.0.0.0/8)', () => {
    expect(ipInCidrs('10.200.0.1', ['10.0.0.1/8'])).toBe(true);
  });

  it('an IPv4-mapped IPv6 client address matches the IPv4 range, in any spelling', () => {
    expect(ipInCidrs('::ffff:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::FFFF:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::ffff:a00:1', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('0:0:0:0:0:ffff:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::ffff:11.0.0.1', ['10.0.0.0/8'])).toBe(false);
  });

  it('plain IPv6 and garbage never match an IPv4 range', () => {
    expect(ipInCidrs('::1', ['0.0.0.0/0'])).toBe(false);
    expect(ipInCidrs('fe80::1', ['0.0.0.0/0'])).toBe(false);
    expect(ipInCidrs('', ['0.0.0.0/0'])).toBe(false);
    expect(ipInCidrs('not an address', ['0.0.0.0/0'])).toBe(false);
  });
});

describe('cidr_whitelist over HTTP, with the server on an IPv6 socket (clients seen as ::ffff:127.0.0.x)', () => {
  let reg: OpenRegistry;
  let url: string;
  /** GET /-/whoami with `token`, connecting from `localAddress` (all of 127/8 is loopback). */
  const whoamiFrom = async (localAddress: string, token: string) => {
    const r = await call(url, 'GET', '/-/whoami', { token, from: localAddress });
    return { status: r.status, body: r.body, challenge: r.headers.get('www-authenticate') };
  };

  beforeAll(async () => {
    reg = await openRegistry({ seed: loadSeed(BASIC) });
    const listening = await reg.http.listen(0, '::ffff:127.0.0.1');
    expect(listening).toMatch(/^http:\/\/\[::ffff:127\.0\.0\.1\]:\d+\/$/);
    url = `http://127.0.0.1:${new URL(listening).port}/`;
  });
  afterAll(() => reg.close());

  it('a token limited to 127.0.0.2/32 works from 127.0.0.2 and gets EAUTHIP from 127.0.0.1', async () => {
    const t = await call(url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, cidr_whitelist: ['127.0.0.2/32'] } });
    expect(t.status).toBe(201);
    expect(await whoamiFrom('127.0.0.2', t.body.token)).toEqual({ status: 200, body: { username: 'bob' }, challenge: null });
    const away = await whoamiFrom('127.0.0.1', t.body.token);
    expect([away.status, away.body.code, away.challenge]).toEqual([401, 'EAUTHIP', 'ipaddress']);
  });

  it('a token limited to 127.0.0.0/8 works from any loopback address', async () => {
    const t = await call(url, 'POST', '/-/npm/v1/tokens', { token: BOB.token, body: { password: BOB.password, cidr_whitelist: ['127.0.0.0/8'] } });
    expect((await whoamiFrom('127.0.0.3', t.body.token)).status).toBe(200);
    expect((await whoamiFrom('127.0.0.1', t.body.token)).status).toBe(200);
  });
});
