/**
 * Hostile input to every endpoint (issue 9, item 3): a seeded fuzzer builds thousands of requests
 * from the server's own route table (src/server/http/routes.ts) with malformed JSON, wrong types,
 * huge bodies, odd names (unicode, `..`, `%2f`, NUL, over-long), bad methods and missing or wrong
 * credentials, sends them raw over a socket, and checks that every answer is below 500, that each
 * hostile request gets a 4xx JSON error `{error, message, code}`, that a name nameProblem refuses
 * is refused with 400, and that the server keeps serving. ORGCTL_STRESS=1 runs 10x more cases.
 */
import { describe, expect, it } from '@jest/globals';
import { matchingRoutes, pathSegments, routes } from '../../src/server/http/routes.js';
import { nameProblem, type NameKind } from '../../src/shared/names.js';
import { registryPerFile } from '../helpers/registry.js';
import { call, rawRequest, type RawRequest, type RawResponse } from '../helpers/http.js';
import { ALICE, BOB, DAVE, ERIN } from '../helpers/fixtures.js';
import { SEED, rng, size, type Rng } from '../helpers/reliability.js';

const CASES = size(2000, 20_000);
const LANES = 4;

const srv = registryPerFile();

/** Which name rules a route parameter follows (the others carry tokens, keys and ids). */
const NAME_PARAMS: Record<string, NameKind> = { org: 'org', team: 'team', user: 'user', couch: 'user' };
const COUCH = 'org.couchdb.user:';

const VALID: Record<string, string[]> = {
  org: ['acme', 'secure', 'no-such-org'],
  team: ['core', 'developers', 'no-such-team'],
  user: ['bob', 'carol', 'zed'],
  couch: [`${COUCH}bob`, `${COUCH}alice`, `${COUCH}fuzz-new`],
  token: [ERIN.token, 'npm_NotAToken000000000000000000000000'],
  key: ['0'.repeat(128), 'npm_NotAToken000000000000000000000000'],
  id: ['0123456789abcdef0123456789abcdef'],
};

/** Hostile path segments, as sent on the wire (already percent-encoded where that is the point). */
const ODD_SEGMENTS = [
  '..', '.', '%2e%2e', '%2E', 'a%2fb', '%2f', '%2F..%2F', '%00', 'a%00b', 'b%C3%B3b', '%E6%97%A5%E6%9C%AC', '%F0%9F%92%A9',
  'ACME', 'Bob', '-x', '_x', '.x', 'a%20b', '%20', '%40acme', '@acme', 'acme:core', 'a'.repeat(215), 't'.repeat(101), 'x'.repeat(5000),
  '%', '%zz', '%E0%A4%A', '%C0%AF', 'a;b', "a'b", '%3Cscript%3E', 'a..b', 'a%0Ab', 'a%0D%0Ab', '%7F', '%FF',
  `${COUCH}`, `${COUCH}..`, `${COUCH}A`, `${COUCH}%00`, `org.couchdb.user%3Abob`, 'npm_' + 'A'.repeat(36),
];

const ODD_VALUES: unknown[] = [
  42, -1, 1e308, 0.5, null, true, false, [], {}, '', ' ', 'x', 'x'.repeat(3000), '\u0000', 'bób', '..', 'a/b', '@', ['a', 1], { old: 1 },
  { name: 'bob' }, 'owner', 'super-admin', 'god', [[[[[]]]]], '__proto__', { __proto__: { admin: true } }, '2026-13-45', 'NaN',
];
const FIELDS = [
  'user', 'role', 'name', 'description', 'password', 'email', 'tfa', 'required', 'maxRemovals', 'invitations', 'reinstateAll', 'create',
  'readonly', 'cidr_whitelist', 'expires', 'orgs', 'orgs_permission', 'packages_and_scopes_permission', 'fullname', 'teams', 'reinstate',
];

