/**
 * Finding "Verdaccio: anyone can take over unscoped packages": on a real Verdaccio with orgctl's
 * plugin and the README's config, a newly signed-up user must not publish, deprecate, dist-tag or
 * unpublish a package someone else published. Outside an org's scope only a package's maintainers
 * (its first publisher) change it, as on the reference registry; in an org's scope its current
 * members do. The real npm CLI where npm has a command for it, raw HTTP for every other write
 * route and spelling of the name.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALICE, BASIC, BOB, CAROL, DAVE } from '../helpers/fixtures.js';
import { call, type CallOptions } from '../helpers/http.js';
import { NpmClient, npmErrorCode, type NpmResult } from '../helpers/npm.js';
import { publishBody } from '../helpers/packages.js';
import { testClock, totp } from '../helpers/clock.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { gateVerdaccioCreations, holdVerdaccioCreation } from '../helpers/verdaccio.js';

const clock = testClock();
let reg: TestRegistry;
let work: string;
let newbieToken: string;
const npm: Record<'alice' | 'bob' | 'carol' | 'newbie' | 'anon', NpmClient> = {} as never;

const req = (method: string, path: string, o: CallOptions = {}) => call(reg.url, method, path, o);

/** A fresh OTP for alice (auth-and-writes): each npm command gets a code of its own step. */
function aliceOtp(): string {
  clock.nextStep();
  return totp(ALICE.secret, clock.now());
}

