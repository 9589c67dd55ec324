import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SeedError, validateSeed } from '../../src/server/core/seed.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC, BOB } from '../helpers/fixtures.js';
import { publishBody, pkgPath } from '../helpers/packages.js';

/**
 * Names that are properties of every plain object (`Object.prototype`): an `in` check or a
 * plain-object lookup on an untrusted key takes them for present.
 */
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** A seed as it comes from a file: parsed JSON, so `"__proto__"` is an ordinary own key. */
const seedWithTeam = (team: string[]) =>
  JSON.parse(
    JSON.stringify({
      users: [{ name: 'alice', token: 'npm_ProtoAliceToken000000000000001' }, { name: 'bob' }],
      orgs: [{ name: 'acme', members: { alice: 'owner', bob: 'developer' }, teams: { core: team } }],
    }),
  );

describe('seed: Object.prototype names are not ghost team members', () => {
  it.each(PROTO_NAMES)('a team listing %s, who is not a member, is refused', (name) => {
    expect(() => validateSeed(seedWithTeam(['alice', name]))).toThrow(new SeedError(`seed: orgs[0] "acme": team "core" lists "${name}", who is not a member of the org`));
  });

  it.each(PROTO_NAMES)('a member named %s who is not a seed user is refused', (name) => {
    const seed = JSON.parse(`{"users":[{"name":"alice"}],"orgs":[{"name":"acme","members":{"alice":"owner",${JSON.stringify(name)}:"developer"}}]}`);
    expect(() => validateSeed(seed)).toThrow(new SeedError(`seed: orgs[0] "acme": member "${name}" is not a user in the seed`));
  });

  it('a real user named "constructor" can be a member and a team member', async () => {
    const seed = {
      users: [{ name: 'alice', token: 'npm_ProtoAliceToken000000000000001' }, { name: 'constructor' }],
      orgs: [{ name: 'acme', members: { alice: 'owner', constructor: 'developer' }, teams: { core: ['constructor'] } }],
    };
    const reg = await startRegistry({ seed });
    try {
      const team = await call(reg.url, 'GET', '/-/team/acme/core/user?format=cli', { token: 'npm_ProtoAliceToken000000000000001' });
      expect([team.status, team.body]).toEqual([200, ['constructor']]);
    } finally {
      await reg.close();
    }
  });

  it('a registry started with a ghost-member seed does not start (nothing applied)', async () => {
    const outcome = await startRegistry({ seed: seedWithTeam(['constructor']) }).then(
      async (reg) => {
        await reg.close();
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(outcome).toBe('seed: orgs[0] "acme": team "core" lists "constructor", who is not a member of the org');
  });
});

describe('requests: Object.prototype names in paths and bodies', () => {
  let reg: TestRegistry;
  const clock = testClock();
  beforeAll(async () => {
    reg = await startRegistry({ seed: BASIC, clock });
  });
  afterAll(() => reg.close());

  it('an org or team named "constructor" is not found (404), not a 500 or a match', async () => {
    for (const path of ['/-/org/constructor/user', '/-/org/constructor/team', '/-/team/acme/constructor/user', '/-/team/constructor/core/user', '/-/orgctl/v1/orgs/constructor/members']) {
      const r = await call(reg.url, 'GET', path, { token: BOB.token });
      expect([path, r.status, r.body.code]).toEqual([path, 404, 'ENOTFOUND']);
    }
  });

  it('invalid-name prototype keys in a path are 400 EBADREQUEST', async () => {
    for (const name of ['__proto__', 'toString', 'hasOwnProperty']) {
      const r = await call(reg.url, 'GET', `/-/org/${name}/user`, { token: BOB.token });
      expect([name, r.status, r.body.code]).toEqual([name, 400, 'EBADREQUEST']);
    }
  });

  it('adding user "constructor" (no such account) to an org or team is 404, and nobody is added', async () => {
    const otp = () => totp(ALICE.secret, clock.now());
    const org = await call(reg.url, 'PUT', '/-/org/acme/user', { token: ALICE.token, otp: otp(), body: { user: 'constructor' } });
    expect([org.status, org.body.code]).toEqual([404, 'ENOTFOUND']);
    const team = await call(reg.url, 'PUT', '/-/team/acme/core/user', { token: ALICE.token, otp: otp(), body: { user: 'constructor' } });
    expect([team.status, team.body.code]).toEqual([404, 'ENOTFOUND']);
    expect((await call(reg.url, 'GET', '/-/team/acme/core/user?format=cli', { token: BOB.token })).body).toEqual(['alice', 'bob']);
    expect(Object.keys((await call(reg.url, 'GET', '/-/org/acme/user', { token: BOB.token })).body)).toEqual(['alice', 'bob', 'dave', 'erin']);
  });

  it('a "__proto__" key in a JSON body is an ordinary (unknown) field, never the prototype', async () => {
    const tfa = await call(reg.url, 'PUT', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token, raw: '{"__proto__":{"required":true}}' });
    expect([tfa.status, tfa.body.message]).toEqual([400, 'required must be true or false.']);
    const profile = await call(reg.url, 'POST', '/-/npm/v1/user', { token: BOB.token, raw: '{"__proto__":{"fullname":"x"}}' });
    expect([profile.status, profile.body.message]).toEqual([400, 'Unknown profile field: __proto__']);
    const login = await call(reg.url, 'POST', '/-/v1/login', { raw: '{"__proto__":{"create":true}}' });
    expect(login.status).toBe(200);
  });

  it('removing a dist-tag named "constructor" or "toString" that the package does not have is 404, and the package is unchanged', async () => {
    const name = 'proto-tags';
    expect((await call(reg.url, 'PUT', pkgPath(name), { token: BOB.token, body: publishBody(name, '1.0.0') })).status).toBe(201);
    const before = (await call(reg.url, 'GET', pkgPath(name))).body._rev;
    for (const tag of ['constructor', 'toString']) {
      const r = await call(reg.url, 'DELETE', `/-/package/${name}/dist-tags/${tag}`, { token: BOB.token });
      expect([tag, r.status, r.body.code]).toEqual([tag, 404, 'ENOTFOUND']);
    }
    expect((await call(reg.url, 'GET', pkgPath(name))).body._rev).toBe(before);
  });
});