/** Refused on every route (400 EBADAUTH): the header itself is malformed. */
const MALFORMED_AUTH = [
  'Bearer', 'Bearer ', 'Basic', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':empty-user').toString('base64')}`,
  'Digest username="bob"', 'Token abc', 'bearer',
];
/** Well-formed but wrong: refused (401) wherever the route needs a user. */
const WRONG_AUTH = [
  'Bearer npm_NotAValidToken0000000000000000000', `Bearer ${'x'.repeat(4000)}`, 'Basic !!!!', `Basic ${Buffer.from('bob:wrong-password').toString('base64')}`,
  `Basic ${Buffer.from('nosuchuser:pw').toString('base64')}`, '\tBearer x',
];
const BAD_AUTH = [...MALFORMED_AUTH, ...WRONG_AUTH];

/**
 * What each route does with a request, read from its handler in routes.ts rather than listed
 * again here: whether it reads the body, and whether it needs an authenticated user.
 */
const routeUses = (route: (typeof routes)[number]) => {
  const src = route.handler.toString();
  return { body: /\.(body|text)\(\)/.test(src), user: /\.actor\(\)/.test(src) };
};
const GOOD_AUTH = [`Bearer ${BOB.token}`, `Bearer ${ALICE.token}`, `Bearer ${DAVE.token}`];
const BAD_METHODS = ['PATCH', 'OPTIONS', 'TRACE', 'FOO', 'get', 'PROPFIND', 'M-SEARCH'];

interface Case {
  req: RawRequest;
  /** a short description for failure messages */
  label: string;
  /** something in it must be refused: the answer has to be a 4xx */
  hostile: boolean;
  /** a name parameter that nameProblem refuses, on a request that otherwise passes authentication */
  badName: boolean;
  /** the path's percent-encoding is bad: 400 EBADURL before anything else */
  badUrl: boolean;
  /** the route answers HTML (the web login page, the security-key pages) */
  html: boolean;
}

function oddBody(r: Rng): { body?: string | Buffer; bad: boolean; headers?: Record<string, string>; filler?: number } {
  switch (r.int(40)) {
    case 0:
      return { bad: false };
    case 1:
      return { body: '{"user":', bad: true };
    case 2:
      return { body: r.pick(['[]', '"bob"', 'null', '123', 'true', '[{"user":"bob"}]']), bad: true };
    case 3:
      return { body: Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d]), bad: true };
    case 4:
      return { body: `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, bad: false };
    case 5:
      return { body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', bad: false };
    case 6:
      // over 1 MiB declared (and streamed until the server answers)
      return { bad: true, headers: { 'content-length': String(2 * 1024 * 1024) }, filler: 2 * 1024 * 1024 };
    case 7:
      // chunked, one 2 MiB chunk streamed until the server answers
      return { body: `${(2 * 1024 * 1024).toString(16)}\r\n`, bad: true, headers: { 'transfer-encoding': 'chunked' }, filler: 2 * 1024 * 1024 };
    case 8:
      return { body: 'x'.repeat(r.int(2000)), bad: true };
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0, n = 1 + r.int(4); i < n; i++) o[r.pick(FIELDS)] = r.chance(0.5) ? r.pick(ODD_VALUES) : r.pick([...VALID.user!, ...VALID.org!]);
      return { body: JSON.stringify(o), bad: false };
    }
  }
}