let dirs = 0;
/** A package folder for `npm publish` (with a `postinstall`, as an attacker's would have). */
async function pkgDir(name: string, version: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = join(work, `pkg-${++dirs}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js', ...extra }));
  await writeFile(join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  return dir;
}

function expectOk(r: NpmResult): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/npm error/) });
}

/** npm failed with E403 and printed the registry's message. */
function expectNotMaintainer(r: NpmResult, pkg: string): void {
  expect({ code: r.code, errorCode: npmErrorCode(r.stderr) }).toEqual({ code: 1, errorCode: 'E403' });
  expect(r.stderr).toContain(`You are not a maintainer of ${pkg}.`);
}

/** The stored packument (as anyone, or `token`, reads it): versions, dist-tags and deprecations. */
async function state(pkg: string, token?: string): Promise<{ versions: string[]; tags: Record<string, string>; deprecated: Record<string, string> }> {
  const r = await req('GET', `/${pkg.replace('/', '%2f')}`, { token });
  expect(r.status).toBe(200);
  const deprecated: Record<string, string> = {};
  for (const [v, m] of Object.entries(r.body.versions as Record<string, { deprecated?: string }>)) if (m.deprecated) deprecated[v] = m.deprecated;
  return { versions: Object.keys(r.body.versions).sort(), tags: r.body['dist-tags'], deprecated };
}

beforeAll(async () => {
  reg = await startRegistry({ seed: BASIC, clock, server: 'verdaccio' });
  work = await mkdtemp(join(tmpdir(), 'orgctl-maint-'));
  // newbie signs up, anonymously, as in the finding.
  const signup = await req('PUT', '/-/user/org.couchdb.user:newbie', { body: { _id: 'org.couchdb.user:newbie', name: 'newbie', password: 'newbie-password', email: 'newbie@example.com', type: 'user', roles: [] } });
  expect(signup.status).toBe(201);
  newbieToken = signup.body.token;
  for (const [who, token] of [['alice', ALICE.token], ['bob', BOB.token], ['carol', CAROL.token], ['newbie', newbieToken], ['anon', undefined]] as const) {
    npm[who] = await NpmClient.create(reg.url, { token });
  }
  // alice publishes pkg-a 1.0.0 and 1.1.0; bob publishes @solo/tool (a scope that is no org).
  for (const v of ['1.0.0', '1.1.0']) expectOk(await npm.alice.run(['publish', await pkgDir('pkg-a', v), `--otp=${aliceOtp()}`]));
  expectOk(await npm.bob.run(['publish', await pkgDir('@solo/tool', '1.0.0')]));
}, 90_000);

afterAll(async () => {
  for (const c of Object.values(npm)) await c?.cleanup();
  await reg?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Verdaccio: only maintainers change an existing package (finding: anyone can take over unscoped packages)', () => {
  it('a newly signed-up user cannot publish, deprecate, dist-tag or unpublish alice\'s unscoped package (npm CLI)', async () => {
    const before = await state('pkg-a');
    expect(before).toEqual({ versions: ['1.0.0', '1.1.0'], tags: { latest: '1.1.0' }, deprecated: {} });

    expectNotMaintainer(await npm.newbie.run(['publish', await pkgDir('pkg-a', '2.0.0', { scripts: { postinstall: 'node -e "process.exit(0)"' } })]), 'pkg-a');
    expectNotMaintainer(await npm.newbie.run(['deprecate', 'pkg-a@1.0.0', 'pwned']), 'pkg-a');
    expectNotMaintainer(await npm.newbie.run(['dist-tag', 'add', 'pkg-a@1.0.0', 'latest']), 'pkg-a');
    expectNotMaintainer(await npm.newbie.run(['unpublish', 'pkg-a@1.0.0']), 'pkg-a');
    expectNotMaintainer(await npm.newbie.run(['unpublish', 'pkg-a', '--force']), 'pkg-a');

    expect(await state('pkg-a')).toEqual(before);
    expect((await req('GET', '/pkg-a/-/pkg-a-1.0.0.tgz')).status).toBe(200);
  }, 90_000);

  it('every write route and every spelling of the name is checked (raw HTTP)', async () => {
    for (const [pkg, spellings] of [
      ['pkg-a', ['pkg-a', 'pkg%2da', 'pkg%2Da']],
      ['@solo/tool', ['@solo%2ftool', '@solo%2Ftool', '%40solo%2ftool', '%40solo/tool', '@solo/tool']],
    ] as const) {
      const before = await state(pkg, newbieToken);
      const rev = (await req('GET', `/${spellings[0]}?write=true`, { token: newbieToken })).body._rev as string;
      expect(rev).toEqual(expect.any(String));
      const file = `${pkg.split('/').pop()}-1.0.0.tgz`;
      const packument = (await req('GET', `/${spellings[0]}`, { token: newbieToken })).body;
      const { ['1.0.0']: _gone, ...fewer } = packument.versions;
      void _gone;
      for (const p of spellings) {
        const writes: [string, string, CallOptions][] = [
          ['PUT', `/${p}`, { body: publishBody(pkg, '9.0.0') }],
          ['PUT', `/${p}`, { body: { ...packument, versions: { ...packument.versions, '1.0.0': { ...packument.versions['1.0.0'], deprecated: 'pwned' } } } }],
          ['PUT', `/${p}/-rev/${rev}`, { body: { ...packument, versions: fewer } }],
          ['DELETE', `/${p}/-/${file}/-rev/${rev}`, {}],
          ['DELETE', `/${p}/-rev/${rev}`, {}],
          ['PUT', `/-/package/${p}/dist-tags/evil`, { body: '1.0.0' }],
          ['DELETE', `/-/package/${p}/dist-tags/latest`, {}],
          ['POST', `/-/package/${p}/dist-tags`, { body: { latest: '1.0.0' } }],
          ['PUT', `/${p}/evil`, { body: '1.0.0' }],
          ['PUT', `/${p}/-/${file}/whatever`, { raw: 'not a tarball', headers: { 'content-type': 'application/octet-stream' } }],
          ['PUT', `/${p}`, { body: { _id: pkg, _rev: rev, users: { newbie: true } } }], // npm star
        ];
        for (const [method, path, o] of writes) {
          const r = await req(method, path, { ...o, token: newbieToken });
          expect({ method, path, status: r.status, error: r.body?.error }).toEqual({ method, path, status: 403, error: `You are not a maintainer of ${pkg}.` });
        }
      }
      // Anonymous: asked to log in.
      expect((await req('PUT', `/${spellings[0]}`, { body: publishBody(pkg, '9.0.0') })).status).toBe(401);
      expect(await state(pkg, newbieToken)).toEqual(before);
    }
  }, 60_000);

  it('a brand-new package: any signed-in user publishes it and becomes its only maintainer; a `maintainers` sent by the client is not trusted', async () => {
    // newbie's package.json names carol as a maintainer: the registry records newbie, not carol.
    expectOk(await npm.newbie.run(['publish', await pkgDir('newbie-pkg', '1.0.0', { maintainers: [{ name: 'carol' }] })]));
    const stored = (await req('GET', '/newbie-pkg')).body.versions['1.0.0'];
    expect(stored._npmUser).toEqual({ name: 'newbie', email: 'newbie@example.com' });
    expect(stored.maintainers).toEqual([{ name: 'newbie', email: 'newbie@example.com' }]);
    expectNotMaintainer(await npm.carol.run(['publish', await pkgDir('newbie-pkg', '1.1.0')]), 'newbie-pkg');
    const carolTag = await req('PUT', '/-/package/newbie-pkg/dist-tags/evil', { token: CAROL.token, body: '1.0.0' });
    expect({ status: carolTag.status, error: carolTag.body.error }).toEqual({ status: 403, error: 'You are not a maintainer of newbie-pkg.' });
    expectOk(await npm.newbie.run(['publish', await pkgDir('newbie-pkg', '1.1.0')]));
    expect(await state('newbie-pkg')).toEqual({ versions: ['1.0.0', '1.1.0'], tags: { latest: '1.1.0' }, deprecated: {} });
  }, 60_000);

  it('two users creating one name at once: the second is refused while the first is being stored, then as a non-maintainer (race)', async () => {
    // bob's first publish of race-pkg passes its checks, then is held before Verdaccio stores it.
    const { held, release } = await holdVerdaccioCreation('race-pkg');
    const bob = req('PUT', '/race-pkg', { token: BOB.token, body: publishBody('race-pkg', '1.0.0') });
    await held;
    await gateVerdaccioCreations(null);
    const during = await req('PUT', '/race-pkg', { token: newbieToken, body: publishBody('race-pkg', '2.0.0') });
    expect({ status: during.status, error: during.body.error }).toEqual({ status: 409, error: 'race-pkg is being published by another request. Try again.' });
    release();
    expect((await bob).status).toBe(201);
    const after = await req('PUT', '/race-pkg', { token: newbieToken, body: publishBody('race-pkg', '2.0.0') });
    expect({ status: after.status, error: after.body.error }).toEqual({ status: 403, error: 'You are not a maintainer of race-pkg.' });
    const stored = (await req('GET', '/race-pkg')).body;
    expect(Object.keys(stored.versions)).toEqual(['1.0.0']);
    expect(stored.versions['1.0.0'].maintainers).toEqual([{ name: 'bob', email: 'bob@example.com' }]);
  });

  it('in an org\'s scope the membership rule stays: another member publishes a new version, a non-member cannot', async () => {
    const first = await req('PUT', '/@acme%2fshared', { token: BOB.token, body: publishBody('@acme/shared', '1.0.0') });
    expect(first.status).toBe(201);
    const dave = await req('PUT', '/@acme%2fshared', { token: DAVE.token, body: publishBody('@acme/shared', '1.1.0') });
    expect(dave.status).toBe(201);
    const carol = await req('PUT', '/@acme%2fshared', { token: CAROL.token, body: publishBody('@acme/shared', '1.2.0') });
    expect({ status: carol.status, error: carol.body.error }).toEqual({ status: 403, error: 'carol is not a member of org acme.' });
    expect((await state('@acme/shared', BOB.token)).versions).toEqual(['1.0.0', '1.1.0']);
  });

  it('the maintainer (alice) still publishes, deprecates, dist-tags and unpublishes; anyone installs; after --force the name is free', async () => {
    const app = join(work, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const install = await npm.anon.run(['install', 'pkg-a', `--prefix=${app}`]);
    expectOk(install);
    expect(JSON.parse(await readFile(join(app, 'node_modules', 'pkg-a', 'package.json'), 'utf8')).version).toBe('1.1.0');

    expectOk(await npm.alice.run(['publish', await pkgDir('pkg-a', '2.0.0'), `--otp=${aliceOtp()}`]));
    expectOk(await npm.alice.run(['deprecate', 'pkg-a@1.0.0', 'use 2.x', `--otp=${aliceOtp()}`]));
    expectOk(await npm.alice.run(['dist-tag', 'add', 'pkg-a@1.1.0', 'legacy', `--otp=${aliceOtp()}`]));
    expect(await state('pkg-a')).toEqual({ versions: ['1.0.0', '1.1.0', '2.0.0'], tags: { latest: '2.0.0', legacy: '1.1.0' }, deprecated: { '1.0.0': 'use 2.x' } });
    expectOk(await npm.alice.run(['dist-tag', 'rm', 'pkg-a', 'legacy', `--otp=${aliceOtp()}`]));
    const one = await npm.alice.run(['unpublish', 'pkg-a@2.0.0', `--otp=${aliceOtp()}`]);
    expectOk(one);
    expect(one.stdout).toBe('- pkg-a@2.0.0\n');
    expect((await state('pkg-a')).versions).toEqual(['1.0.0', '1.1.0']);
    expect((await req('GET', '/pkg-a/-/pkg-a-2.0.0.tgz')).status).toBe(404);

    const all = await npm.alice.run(['unpublish', 'pkg-a', '--force', `--otp=${aliceOtp()}`]);
    expectOk(all);
    expect((await req('GET', '/pkg-a')).status).toBe(404);
    // As on the reference registry, a removed package's name is free for anyone.
    expectOk(await npm.newbie.run(['publish', await pkgDir('pkg-a', '1.0.0')]));
    expect((await req('GET', '/pkg-a')).body.versions['1.0.0']._npmUser).toEqual({ name: 'newbie', email: 'newbie@example.com' });
  }, 120_000);
});
