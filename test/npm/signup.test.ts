// The sign-up policy as the real npm CLI meets it: `npm adduser` (web, falling back to the legacy
// prompts) and `npm adduser --auth-type=legacy` / `npm login --auth-type=legacy` print the
// registry's refusal on a closed or invite-only registry; an invited name signs up.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { NpmClient } from '../helpers/npm.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE } from '../helpers/fixtures.js';
import type { SignupPolicy } from '../../src/shared/names.js';
import { NPM_TEST_TIMEOUT } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

const CLOSED = 'Sign-up is closed on this registry: accounts are created by its operator. Ask them for an account, or log in to an existing one.';
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function setup(signup: SignupPolicy): Promise<{ reg: TestRegistry; npm: NpmClient }> {
  const reg = await startRegistry({ signup });
  opened.push(reg);
  const npm = await NpmClient.create(reg.url);
  opened.push({ close: () => npm.cleanup() });
  return { reg, npm };
}

/** Runs `npm <args>` on a terminal, answering the legacy prompts (Username, Password, Email). */
async function adduser(npm: NpmClient, args: string[], name: string): Promise<{ code: number; output: string }> {
  const s = npm.pty(args);
  await s.expect(/Username: ?/);
  s.sendLine(name);
  await s.expect(/Password: ?/);
  s.sendLine(`${name}-password`);
  if (args[0] === 'adduser') {
    await s.expect(/Email \(this will be public\): ?/);
    s.sendLine(`${name}@example.com`);
  }
  return s.wait();
}

describe('npm and the sign-up policy', () => {
  it('closed: `npm adduser --auth-type=legacy` fails with the registry\'s message; no account', async () => {
    const { reg, npm } = await setup('closed');
    const r = await adduser(npm, ['adduser', '--auth-type=legacy'], 'grace');
    expect(r.code).toBe(1);
    expect(r.output).toContain('npm error code E403');
    // npm prints the body's `error` after the request line
    expect(r.output).toContain(`npm error 403 403 Forbidden - PUT ${reg.url}-/user/org.couchdb.user:grace - ${CLOSED}`);
    expect(reg.registry.core.user('grace')).toBeUndefined();
  });

  it('closed: `npm adduser` (web first) is refused at once, falls back to the prompts, and prints the message', async () => {
    const { reg, npm } = await setup('closed');
    const r = await adduser(npm, ['adduser'], 'grace');
    expect(r.code).toBe(1);
    expect(r.output).toContain(CLOSED);
    expect(reg.registry.core.user('grace')).toBeUndefined();
  });

  it('closed: `npm login --auth-type=legacy` of a new name fails with the message', async () => {
    const { npm } = await setup('closed');
    const r = await adduser(npm, ['login', '--auth-type=legacy'], 'grace');
    expect(r.code).toBe(1);
    expect(r.output).toContain(CLOSED);
  });

  it('invite: refused without an invitation; once an owner invites the name, `npm adduser` creates it', async () => {
    const { reg, npm } = await setup('invite');
    const r = await adduser(npm, ['adduser', '--auth-type=legacy'], 'grace');
    expect(r.code).toBe(1);
    expect(r.output).toContain('Sign-up on this registry needs an invitation, and grace has none pending. Ask an org owner to invite grace, then sign up with that name.');
    const inv = await call(reg.url, 'POST', '/-/orgctl/v1/orgs/acme/invitations', { token: ALICE.token, otp: totp(ALICE.secret, reg.clock.now()), body: { invitations: ['grace'] } });
    expect(inv.body.invited).toHaveLength(1);
    const ok = await adduser(npm, ['adduser', '--auth-type=legacy'], 'grace');
    expect(ok.code).toBe(0);
    expect(ok.output).toContain(`Logged in on ${reg.url}`);
    expect(reg.registry.core.user('grace')).toBeDefined();
  });
});
