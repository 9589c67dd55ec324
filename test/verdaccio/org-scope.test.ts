/**
 * Orgs and the packages Verdaccio stores itself (real Verdaccio 6.8.0 with the plugin): an org
 * must not be created over a scope that holds packages (its owner would take them over: owners
 * publish every package of their org), nor deleted while its scope holds some, as on the
 * reference registry, whose own packages the core sees directly.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALICE, BASIC, BOB, CAROL } from '../helpers/fixtures.js';
import { call, type CallOptions } from '../helpers/http.js';
import { publishBody } from '../helpers/packages.js';
import { testClock, totp } from '../helpers/clock.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { gateVerdaccioCreations, holdVerdaccioCreation } from '../helpers/verdaccio.js';

const clock = testClock();
let reg: TestRegistry;
const req = (method: string, path: string, o: CallOptions = {}) => call(reg.url, method, path, o);
const aliceOtp = () => {
  clock.nextStep();
  return totp(ALICE.secret, clock.now());
};

beforeAll(async () => {
  reg = await startRegistry({ seed: BASIC, clock, server: 'verdaccio' });
  // bob publishes in @solo, a scope that is no org (any signed-in user may start one)
  expect((await req('PUT', '/@solo%2ftool', { token: BOB.token, body: publishBody('@solo/tool', '1.0.0') })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await gateVerdaccioCreations(null);
  await reg?.close();
});

describe('Verdaccio: org creation and deletion see the packages Verdaccio stores', () => {
  it("an org cannot be created over a scope with packages: carol cannot take over bob's @solo/tool", async () => {
    const create = await req('PUT', '/-/orgctl/v1/orgs/solo', { token: CAROL.token, body: {} });
    expect({ status: create.status, code: create.body.code }).toEqual({ status: 409, code: 'ENAMETAKEN' });
    expect(create.body.error).toBe('The name solo is taken by a package scope in use: org names share one namespace with user names and package scopes. Choose another name.');
    const takeover = await req('PUT', '/@solo%2ftool', { token: CAROL.token, body: publishBody('@solo/tool', '2.0.0') });
    expect({ status: takeover.status, error: takeover.body.error }).toEqual({ status: 403, error: 'You are not a maintainer of @solo/tool.' });
    expect(Object.keys((await req('GET', '/@solo%2ftool', { token: BOB.token })).body.versions)).toEqual(['1.0.0']);
    // a scope with no package is free
    expect((await req('PUT', '/-/orgctl/v1/orgs/fresh', { token: CAROL.token, body: {} })).status).toBe(201);
  });

  it('an org whose scope holds packages cannot be deleted; once they are unpublished, it can', async () => {
    expect((await req('PUT', '/@acme%2fwidget', { token: ALICE.token, otp: aliceOtp(), body: publishBody('@acme/widget', '1.0.0') })).status).toBe(201);
    const del = await req('DELETE', '/-/orgctl/v1/orgs/acme', { token: ALICE.token, otp: aliceOtp() });
    expect({ status: del.status, code: del.body.code, packages: del.body.packages }).toEqual({ status: 409, code: 'EORGPACKAGES', packages: 1 });
    expect(del.body.error).toBe('acme still has a package in its scope (@acme/widget). Unpublish it first.');
    expect((await req('GET', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token })).status).toBe(200);

    const rev = (await req('GET', '/@acme%2fwidget?write=true', { token: ALICE.token })).body._rev as string;
    expect((await req('DELETE', `/@acme%2fwidget/-rev/${rev}`, { token: ALICE.token, otp: aliceOtp() })).status).toBe(201);
    const again = await req('DELETE', '/-/orgctl/v1/orgs/acme', { token: ALICE.token, otp: aliceOtp() });
    expect({ status: again.status, deleted: again.body.deleted }).toEqual({ status: 200, deleted: true });
  });

  it('a package being created in the scope counts: the org is refused until it is stored, and then still', async () => {
    const { held, release } = await holdVerdaccioCreation('@race/x');
    const publish = req('PUT', '/@race%2fx', { token: BOB.token, body: publishBody('@race/x', '1.0.0') });
    await held;
    const during = await req('PUT', '/-/orgctl/v1/orgs/race', { token: CAROL.token, body: {} });
    expect({ status: during.status, code: during.body.code }).toEqual({ status: 409, code: 'ENAMETAKEN' });
    release();
    expect((await publish).status).toBe(201);
    const after = await req('PUT', '/-/orgctl/v1/orgs/race', { token: CAROL.token, body: {} });
    expect({ status: after.status, code: after.body.code }).toEqual({ status: 409, code: 'ENAMETAKEN' });
  });
});
