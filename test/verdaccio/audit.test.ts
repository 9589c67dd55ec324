/**
 * Finding "no package.publish audit events on Verdaccio": on a real Verdaccio with orgctl's plugin,
 * publishing and unpublishing an org's package with the real npm CLI records the same audit
 * events as the reference registry (docs/registry-api.md §8.1), read back with `orgctl org audit`.
 * Refused writes, and packages outside an org's scope, record nothing. The same test runs on the
 * reference registry, so the shapes are the same.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASIC, BOB, CAROL, DAVE } from '../helpers/fixtures.js';
import { NpmClient, npmErrorCode, type NpmResult } from '../helpers/npm.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runCli } from '../helpers/run-cli.js';

describe.each(['verdaccio', 'reference'] as const)('%s: package.publish / package.unpublish audit events (finding: none were recorded on Verdaccio)', (server) => {
  let reg: TestRegistry;
  let work: string;
  let bob: NpmClient;
  let carol: NpmClient;
  let dirs = 0;
  async function pkgDir(name: string, version: string): Promise<string> {
    const dir = join(work, `pkg-${++dirs}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version }));
    return dir;
  }

  function expectOk(r: NpmResult): void {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/npm error/) });
  }

  interface Event { actor: string; action: string; target?: string; detail?: Record<string, unknown> }

  /** The org's package events, oldest first, as `orgctl org audit --json` prints them to dave (an admin). */
  async function packageEvents(org = 'acme'): Promise<Event[]> {
    const r = await runCli(['org', 'audit', org, '--json'], { env: { ORGCTL_REGISTRY: reg.url, ORGCTL_TOKEN: DAVE.token } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(r.stdout) as Event[])
      .filter((e) => e.action.startsWith('package.'))
      .map(({ actor, action, target, detail }) => ({ actor, action, target, detail }))
      .reverse();
  }

  beforeAll(async () => {
    reg = await startRegistry({ seed: BASIC, server });
    work = await mkdtemp(join(tmpdir(), 'orgctl-vaudit-'));
    bob = await NpmClient.create(reg.url, { token: BOB.token });
    carol = await NpmClient.create(reg.url, { token: CAROL.token });
  }, 60_000);

  afterAll(async () => {
    await bob?.cleanup();
    await carol?.cleanup();
    await reg?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

    it('npm publish, unpublish of a version and of the whole package of @acme/widget are audited as on the reference registry', async () => {
      expectOk(await bob.run(['publish', await pkgDir('@acme/widget', '1.0.0')]));
      expectOk(await bob.run(['publish', await pkgDir('@acme/widget', '1.1.0'), '--tag', 'next']));
      expectOk(await bob.run(['unpublish', '@acme/widget@1.0.0']));
      expectOk(await bob.run(['unpublish', '@acme/widget', '--force']));
      expect(await packageEvents()).toEqual([
        { actor: 'bob', action: 'package.publish', target: '@acme/widget', detail: { version: '1.0.0', tags: ['latest'] } },
        { actor: 'bob', action: 'package.publish', target: '@acme/widget', detail: { version: '1.1.0', tags: ['next'] } },
        { actor: 'bob', action: 'package.unpublish', target: '@acme/widget', detail: { versions: ['1.0.0'] } },
        { actor: 'bob', action: 'package.unpublish', target: '@acme/widget', detail: { versions: ['1.1.0'], package: true } },
      ]);
    }, 120_000);

    it('a refused publish (carol is no member of acme) and packages outside an org record nothing', async () => {
      const before = await packageEvents();
      const refused = await carol.run(['publish', await pkgDir('@acme/intruder', '1.0.0')]);
      expect({ code: refused.code, errorCode: npmErrorCode(refused.stderr) }).toEqual({ code: 1, errorCode: 'E403' });
      expectOk(await carol.run(['publish', await pkgDir('carol-tool', '1.0.0')]));
      expectOk(await carol.run(['publish', await pkgDir('@carol/tool', '1.0.0')]));
      expect(await packageEvents()).toEqual(before);
    }, 120_000);
});
