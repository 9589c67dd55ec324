/**
 * Issue 18, item 2: `registry serve --demo` serves the demo data shipped in the package, from any
 * folder and from a packed tarball, and its guide works as printed: the token is valid, the
 * commands are `orgctl …` (plus the package's own entry point by absolute path), and the one-liner
 * that prints alice's code runs outside a checkout. No `node bin/orgctl.js` or `npm run demo`.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.js';
import { runCli, runTool as run } from '../helpers/run-cli.js';
import { runServe, spawnServe, type ServeProcess } from '../helpers/serve.js';

jest.setTimeout(60_000);

const ALICE_TOKEN = 'npm_DemoAliceToken0000000000000000001';
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'orgctl-serve-demo-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The guide's claims, checked against the running server with the given orgctl entry point. */
async function expectGuideWorks(s: ServeProcess, script: string | undefined, cwd: string): Promise<string> {
  const err = await s.waitForStderr(/Press Ctrl-C to stop/);
  expect(err).toMatch(/^orgctl registry listening on http:\/\/127\.0\.0\.1:\d+\/; state in memory.*; seeded from the demo data \(\/.*fixtures\/demo\.json\); sign-up open$/m);
  expect(err).toContain('Demo registry, seeded with the demo data shipped with orgctl:');
  expect(err).toContain(`export ORGCTL_TOKEN=${ALICE_TOKEN}`);
  expect(err).toContain('\n  orgctl org 2fa status acme\n');
  expect(err).not.toContain('bin/orgctl.js org 2fa enforce');
  expect(err).not.toMatch(/npm run demo|node bin\/orgctl\.js|import\('otplib'\)/);
  // The token in the guide is alice's, and the org is there.
  const status = await runCli(['org', '2fa', 'status', 'acme', '--json'], { script, cwd, env: { ORGCTL_REGISTRY: s.url, ORGCTL_TOKEN: ALICE_TOKEN } });
  expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(status.stdout)).toMatchObject({ org: 'acme', required: false });
  // The code one-liner, run by a shell in another folder, prints a 6-digit code.
  const line = /her current code with: (node -e .*)$/m.exec(err)?.[1];
  expect(line).toBeDefined();
  expect((await run('bash', ['-c', line!], work)).trim()).toMatch(/^\d{6}$/);
  // The fallback entry point is an absolute path that exists and runs.
  const fallback = /run: node (\/\S+) org 2fa status acme\)$/m.exec(err)?.[1];
  expect(fallback).toBe(script ?? join(ROOT, 'bin', 'orgctl.js'));
  return err;
}

describe('registry serve --demo', () => {
  it('from another folder: serves the shipped demo data, and the guide works as printed', async () => {
    const s = await spawnServe(['--demo'], { cwd: work });
    await expectGuideWorks(s, undefined, work);
    await s.stop();
  });

  it('from a packed tarball, unpacked elsewhere: the demo data ships in the package and is found there', async () => {
    // npm pack --ignore-scripts packs the dist/ the test run built (no prepack rebuild), with the
    // package's `files`. The unpacked package borrows this checkout's node_modules (its
    // dependencies), so no registry install is needed.
    const packDir = join(work, 'pack');
    await run('mkdir', ['-p', packDir], work);
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir, '--silent'], ROOT);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
    await run('tar', ['xzf', join(packDir, tarball), '-C', packDir], work);
    const pkg = join(packDir, 'package');
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const script = join(pkg, 'bin', 'orgctl.js');
    const s = await spawnServe(['--demo'], { cwd: work, script });
    const err = await expectGuideWorks(s, script, work);
    expect(err).toContain(`seeded from the demo data (${join(pkg, 'fixtures', 'demo.json')})`);
    await s.stop();
  });

  it('--demo with --seed: exit 2, one line and a hint', async () => {
    const r = await runServe(['--demo', '--seed', 'fixtures/registry/basic.json']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'orgctl: --demo serves the demo data shipped with orgctl: it cannot be combined with --seed\nDrop --seed to use the demo data, or --demo to use your seed.\n',
    });
  });

  it('--demo on a data folder that already has state: says the demo data was not applied', async () => {
    const data = join(work, 'data');
    const first = await spawnServe(['--demo', '--data', data], { cwd: work });
    await first.waitForStderr(/Press Ctrl-C/);
    expect(await first.stop()).toBe(0);
    const again = await spawnServe(['--demo', '--data', data], { cwd: work });
    const err = await again.waitForStderr(/Press Ctrl-C/);
    expect(err).not.toContain('seeded from');
    expect(err).toContain('warning: the data folder already had state, so the demo data was NOT applied');
    await again.stop();
  });
});
