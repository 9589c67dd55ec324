// `npm token list/create/revoke` (real npm CLI) against the reference registry.
import { describe, expect, it, jest } from '@jest/globals';
import { npmErrors } from '../helpers/npm.js';
import { answerPasswordThenOtp, EOTP_LINES, USERS, expectNpmError, expectOk, NPM_TEST_TIMEOUT, withRegistry, type RegistryContext, type SeedUser } from './setup.js';

jest.setTimeout(NPM_TEST_TIMEOUT);

interface TokenObject {
  key: string;
  token: string;
  name?: string;
  created: string;
  readonly?: boolean;
  cidr_whitelist?: string[] | null;
}

async function tokensOf(ctx: RegistryContext, user: SeedUser): Promise<TokenObject[]> {
  const r = await ctx.api('/-/npm/v1/tokens', { as: user });
  expect(r.status).toBe(200);
  expect(r.body.urls).toBeDefined(); // npm reads urls.next and crashes without it
  return r.body.objects as TokenObject[];
}

async function whoamiWith(ctx: RegistryContext, token: string): Promise<number | string> {
  const r = await ctx.api('/-/whoami', { token });
  return r.status === 200 ? (r.body.username as string) : r.status;
}

describe('npm token', () => {
  it.concurrent('list prints one "Token … with id … name … created …" entry per token, ids from --json', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const json = await npm.run(['token', 'list', '--json']);
    expectOk(json);
    const listed = JSON.parse(json.stdout) as (TokenObject & { id: string })[];
    const server = await tokensOf(ctx, 'bob');
    expect(server).toHaveLength(1); // bob's seeded token
    expect(listed.map(({ id: _id, ...t }) => t)).toEqual(server);
    for (const t of listed) {
      expect(t.id.length).toBeGreaterThanOrEqual(6);
      expect(t.key.startsWith(t.id)).toBe(true);
      // the list must never reveal a usable secret
      expect(t.token).not.toBe(USERS.bob.token);
    }

    const text = await npm.run(['token', 'list']);
    expectOk(text);
    const expected = listed
      .map(
        (t) =>
          `Token ${t.token}… with id ${t.id} name ${t.name} created ${String(t.created).slice(0, 10)}\n` +
          (t.cidr_whitelist ? `with IP whitelist: ${t.cidr_whitelist.join(',')}\n` : '') +
          '\n',
      )
      .join('');
    expect(text.stdout).toBe(expected);

    const parseable = await npm.run(['token', 'list', '--parseable']);
    expectOk(parseable);
    expect(parseable.stdout.split('\n')[0]).toBe('key\ttoken\tid\tname\tcreated\treadonly\tCIDR whitelist');
    expect(parseable.stdout.split('\n').filter(Boolean)).toHaveLength(listed.length + 1);
  }));

  it.concurrent('create (user without 2FA, --password) prints a working token that then shows in the list', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const before = await tokensOf(ctx, 'bob');
    const r = await npm.run(['token', 'create', '--name=ci', `--password=${USERS.bob.password}`]);
    expectOk(r);
    const m = /^Created token (\S+)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const token = m![1];
    expect(await whoamiWith(ctx, token)).toBe('bob');

    const after = await tokensOf(ctx, 'bob');
    expect(after).toHaveLength(before.length + 1);
    const added = after.filter((t) => !before.some((b) => b.key === t.key));
    expect(added).toHaveLength(1);
    expect(added[0].name).toBe('ci');
    expect(added[0].created.slice(0, 10)).toBe(new Date(ctx.clock.now()).toISOString().slice(0, 10));

    // and npm can use it
    const other = await ctx.npmWithToken(token);
    const who = await other.run(['whoami']);
    expectOk(who);
    expect(who.stdout).toBe('bob\n');
  }));

  it.concurrent('create --json and --parseable print the token fields without key/updated', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const j = await npm.run(['token', 'create', '--name=one', '--json', `--password=${USERS.bob.password}`]);
    expectOk(j);
    // npm 11 redacts npm_… secrets in --json/--parseable output (only the text form prints the token)
    expect(JSON.parse(j.stdout)).toEqual(
      expect.objectContaining({ token: 'npm_***', name: 'one', created: new Date(ctx.clock.now()).toISOString() }),
    );
    expect(JSON.parse(j.stdout)).not.toHaveProperty('key');
    expect(JSON.parse(j.stdout)).not.toHaveProperty('updated');

    const p = await npm.run(['token', 'create', '--name=two', '--parseable', `--password=${USERS.bob.password}`]);
    expectOk(p);
    const rows = p.stdout.split('\n').filter(Boolean);
    expect(rows).toContain('token\tnpm_***');
    expect(rows).toContain('name\ttwo');
    expect(rows.map((r) => r.split('\t')[0])).not.toContain('key');
    expect((await tokensOf(ctx, 'bob')).map((t) => t.name).sort()).toEqual(['one', 'seed', 'two']);
  }));

  it.concurrent('create with a wrong password fails and creates nothing', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const before = await tokensOf(ctx, 'bob');
    const r = await npm.run(['token', 'create', '--name=x', '--password=not-the-password']);
    expectNpmError(r, /^E40[13]$/);
    expect(r.stdout).toBe('');
    expect(await tokensOf(ctx, 'bob')).toEqual(before);
  }));

  it.concurrent('create for a 2FA user needs an OTP: EOTP without, success with --otp', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const before = await tokensOf(ctx, 'alice');
    const no = await npm.run(['token', 'create', '--name=ci', `--password=${USERS.alice.password}`]);
    expectNpmError(no, 'EOTP');
    expect(npmErrors(no.stderr)).toEqual(EOTP_LINES);
    expect(await tokensOf(ctx, 'alice')).toEqual(before);

    const yes = await npm.run(['token', 'create', '--name=ci', `--password=${USERS.alice.password}`, `--otp=${ctx.otp('alice')}`]);
    expectOk(yes);
    const token = /^Created token (\S+)\n$/.exec(yes.stdout)?.[1];
    expect(token).toBeDefined();
    expect(await whoamiWith(ctx, token!)).toBe('alice');
    expect(await tokensOf(ctx, 'alice')).toHaveLength(before.length + 1);
  }));

  it.concurrent('create on a TTY prompts for the password, then for the OTP after the challenge', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('dave');
    const s = npm.pty(['token', 'create', '--name=tty']);
    await answerPasswordThenOtp(s, USERS.dave.password, ctx.otp('dave'));
    const r = await s.wait();
    expect(r.code).toBe(0);
    const token = /\nCreated token (npm_\S+)\n/.exec(r.output)?.[1];
    expect(token).toBeDefined();
    expect(r.output).not.toContain(USERS.dave.password); // the password prompt is silent
    expect(await whoamiWith(ctx, token!)).toBe('dave');
  }));

  it.concurrent('revoke <id> removes exactly that token, which stops working', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const created = await npm.run(['token', 'create', '--name=tmp', `--password=${USERS.bob.password}`]);
    expectOk(created);
    const secret = /^Created token (\S+)\n$/.exec(created.stdout)![1];
    expect(await whoamiWith(ctx, secret)).toBe('bob');

    const list = JSON.parse((await npm.run(['token', 'list', '--json'])).stdout) as (TokenObject & { id: string })[];
    const entry = list.find((t) => t.name === 'tmp');
    expect(entry).toBeDefined();

    const r = await npm.run(['token', 'revoke', entry!.id]);
    expectOk(r);
    expect(r.stdout).toBe('Removed 1 token\n');
    expect(await whoamiWith(ctx, secret)).toBe(401);
    const after = await tokensOf(ctx, 'bob');
    expect(after.map((t) => t.key)).toEqual(list.filter((t) => t.key !== entry!.key).map((t) => t.key));
    // the session doing the revoking still works
    expect(await whoamiWith(ctx, USERS.bob.token)).toBe('bob');
  }));

  it.concurrent('revoke --json by full key, for a 2FA user with --otp', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('alice');
    const created = await npm.run([
      'token', 'create', '--name=tmp', `--password=${USERS.alice.password}`, `--otp=${ctx.otp('alice')}`,
    ]);
    expectOk(created);
    const secret = /^Created token (\S+)\n$/.exec(created.stdout)![1];
    const entry = (await tokensOf(ctx, 'alice')).find((t) => t.name === 'tmp');
    expect(entry).toBeDefined();

    const r = await npm.run(['token', 'revoke', entry!.key, '--json', `--otp=${ctx.otp('alice')}`]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual([entry!.key]);
    expect(await whoamiWith(ctx, secret)).toBe(401);
  }));

  // Regression (found by this suite, fixed in the server): the token list's `token` field is the
  // redacted display form. npm prints it as `Token <token>…` (npm appends the ellipsis itself)
  // and accepts `npm token revoke <token value>` only if the value starts with it
  // (token.js: `id.indexOf(t.token) === 0`). A server that put `…` into the field broke both.
  it.concurrent('revoke <token value> works: the listed token is a prefix of the secret', withRegistry(async (ctx) => {
    const npm = await ctx.npmAs('bob');
    const created = await npm.run(['token', 'create', '--name=by-value', `--password=${USERS.bob.password}`]);
    expectOk(created);
    const secret = /^Created token (\S+)\n$/.exec(created.stdout)![1];
    const listed = (await tokensOf(ctx, 'bob')).find((t) => t.name === 'by-value')!;
    expect(secret.startsWith(listed.token)).toBe(true);
    expect(listed.token.length).toBeLessThan(secret.length);

    const r = await npm.run(['token', 'revoke', secret]);
    expectOk(r);
    expect(r.stdout).toBe('Removed 1 token\n');
    expect(await whoamiWith(ctx, secret)).toBe(401);
    expect((await tokensOf(ctx, 'bob')).map((t) => t.name)).toEqual(['seed']);
  }));
});