function makeCase(r: Rng, n: number): Case {
  // 1 in 12: not a route at all
  if (r.int(12) === 0) {
    const path = r.pick(['/', '/-/', '/../../etc/passwd', '/-/org', '*', 'http://evil.example/-/ping', `/${'a'.repeat(9000)}`, '/%', '/-/org/acme/user/extra', '/-/v1/login/web', `/-/${r.pick(ODD_SEGMENTS)}`]);
    return { req: { method: r.pick(['GET', 'POST', 'DELETE', 'FOO']), path, headers: r.chance(0.5) ? { authorization: r.pick(BAD_AUTH) } : {} }, label: `no route ${path.slice(0, 80)}`, hostile: true, badName: false, badUrl: false, html: false };
  }
  const route = r.pick(routes);
  const segs = route.path.map((seg) => {
    if (!seg.startsWith(':')) return seg;
    return r.chance(0.35) ? r.pick(ODD_SEGMENTS) : r.pick(VALID[seg.slice(1)] ?? ['x']);
  });
  let path = '/' + segs.join('/');
  if (r.chance(0.1)) path += r.pick(['?page=-1', '?perPage=abc', '?limit=0', '?since=garbage', '?user=%00', '?page=99999999999', '?format=cli', '?limit=100001']);
  const method = r.chance(0.15) ? r.pick([...BAD_METHODS, 'GET', 'PUT', 'POST', 'DELETE']) : route.method;
  // What the request is expected to meet is read from the route the server's own matcher picks
  // for this method and path, not from the route the path was built from: a switched method can
  // land on a sibling route (GET and PUT /-/org/:org/user) that reads no body, or on none at all.
  const decoded = pathSegments(path);
  const target = decoded && [...matchingRoutes(decoded)].find((m) => m.route.method === method);
  const badUrl = decoded === null; // bad percent-encoding: 400 EBADURL
  const badMethod = !badUrl && !target; // 405 (another method matches) or 404
  let badName = false;
  let hostilePath = false;
  for (const [name, value] of Object.entries(target?.params ?? {})) {
    const kind = NAME_PARAMS[name];
    if (!kind) continue;
    // the couch segment needs its prefix (else 404); what follows it is a user name
    if (name === 'couch' && !value.startsWith(COUCH)) hostilePath = true;
    else if (nameProblem(kind, name === 'couch' ? value.slice(COUCH.length) : value) !== null) badName = true;
  }
  const uses = target ? routeUses(target.route) : { body: false, user: false };
  const headers: Record<string, string> = {};
  let badAuth = false;
  const a = r.int(10);
  if (a < 3) {
    headers.authorization = r.pick(BAD_AUTH);
    badAuth = MALFORMED_AUTH.includes(headers.authorization) || uses.user;
  } else if (a < 8) headers.authorization = r.pick(GOOD_AUTH);
  let badOtp = false;
  if (r.chance(0.2)) {
    const otp = r.pick(['123456', ' 1 2 3 4 5 6 ', 'x'.repeat(200), 'f'.repeat(64), '\u00e9\u00e9', '000000']);
    headers['npm-otp'] = otp;
    badOtp = otp.length > 128;
  }
  const b = oddBody(r);
  Object.assign(headers, b.headers ?? {});
  if (b.body !== undefined && !headers['content-length'] && !headers['transfer-encoding']) headers['content-length'] = String(Buffer.byteLength(b.body));
  if (b.body !== undefined) headers['content-type'] = 'application/json';
  // a body the route does not read is not hostile in itself (docs §2.3: it is never read)
  const readsBody = uses.body && !badMethod;
  const hugeBody = b.filler !== undefined && readsBody;
  const hostile = badName || badUrl || hostilePath || badMethod || badAuth || badOtp || hugeBody || (b.bad && readsBody) || method === 'FOO' || method === 'get';
  return {
    req: { method, path, headers, body: b.body, fillerBytes: b.filler },
    label: `#${n} ${method} ${path.slice(0, 100)} auth=${(headers.authorization ?? '-').slice(0, 30)} otp=${(headers['npm-otp'] ?? '-').slice(0, 10)} body=${String(b.body ?? (b.filler ? `<${b.filler} bytes>` : '-')).slice(0, 60)}`,
    hostile,
    badName: badName && !badAuth && !badMethod && !hugeBody && !badOtp && headers.authorization !== undefined && !(b.bad && readsBody),
    badUrl,
    html: !!target && (target.route.path.includes('web') || (target.route.path[2] === 'webauthn' && target.route.path[3] !== 'static')),
  };
}

function problems(c: Case, res: RawResponse): string[] {
  const out: string[] = [];
  if (res.status === 0) out.push('no HTTP answer');
  if (res.status >= 500) out.push(`status ${res.status}`);
  if (c.hostile && !(res.status >= 400 && res.status < 500)) out.push(`hostile request answered ${res.status}`);
  if (c.badName && res.status !== 400) out.push(`a name nameProblem refuses answered ${res.status}, not 400`);
  if (c.badUrl && res.status !== 400) out.push(`a bad percent-encoding answered ${res.status}, not 400`);
  if (res.status >= 400 && res.status < 500 && c.req.method !== 'HEAD' && !(c.html && res.headers['content-type']?.startsWith('text/html'))) {
    let body: any;
    try {
      body = JSON.parse(res.text);
    } catch {
      body = null;
    }
    if (res.headers['content-type'] !== 'application/json') out.push(`content-type ${res.headers['content-type']}`);
    if (!body || typeof body.error !== 'string' || body.message !== body.error || !/^E[A-Z_]+$/.test(String(body.code))) out.push(`not a JSON error: ${res.text.slice(0, 120)}`);
  }
  return out;
}

