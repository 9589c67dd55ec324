/**
 * Job: the context of the org, team and org 2FA command tests: a registry of their own (registry.ts;
 * basic seed unless told otherwise), the built CLI run as a seed user (run-cli.ts), and reads of the
 * registry's state to check what changed.
 *
 *   it.concurrent('…', withOrgCli(async (ctx) => { await ctx.cli('alice', ['org', 'ls', 'acme']); … }))
 *   const ctx = await startOrgCli(seed); …; await ctx.close()
 */
import { startRegistry, withFresh, type StartRegistryOptions, type TestRegistry } from './registry.js';
import { totp, type TestClock } from './clock.js';
import { call } from './http.js';
import { ALICE, BASIC, DAVE, USERS, type SeedUserName } from './fixtures.js';
import { runCli, type CliResult, type RunCliOptions } from './run-cli.js';
import type { MemoryMailer, OutboxMessage } from '../../src/server/core/outbox.js';

export { USERS };
export type UserName = SeedUserName;

export interface OrgCliContext {
  reg: TestRegistry;
  url: string;
  clock: TestClock;
  /** The current TOTP code of alice (or dave). */
  otp(user?: 'alice' | 'dave'): string;
  /** `orgctl …` (built) as `user` (ORGCTL_TOKEN), against this registry; stdin is not a TTY. */
  cli(user: UserName, args: string[], opts?: RunCliOptions): Promise<CliResult>;
  /** The npm roster `{user: role}`, read by alice (or `as`). */
  roster(org?: string, as?: UserName): Promise<Record<string, string>>;
  /** Members of a team, read by alice. */
  team(org: string, team: string): Promise<string[]>;
  /** The org's 2FA policy, read by alice. */
  required(org?: string): Promise<boolean>;
  /** Notifications delivered so far (in memory). */
  sent(): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

/** Starts a registry for one test; call `close()` at the end (or use `withOrgCli`). */
export async function startOrgCli(seed: string | object = BASIC, opts: Omit<StartRegistryOptions, 'seed'> = {}): Promise<OrgCliContext> {
  const reg = await startRegistry({ ...opts, seed });
  const { clock } = reg;
  const read = async (path: string, as: UserName = 'alice') => {
    const r = await call(reg.url, 'GET', path, { token: USERS[as].token });
    if (r.status !== 200) throw new Error(`GET ${path} as ${as}: ${r.status} ${r.text}`);
    return r.body;
  };
  return {
    reg,
    url: reg.url,
    clock,
    otp: (user = 'alice') => totp({ alice: ALICE, dave: DAVE }[user].secret, clock.now()),
    cli: (user, args, opts = {}) => runCli(args, { ...opts, env: { ORGCTL_REGISTRY: reg.url, ORGCTL_TOKEN: USERS[user].token, ...opts.env } }),
    roster: (org = 'acme', as = 'alice') => read(`/-/org/${org}/user`, as),
    team: (org, team) => read(`/-/team/${org}/${team}/user?format=cli`),
    required: async (org = 'acme') => (await read(`/-/orgctl/v1/orgs/${org}/tfa`)).required,
    sent: async () => {
      await reg.registry.core.outboxIdle();
      return (reg.registry.core.mailer as MemoryMailer).sent;
    },
    close: () => reg.close(),
  };
}

/** Wraps a test body with a fresh registry that is closed afterwards. */
export function withOrgCli(fn: (ctx: OrgCliContext) => Promise<void>, seed?: string | object): () => Promise<void> {
  return withFresh(() => startOrgCli(seed), fn);
}

/** The writes the registry logged (one line per request: `METHOD /path STATUS time`). */
export function writesLogged(reg: TestRegistry): string[] {
  return reg.logs.filter((l) => /^(PUT|POST|DELETE|PATCH) /.test(l));
}
