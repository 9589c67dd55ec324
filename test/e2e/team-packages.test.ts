/**
 * End to end: `orgctl team ls … --packages`, the built CLI against the reference registry: a
 * team's grants and the org's packages you may use, as `npm access list packages` shows them.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { withOrgCli, USERS } from '../helpers/org-cli.js';
import { call } from '../helpers/http.js';
import { publishBody, pkgPath } from '../helpers/packages.js';

jest.setTimeout(60_000);

describe('team ls --packages', () => {
  it.concurrent("a team's grants and your packages of the org; --json is {package: permission}", withOrgCli(async (ctx) => {
    expect((await call(ctx.url, 'PUT', pkgPath('@acme/widget'), { token: USERS.bob.token, body: publishBody('@acme/widget', '1.0.0') })).status).toBe(201);
    const grant = await call(ctx.url, 'PUT', '/-/team/acme/core/package', { token: USERS.alice.token, otp: ctx.otp(), body: { package: '@acme/widget', permissions: 'read-only' } });
    expect(grant.status).toBe(201);
    expect(await ctx.cli('bob', ['team', 'ls', '@acme:core', '--packages'])).toMatchObject({ code: 0, stdout: '@acme:core has access to 1 package:\n@acme/widget: read-only\n', stderr: '' });
    expect(await ctx.cli('bob', ['team', 'ls', '@acme:developers', '--packages', '--json'])).toMatchObject({ code: 0, stdout: '{"@acme/widget":"read-write"}\n' });
    expect(await ctx.cli('erin', ['team', 'ls', '@acme', '--packages'])).toMatchObject({ code: 0, stdout: 'You have access to 1 package of @acme:\n@acme/widget: read-write\n' });
    expect(await ctx.cli('bob', ['team', 'ls', '@acme:nope', '--packages'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Team acme:nope not found.') });
  }));
});
