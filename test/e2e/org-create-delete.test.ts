// `orgctl org create` and `orgctl org delete` (the built CLI) against the reference registry.
import { describe, expect, it, jest } from '@jest/globals';
import { withOrgCli, writesLogged } from '../helpers/org-cli.js';
import { ptyCli } from '../helpers/run-cli.js';
import { call } from '../helpers/http.js';
import { publishBody, pkgPath } from '../helpers/packages.js';
import { ALICE, BOB } from '../helpers/fixtures.js';

jest.setTimeout(60_000);

describe('orgctl org create', () => {
  it.concurrent('creates an org owned by the caller; --json has {org, owner, requireTfa, created}', withOrgCli(async (ctx) => {
    const r = await ctx.cli('bob', ['org', 'create', 'bobco']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('✓ Created org bobco; you (bob) are its owner.\n');
    expect(await ctx.roster('bobco', 'bob')).toEqual({ bob: 'owner' });
    const j = await ctx.cli('carol', ['org', 'create', '@carolco', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ org: 'carolco', owner: 'carol', requireTfa: false, created: new Date(ctx.clock.now()).toISOString() });
  }));

  it.concurrent('a taken name (a user, an org) fails with exit 1 and the reason', withOrgCli(async (ctx) => {
    const user = await ctx.cli('bob', ['org', 'create', 'carol']);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('The name carol is taken by a user: org names share one namespace with user names and package scopes. Choose another name.');
    const org = await ctx.cli('bob', ['org', 'create', 'acme', '--json']);
    expect(org.code).toBe(1);
    expect(org.stdout).toBe('');
    expect(org.stderr).toContain('The name acme is taken by an org');
  }));

  it.concurrent('an invalid name is exit 2, before any request', withOrgCli(async (ctx) => {
    const r = await ctx.cli('bob', ['org', 'create', 'Big Co']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid org name "Big Co"');
    expect(writesLogged(ctx.reg)).toEqual([]);
  }));

  it.concurrent('--require-2fa: without 2FA exit 1 with the fix; with 2FA and --otp the org requires 2FA', withOrgCli(async (ctx) => {
    const no = await ctx.cli('bob', ['org', 'create', 'safeco', '--require-2fa']);
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('You must turn on two-factor authentication before creating an org that requires it.');
    expect(no.stderr).toContain('Run `orgctl profile enable-2fa`, or create the org without --require-2fa.');
    const ok = await ctx.cli('alice', ['org', 'create', 'safeco', '--require-2fa', '--otp', ctx.otp(), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ org: 'safeco', owner: 'alice', requireTfa: true });
    expect(await ctx.required('safeco')).toBe(true);
  }));
});

describe('orgctl org delete', () => {
  it.concurrent('without a terminal and without --yes: exit 2, nothing sent', withOrgCli(async (ctx) => {
    const r = await ctx.cli('alice', ['org', 'delete', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('org delete needs confirmation');
    expect(writesLogged(ctx.reg)).toEqual([]);
  }));

  it.concurrent('--yes by the owner deletes it; --json has {org, deleted, members, teams, invitations}', withOrgCli(async (ctx) => {
    expect((await ctx.cli('bob', ['org', 'create', 'bobco'])).code).toBe(0);
    const r = await ctx.cli('bob', ['org', 'delete', 'bobco', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ org: 'bobco', deleted: true, members: 1, teams: 0, invitations: 0 });
    expect(ctx.reg.registry.core.org('bobco')).toBeUndefined();
  }));

  it.concurrent('a non-owner is refused (exit 1) before anything is deleted', withOrgCli(async (ctx) => {
    const r = await ctx.cli('bob', ['org', 'delete', 'acme', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('only owners of acme can delete it; you (bob) are a developer.');
    expect(ctx.reg.registry.core.org('acme')).toBeDefined();
  }));

  it.concurrent('refused while the org has packages (exit 1, with the fix)', withOrgCli(async (ctx) => {
    expect((await ctx.cli('bob', ['org', 'create', 'bobco'])).code).toBe(0);
    expect((await call(ctx.url, 'PUT', pkgPath('@bobco/lib'), { token: BOB.token, body: publishBody('@bobco/lib', '1.0.0') })).status).toBe(201);
    const r = await ctx.cli('bob', ['org', 'delete', 'bobco', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bobco still has a package in its scope (@bobco/lib). Unpublish it first.');
    expect(r.stderr).toContain('Unpublish the packages of @bobco/ first');
    expect(ctx.reg.registry.core.org('bobco')).toBeDefined();
  }));

  it.concurrent('on a terminal: the org name typed wrong cancels (exit 3); typed right, then the OTP, deletes it', withOrgCli(async (ctx) => {
    const env = { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token };
    const wrong = ptyCli(['org', 'delete', 'acme'], { env });
    await wrong.expect(/Type acme to confirm:/);
    wrong.sendLine('acm');
    const w = await wrong.wait();
    expect(w.code).toBe(3);
    expect(w.output).toContain('"acm" does not match "acme"; nothing was changed.');
    expect(ctx.reg.registry.core.org('acme')).toBeDefined();

    const right = ptyCli(['org', 'delete', 'acme'], { env });
    await right.expect(/This deletes acme: every member leaves it[^]*Type acme to confirm:/);
    right.sendLine('acme');
    await right.expect(/OTP/);
    right.sendLine(ctx.otp());
    const r = await right.wait();
    expect(r.code).toBe(0);
    expect(r.output).toContain('Deleted org acme (4 members, 1 team, 0 pending invitations).');
    expect(ctx.reg.registry.core.org('acme')).toBeUndefined();
  }));
});
