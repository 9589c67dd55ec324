/**
 * The plugin's `signup:` key (as in the Verdaccio config): `closed` refuses a sign-up through
 * Verdaccio with the same 403 as `registry serve --signup closed`; a bad value stops the plugin.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASIC, BOB, ROOT } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { startRegistry } from '../helpers/registry.js';
import { verdaccioStartError } from '../helpers/verdaccio.js';

describe('verdaccio-orgctl signup:', () => {
  it('closed: a sign-up through Verdaccio is 403 ESIGNUPCLOSED; existing users still log in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-vsignup-'));
    try {
      const reg = await startRegistry({ server: 'verdaccio', dataDir: join(dir, 'data'), fromConfig: { seedFile: join(ROOT, BASIC), signup: 'closed' } });
      try {
        const r = await call(reg.url, 'PUT', '/-/user/org.couchdb.user:grace', { body: { name: 'grace', password: 'grace-password' } });
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('ESIGNUPCLOSED');
        expect(reg.registry.core.user('grace')).toBeUndefined();
        expect((await call(reg.url, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: BOB.password } })).status).toBe(201);
      } finally {
        await reg.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a value other than open, closed or invite stops Verdaccio at start with a message naming the key', async () => {
    const message = await verdaccioStartError((c) => (c.auth.orgctl.signup = 'yes'));
    expect(message).toBe('verdaccio-orgctl: `signup:` must be open, closed or invite, got "yes"');
  });
});
