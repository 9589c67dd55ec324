/**
 * End to end: invitations and reinstatement (issue 6) with the built CLI against the reference
 * registry on 127.0.0.1:0, one fresh registry per test on a controlled clock.
 */
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryPerTest } from '../helpers/registry.js';
import { call } from '../helpers/http.js';
import { totp } from '../helpers/clock.js';
import { ALICE, BOB, CAROL, DAVE, basicSeed } from '../helpers/fixtures.js';
import { NpmClient } from '../helpers/npm.js';
import { isolatedDirs, runCli, type CliResult } from '../helpers/run-cli.js';

/** The basic seed plus users who are in no org (for bulk invitations and `npm org set`). */
const NEWUSER = { name: 'newuser', token: 'npm_TestNewuserToken00000000000000006' };
const FRANK = { name: 'frank', token: 'npm_TestFrankToken0000000000000000007' };
const SEED = (() => {
  const basic = basicSeed() as { users: object[]; orgs: object[] };
  const extra = [NEWUSER, FRANK].map((u) => ({ name: u.name, password: `${u.name}-password`, email: `${u.name}@example.com`, token: u.token }));
  return { ...basic, users: [...basic.users, ...extra] };
})();

const X = '/-/orgctl/v1';
const DAY = 86_400_000;
const srv = registryPerTest({ seed: SEED });
const { clock } = srv;


/** Runs the built CLI as the owner of `token` against the test registry (stdin and stdout are pipes). */
const orgctl = (token: string, args: string[]): Promise<CliResult> => runCli(args, { env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: token } });
const aliceOtp = () => totp(ALICE.secret, clock.now());
const asAlice = (method: string, p: string, body?: unknown) => call(srv.url, method, p, { token: ALICE.token, otp: aliceOtp(), body });
const json = (r: CliResult) => JSON.parse(r.stdout);
const inSevenDays = () => new Date(clock.now() + 7 * DAY).toISOString();

async function enforce2fa(): Promise<void> {
  const r = await asAlice('PUT', `${X}/orgs/acme/tfa`, { required: true });
  expect(r.status).toBe(200);
}

/** bob turns on 2FA (the `profile enable-2fa` exchange, over HTTP); returns his TOTP secret. */
async function bobEnables2fa(): Promise<string> {
  const start = await call(srv.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: { password: BOB.password, mode: 'auth-and-writes' } } });
  const secret = new URL(start.body.tfa).searchParams.get('secret')!;
  const done = await call(srv.url, 'POST', '/-/npm/v1/user', { token: BOB.token, body: { tfa: [totp(secret, clock.now())] } });
  expect(done.status).toBe(200);
  clock.advance(30_000); // a fresh code for the next request
  return secret;
}

