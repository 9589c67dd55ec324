import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BASIC, ROOT } from '../helpers/fixtures.js';
import { startRegistry } from '../helpers/registry.js';
import { startSmtp } from '../helpers/smtp.js';
import { verdaccioStartError } from '../helpers/verdaccio.js';

/** The plugin's `smtp:` and `mailFrom:` keys: Verdaccio + orgctl send notifications by email. */
describe('verdaccio-orgctl smtp: and mailFrom:', () => {
  it('a reminder through Verdaccio is delivered to the SMTP server from mailFrom', async () => {
    const smtp = await startSmtp();
    const dir = mkdtempSync(join(tmpdir(), 'orgctl-vmail-'));
    try {
      const reg = await startRegistry({ server: 'verdaccio', dataDir: join(dir, 'data'), fromConfig: { seedFile: join(ROOT, BASIC), smtp: smtp.url(), mailFrom: 'registry@example.com' } });
      try {
        const r = await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/tfa/remind', { token: ALICE.token, otp: totp(ALICE.secret, Date.now()) });
        expect(r.status).toBe(200);
        expect(r.body.notices).toBe('email');
        await reg.registry.core.outboxIdle();
        expect(smtp.received.map((m) => [m.envelope.from, m.envelope.to[0], m.mail.subject])).toEqual([
          ['registry@example.com', 'bob@example.com', 'acme will require two-factor authentication'],
          ['registry@example.com', 'erin@example.com', 'acme will require two-factor authentication'],
        ]);
      } finally {
        await reg.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad smtp: or mailFrom: stops Verdaccio at start, without repeating the password', async () => {
    const refused = verdaccioStartError;
    const smtp = await refused((c) => (c.auth.orgctl.smtp = 'http://u:Pw-Secret@host'));
    expect(smtp).toBe('verdaccio-orgctl: smtp must start with smtp:// or smtps://, got "http:"; expected smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or smtps://[user:password@]host[:port] (TLS)');
    expect(smtp).not.toContain('Pw-Secret');
    expect(await refused((c) => (c.auth.orgctl.mailFrom = 'a@b.example\nBcc: x@evil.test'))).toBe('verdaccio-orgctl: mailFrom must not contain control characters (such as a line break)');
  });
});
