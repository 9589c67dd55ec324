/**
 * Scheduled 2FA enforcement across real `orgctl registry serve` processes on one data folder (on a
 * file clock): a server started after the deadline enforces before it prints its URL; a second
 * server cannot open the folder while the first runs (its lock); later starts enforce nothing more.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call } from '../helpers/http.js';
import { fileClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC } from '../helpers/fixtures.js';
import { runServe, spawnServe } from '../helpers/serve.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('registry serve: a scheduled 2FA requirement across restarts', () => {
  it('enforced at start after the deadline, once; a second server on the folder is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orgctl-serve-sched-'));
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const clock = fileClock(path.join(dir, 'clock'));
    let s = await spawnServe(['--data', data, '--seed', BASIC], { clock });
    const r = await call(s.url, 'PUT', '/-/orgctl/v1/orgs/acme/tfa/schedule', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { grace: '1d' } });
    expect(r.status).toBe(200);
    expect(await s.stop()).toBe(0);

    clock.advance(86_400_000 + 1000); // the deadline passes while no server runs
    s = await spawnServe(['--data', data], { clock });
    expect(s.stderr()).toContain(`2FA schedule for acme: enforced at the deadline ${r.body.scheduled.at}: 2 removed\n`);
    expect((await call(s.url, 'GET', '/-/org/acme/user', { token: ALICE.token })).body).toEqual({ alice: 'owner', dave: 'admin' });
    const second = await runServe(['--data', data], { ORGCTL_TEST_CLOCK_FILE: clock.file! });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`is in use by another server (pid ${s.child.pid})`);
    expect(await s.stop()).toBe(0);

    for (let i = 0; i < 2; i++) {
      s = await spawnServe(['--data', data], { clock });
      expect(s.stderr()).not.toContain('2FA schedule');
      if (i === 1) {
        const audit = (await call(s.url, 'GET', '/-/orgctl/v1/orgs/acme/audit', { token: ALICE.token })).body as { action: string; actor: string }[];
        expect(audit.filter((e) => e.action === 'org.tfa.require').map((e) => e.actor)).toEqual(['alice']);
      }
      expect(await s.stop()).toBe(0);
    }
    // two notices when scheduled, two removal notices: nothing twice
    expect(readdirSync(path.join(data, 'outbox'))).toHaveLength(4);
  });
});
