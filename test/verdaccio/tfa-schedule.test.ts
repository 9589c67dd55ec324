import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../helpers/http.js';
import { testClock, totp } from '../helpers/clock.js';
import { ALICE, BASIC } from '../helpers/fixtures.js';
import { startRegistry } from '../helpers/registry.js';

const DAY = 86_400_000;

/**
 * The plugin opening its own store (as a deployed Verdaccio does, on the real clock) runs the
 * scheduled 2FA requirements that are due before it serves: one whose deadline passed while no
 * server ran is enforced at start.
 */
describe('verdaccio-orgctl: scheduled 2FA enforcement at plugin start', () => {
  it('a deadline that passed while stopped is enforced when Verdaccio loads the plugin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-vsched-'));
    const dataDir = join(dir, 'data');
    try {
      // Two days ago (a reference registry on a clock set back), alice gave acme one day of grace.
      const clock = testClock(Date.now() - 2 * DAY);
      const before = await startRegistry({ server: 'reference', clock, seed: BASIC, dataDir });
      try {
        const r = await call(before.url, 'PUT', '/-/orgctl/v1/orgs/acme/tfa/schedule', { token: ALICE.token, otp: totp(ALICE.secret, clock.now()), body: { grace: '1d' } });
        expect(r.status).toBe(200);
      } finally {
        await before.close();
      }
      const reg = await startRegistry({ server: 'verdaccio', dataDir, fromConfig: {} });
      try {
        const roster = await call(reg.url, 'GET', '/-/org/acme/user', { token: ALICE.token });
        expect(roster.body).toEqual({ alice: 'owner', dave: 'admin' });
        const audit = await call(reg.url, 'GET', '/-/orgctl/v1/orgs/acme/audit?limit=1', { token: ALICE.token });
        expect([audit.body[0].action, audit.body[0].actor, audit.body[0].detail.removed]).toEqual(['org.tfa.require', 'alice', ['bob', 'erin']]);
        const status = await call(reg.url, 'GET', '/-/orgctl/v1/orgs/acme/tfa', { token: ALICE.token });
        expect(status.body).toMatchObject({ required: true, scheduled: null });
      } finally {
        await reg.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
