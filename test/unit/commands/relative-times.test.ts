/**
 * Issue 18 (12): tables show relative times on a terminal (`in 7 days`, `just now`) and ISO times
 * in a pipe and in --json. Run functions in-process against the reference registry, with the
 * registry's clock injected into the CLI so "now" is the same on both sides.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { testIO } from '../../helpers/test-io.js';
import { fakePrompter } from '../../helpers/fake-prompter.js';
import { startOrgCli, USERS, type OrgCliContext, type UserName } from '../../helpers/org-cli.js';
import { createDeps } from '../../../src/factory.js';
import { memoryTokenStore } from '../../../src/auth/token-store.js';
import { orgInvitesLsRun } from '../../../src/commands/org/invites.js';
import { invitesLsRun } from '../../../src/commands/invites/ls.js';
import { auditRun } from '../../../src/commands/org/audit.js';

let ctx: OrgCliContext;
beforeEach(async () => {
  ctx = await startOrgCli();
  const r = await ctx.cli('alice', ['org', 'invite', 'acme', 'carol', '--otp', ctx.otp()]);
  expect(r.code).toBe(0);
});
afterEach(() => ctx.close());

function depsFor(user: UserName, tty: boolean) {
  const io = testIO({ stdoutTTY: tty, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: USERS[user].token } });
  return { io, deps: createDeps(io, { tokenStore: async () => memoryTokenStore(), npmConfig: () => ({ env: {}, files: [] }), prompter: fakePrompter(), clock: ctx.clock }) };
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/;

describe('relative times on a terminal, ISO elsewhere', () => {
  it('org invites ls: EXPIRES "in 7 days" on a terminal; ISO in a pipe and in --json', async () => {
    const tty = depsFor('alice', true);
    await orgInvitesLsRun({ org: 'acme', json: false }, tty.deps);
    expect(tty.io.stdoutText()).toMatch(/^carol +developer +- +in 7 days +pending\s*$/m);
    const pipe = depsFor('alice', false);
    await orgInvitesLsRun({ org: 'acme', json: false }, pipe.deps);
    expect(pipe.io.stdoutText()).toMatch(new RegExp(`^carol +developer +- +${ISO.source} +pending`, 'm'));
    const json = depsFor('alice', true);
    await orgInvitesLsRun({ org: 'acme', json: true }, json.deps);
    expect(JSON.parse(json.io.stdoutText())[0].expires).toMatch(ISO);
  });

  it('invites ls (the invitee): "in 7 days", and after the clock moves 5 days, "in 2 days"', async () => {
    const a = depsFor('carol', true);
    await invitesLsRun({ json: false }, a.deps);
    expect(a.io.stdoutText()).toMatch(/^acme +developer +- +in 7 days\s*$/m);
    ctx.clock.advance(5 * 24 * 3600_000);
    const b = depsFor('carol', true);
    await invitesLsRun({ json: false }, b.deps);
    expect(b.io.stdoutText()).toMatch(/^acme +developer +- +in 2 days\s*$/m);
  });

  it('org audit: "just now" on a terminal, ISO in a pipe', async () => {
    const tty = depsFor('alice', true);
    await auditRun({ org: 'acme', json: false }, tty.deps);
    expect(tty.io.stdoutText()).toMatch(/^just now {2}alice {2}org\.invite\.create {2}carol/m);
    const pipe = depsFor('alice', false);
    await auditRun({ org: 'acme', json: false }, pipe.deps);
    expect(pipe.io.stdoutText()).toMatch(new RegExp(`^${ISO.source} {2}alice {2}org\\.invite\\.create `, 'm'));
  });
});