describe('reinstatement after 2FA enforcement', () => {
  it('enforcement removes bob; --reinstate invites him back; accept waits for his 2FA, then restores role and teams', async () => {
    await enforce2fa();
    expect((await orgctl(ALICE.token, ['org', 'ls', 'acme', 'bob', '--json'])).stdout).toBe('[]\n');

    const inv = await orgctl(ALICE.token, ['org', 'invite', 'acme', 'bob', '--reinstate', '--otp', aliceOtp(), '--json']);
    expect(inv).toMatchObject({ code: 0, stderr: '' });
    expect(json(inv)).toEqual({ org: 'acme', invited: [{ user: 'bob', role: 'developer', teams: ['core'], expires: inSevenDays(), reinstate: true }], failed: [] });

    const mine = await orgctl(BOB.token, ['invites', 'ls', '--json']);
    expect(mine.code).toBe(0);
    expect(json(mine)).toEqual([{ org: 'acme', role: 'developer', teams: ['core'], expires: inSevenDays(), tfaRequiredFrom: null }]);

    const refused = await orgctl(BOB.token, ['invites', 'accept', 'acme']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'orgctl: acme requires two-factor authentication and your account does not have it; the invitation stays pending.\n' +
        'Turn it on with `orgctl profile enable-2fa`, then run `orgctl invites accept acme` again.\n',
    );
    const pending = await orgctl(ALICE.token, ['org', 'invites', 'ls', 'acme', '--json']);
    expect(json(pending)).toEqual([{ user: 'bob', role: 'developer', teams: ['core'], expires: inSevenDays(), expired: false, reinstate: true }]);

    const secret = await bobEnables2fa();
    const ok = await orgctl(BOB.token, ['invites', 'accept', 'acme', '--otp', totp(secret, clock.now()), '--json']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(json(ok)).toEqual({ org: 'acme', role: 'developer', teams: ['core'] });

    const back = await orgctl(ALICE.token, ['org', 'ls', 'acme', 'bob', '--json']);
    expect(json(back)).toEqual([{ user: 'bob', role: 'developer', twoFactor: true, tfaMethods: ['totp'], teams: ['core'] }]);
    expect((await call(srv.url, 'GET', '/-/team/acme/developers/user?format=cli', { token: BOB.token })).body).toContain('bob');
    expect((await orgctl(BOB.token, ['invites', 'ls', '--json'])).stdout).toBe('[]\n');
    const audit = (await call(srv.url, 'GET', `${X}/orgs/acme/audit`, { token: ALICE.token })).body.map((e: { action: string }) => e.action);
    expect(audit.slice(0, 2)).toEqual(['org.invite.accept', 'org.invite.create']);
  });

  it('--reinstate with no users invites everyone with a removal record; a user without one is reported (exit 1)', async () => {
    await enforce2fa();
    const all = await orgctl(ALICE.token, ['org', 'invite', 'acme', '--reinstate', '--otp', aliceOtp()]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('');
    expect(all.stderr).toBe(
      `✓ Invited bob to acme as developer in core (former role and teams); expires ${inSevenDays()}\n` +
        `✓ Invited erin to acme as developer (former role and teams); expires ${inSevenDays()}\n`,
    );
    const none = await orgctl(ALICE.token, ['org', 'invite', 'acme', 'carol', '--reinstate', '--otp', aliceOtp(), '--json']);
    expect(none.code).toBe(1);
    expect(json(none)).toEqual({ org: 'acme', invited: [], failed: [{ user: 'carol', error: expect.stringMatching(/^no removal record for carol in acme/) }] });
    expect(none.stderr).toBe('orgctl: 1 of 1 user could not be invited to acme.\n');
  });
});

describe('org invite', () => {
  it('--from-file: good lines are invited in one request, bad ones reported with their line numbers (exit 1)', async () => {
    expect((await asAlice('PUT', '/-/org/acme/team', { name: 'web' })).status).toBe(201);
    const dirs = isolatedDirs();
    const file = join(dirs.cwd, 'people.csv');
    writeFileSync(
      file,
      [
        '# people for acme',
        'carol,admin,web',
        '',
        'newuser  # default role',
        'bob',
        'Bad Name,developer',
        'frank,king',
        'ghost',
        'carol',
        'dave,owner,core,extra',
        '',
      ].join('\n'),
    );
    const r = await runCli(['org', 'invite', 'acme', '--from-file', 'people.csv', '--otp', aliceOtp(), '--json'], {
      dirs,
      env: { ORGCTL_REGISTRY: srv.url, ORGCTL_TOKEN: ALICE.token },
    });
    expect(r.code).toBe(1);
    expect(json(r)).toEqual({
      org: 'acme',
      invited: [
        { user: 'carol', role: 'admin', teams: ['web'], expires: inSevenDays(), reinstate: false },
        { user: 'newuser', role: 'developer', teams: [], expires: inSevenDays(), reinstate: false },
      ],
      failed: [
        { user: 'Bad Name', error: expect.stringMatching(/^line 6: invalid user name "Bad Name"/) },
        { user: 'frank', error: 'line 7: bad role "king": use developer, admin or owner' },
        { user: 'dave', error: 'line 10: expected user[,role[,team;team]], got 4 fields' },
        { user: 'carol', error: 'line 9: listed more than once (first on line 2)' },
        { user: 'bob', error: 'line 5: already a member of acme' },
        { user: 'ghost', error: 'line 8: no such user' },
      ],
    });
    expect(r.stderr).toBe('orgctl: 6 of 8 users could not be invited to acme.\n');
    const posts = srv.reg.logs.filter((l) => l.includes('POST') && l.includes('/invitations'));
    expect(posts).toHaveLength(1);
    const listed = json(await orgctl(ALICE.token, ['org', 'invites', 'ls', 'acme', '--json']));
    expect(listed.map((i: { user: string }) => i.user)).toEqual(['carol', 'newuser']);
  });

  it('--from-file that cannot be read is a usage error (exit 2) and nothing is sent', async () => {
    const r = await orgctl(ALICE.token, ['org', 'invite', 'acme', '--from-file', 'no-such-file.csv', '--otp', aliceOtp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('orgctl: cannot read --from-file no-such-file.csv: ENOENT\n');
    expect(srv.reg.logs.filter((l) => l.includes('/invitations'))).toEqual([]);
  });

  it('a non-owner is refused (exit 1) and nobody is invited', async () => {
    const r = await orgctl(DAVE.token, ['org', 'invite', 'acme', 'carol', '--otp', totp(DAVE.secret, clock.now())]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^orgctl: Only owners of acme can do this; you are an admin\./);
    const revoke = await orgctl(BOB.token, ['org', 'invites', 'revoke', 'acme', 'carol']);
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toMatch(/^orgctl: Only owners of acme can do this/);
    expect(json(await orgctl(ALICE.token, ['org', 'invites', 'ls', 'acme', '--json']))).toEqual([]);
  });

  it('without --otp an owner with 2FA gets exit 4 and a hint (no TTY to ask)', async () => {
    const r = await orgctl(ALICE.token, ['org', 'invite', 'acme', 'carol']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/--otp\b/);
  });
});

describe('expiry, revoke, decline', () => {
  it('an invitation expires after 7 days: listed as expired to owners, gone for the invitee, accept refused (exit 1)', async () => {
    expect((await orgctl(ALICE.token, ['org', 'invite', 'acme', 'carol', '--role', 'admin', '--otp', aliceOtp()])).code).toBe(0);
    const expires = inSevenDays();
    clock.advance(7 * DAY + 1000);
    const ls = await orgctl(ALICE.token, ['org', 'invites', 'ls', 'acme']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toBe(`USER   ROLE   TEAMS  EXPIRES                   STATUS\ncarol  admin  -      ${expires}  expired\n`);
    expect(json(await orgctl(CAROL.token, ['invites', 'ls', '--json']))).toEqual([]);
    const accept = await orgctl(CAROL.token, ['invites', 'accept', 'acme']);
    expect(accept.code).toBe(1);
    expect(accept.stderr).toBe(
      'orgctl: your invitation to acme has expired and cannot be accepted.\nAsk an owner of acme to invite you again.\n',
    );
  });

  it('revoke: the invitation is gone and accept is refused (exit 1); revoking it again is reported', async () => {
    await orgctl(ALICE.token, ['org', 'invite', 'acme', 'carol', '--otp', aliceOtp()]);
    const r = await orgctl(ALICE.token, ['org', 'invites', 'revoke', 'acme', 'carol', '--otp', aliceOtp(), '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(json(r)).toEqual({ org: 'acme', revoked: ['carol'], failed: [] });
    const accept = await orgctl(CAROL.token, ['invites', 'accept', 'acme']);
    expect(accept.code).toBe(1);
    expect(accept.stderr).toMatch(/^orgctl: You have no invitation to acme \(it may have been revoked or declined\)\.\n/);
    const again = await orgctl(ALICE.token, ['org', 'invites', 'revoke', 'acme', 'carol', '--otp', aliceOtp()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('✗ carol: carol has no invitation to acme.\norgctl: 1 of 1 invitation could not be revoked.\n');
  });

  it('decline: the invitation is deleted and cannot be accepted afterwards', async () => {
    await orgctl(ALICE.token, ['org', 'invite', 'acme', 'carol', '--otp', aliceOtp()]);
    const ls = await orgctl(CAROL.token, ['invites', 'ls']);
    expect(ls.stdout).toBe(`ORG   ROLE       TEAMS  EXPIRES\nacme  developer  -      ${inSevenDays()}\n`);
    const d = await orgctl(CAROL.token, ['invites', 'decline', 'acme', '--json']);
    expect(d).toMatchObject({ code: 0, stderr: '' });
    expect(json(d)).toEqual({ org: 'acme', declined: true });
    expect((await orgctl(CAROL.token, ['invites', 'accept', 'acme'])).code).toBe(1);
    expect(json(await orgctl(ALICE.token, ['org', 'invites', 'ls', 'acme', '--json']))).toEqual([]);
  });
});

describe('npm interoperability', () => {
  it('the real `npm org set acme newuser` creates an invitation that `orgctl invites accept` completes', async () => {
    const npm = await NpmClient.create(srv.url, { token: ALICE.token });
    try {
      const set = await npm.run(['org', 'set', 'acme', 'newuser', 'developer', `--otp=${aliceOtp()}`]);
      expect(set.code).toBe(0);
    } finally {
      await npm.cleanup();
    }
    expect(json(await orgctl(NEWUSER.token, ['invites', 'ls', '--json']))).toEqual([{ org: 'acme', role: 'developer', teams: [], expires: inSevenDays(), tfaRequiredFrom: null }]);
    const ok = await orgctl(NEWUSER.token, ['invites', 'accept', 'acme']);
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '✓ Joined acme as a developer\n' });
    expect(json(await orgctl(ALICE.token, ['org', 'ls', 'acme', 'newuser', '--json']))).toEqual([{ user: 'newuser', role: 'developer', twoFactor: false, tfaMethods: [], teams: [] }]);
  });
});
