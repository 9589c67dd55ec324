/**
 * verdaccio-orgctl's `publicUrl:` (auth section): the URL browsers reach Verdaccio at, which
 * security keys are bound to. Checked at start like `smtp:`; the registration pages it hands out
 * are under it. (The browser flows themselves run on Verdaccio too: `npm run test:verdaccio`
 * runs test/webauthn/*.)
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { BASIC, BOB, ROOT } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { startVerdaccioWith, verdaccioStartError } from '../helpers/verdaccio.js';

describe('verdaccio-orgctl publicUrl:', () => {
  it('an IP address or plain http to a name stops Verdaccio at start, saying why', async () => {
    expect(await verdaccioStartError((c) => (c.auth.orgctl.publicUrl = 'http://192.168.1.5:4873/'))).toBe(
      'verdaccio-orgctl: `publicUrl:` (auth.orgctl.publicUrl): the public URL http://192.168.1.5:4873/ has an IP address as its host; security keys need a name (e.g. localhost or registry.example.com)',
    );
    expect(await verdaccioStartError((c) => (c.auth.orgctl.publicUrl = 'http://npm.example.com/'))).toBe(
      'verdaccio-orgctl: `publicUrl:` (auth.orgctl.publicUrl): the public URL http://npm.example.com/ must be https: (browsers allow security keys over http only on localhost)',
    );
  });

  it('adding a key hands out pages under publicUrl', async () => {
    const v = await startVerdaccioWith((c) => {
      c.auth.orgctl.seed = join(ROOT, BASIC);
      c.auth.orgctl.publicUrl = 'https://npm.example.com/registry/';
    });
    try {
      const r = await call(v.url, 'POST', '/-/orgctl/v1/webauthn/registrations', { token: BOB.token, body: { password: BOB.password, name: 'yubikey' } });
      expect(r.status).toBe(200);
      expect(r.body.authUrl).toMatch(/^https:\/\/npm\.example\.com\/registry\/-\/orgctl\/webauthn\/register\/[0-9a-f]{32}$/);
      expect(r.body.doneUrl).toMatch(/^https:\/\/npm\.example\.com\/registry\/-\/orgctl\/v1\/webauthn\/registrations\/[0-9a-f]{32}$/);
    } finally {
      await v.close();
    }
  });
});