describe(`fuzzing every route (${routes.length} routes, ${CASES} cases, seed ${SEED})`, () => {
  it('answers every case below 500, hostile ones with a 4xx JSON error, bad names with 400, and keeps serving', async () => {
    const r = rng(SEED);
    const cases = Array.from({ length: CASES }, (_, i) => makeCase(r, i));
    // every route is exercised, hostile and not
    // the handler reading above found routes of each kind
    expect(routes.filter((x) => routeUses(x).body).length).toBeGreaterThan(5);
    expect(routes.filter((x) => !routeUses(x).user).length).toBeGreaterThan(2);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const lane = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const res = await rawRequest(srv.url, c.req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        for (const p of problems(c, res)) failures.push(`${c.label}: ${p}`);
        if (next % 500 === 0) {
          const ping = await call(srv.url, 'GET', '/-/ping');
          if (ping.status !== 200) failures.push(`after case ${next}: ping answered ${ping.status}`);
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    expect(failures.slice(0, 30)).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // the mix really was hostile: most answers are 4xx, and at least one of each kind appeared
    for (const s of [400, 401, 403, 404, 405, 413]) expect(statuses.get(s) ?? 0).toBeGreaterThan(0);
    // the server logged no 5xx and no server bug, and still serves
    expect(srv.reg.logs.filter((l) => / 5\d\d \d/.test(l) || l.startsWith('error:'))).toEqual([]);
    expect((await call(srv.url, 'GET', '/-/ping')).status).toBe(200);
    expect((await call(srv.url, 'GET', '/-/whoami', { token: BOB.token })).status).toBe(200);
  }, size(60_000, 900_000));

  it('refuses every kind of name nameProblem refuses, in path and body, on each route that takes one', async () => {
    const bad = ['..', 'a..b', 'A', '-a', '/', 'a/b', '\u0000', 'bób', '日本', 'a b', '@', 'a:b', 'x'.repeat(215)];
    for (const name of bad) expect(nameProblem('user', name)).not.toBeNull();
    const failures: string[] = [];
    for (const route of routes) {
      const params = route.path.filter((s) => s.startsWith(':') && NAME_PARAMS[s.slice(1)]);
      for (const p of params) {
        for (const name of bad) {
          const segs = route.path.map((s) => (s === p ? encodeURIComponent(p === ':couch' ? `${COUCH}${name}` : name) : s.startsWith(':') ? VALID[s.slice(1)]![0]! : s));
          // a body that is valid everywhere, so only the path name can be refused
          const body = JSON.stringify({ user: 'bob', name: 'web', required: false });
          const res = await rawRequest(srv.url, { method: route.method, path: '/' + segs.join('/'), headers: { authorization: `Bearer ${ALICE.token}`, 'content-type': 'application/json', 'content-length': String(body.length) }, body });
          if (res.status !== 400) failures.push(`${route.method} /${segs.join('/').slice(0, 80)}: ${res.status} ${res.text.slice(0, 100)}`);
        }
      }
      // body names: the user field of membership and team routes
      if (route.method !== 'GET' && /\/(user)$/.test(route.path.join('/'))) {
        for (const name of bad) {
          const segs = route.path.map((s) => (s.startsWith(':') ? (s === ':couch' ? `${COUCH}bob` : VALID[s.slice(1)]![0]!) : s));
          const body = JSON.stringify({ user: name, name });
          const res = await rawRequest(srv.url, { method: route.method, path: '/' + segs.join('/'), headers: { authorization: `Bearer ${ALICE.token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
          if (res.status !== 400) failures.push(`${route.method} /${segs.join('/')} body user ${JSON.stringify(name).slice(0, 30)}: ${res.status} ${res.text.slice(0, 100)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
