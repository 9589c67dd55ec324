import type { Command } from 'commander';
import type { AppDeps, Connection } from '../../factory.js';
import type { HttpMethod, RegistryClient } from '../../client/client.js';
import { withOtp } from '../../client/otp.js';
import { explainMissing, type Need } from '../../client/capabilities.js';
import { CliError, UsageError } from '../../errors.js';
import { nameProblem, withArticle, type Role } from '../../shared/names.js';
import type { IO } from '../../ui/io.js';
import type { Prompter } from '../../ui/prompter.js';
import { expectMembers, type MemberDetail } from './roster.js';
import { addExamples, addJsonOption, addOtpOption, addRegistryOption, checkOtp, withConnection, type RegistryFlags } from '../common.js';

/**
 * What the org, team and org 2FA commands share: their flags, argument checks, the registry paths
 * (npm's libnpmorg / libnpmteam paths and orgctl's extensions, docs/registry-api.md) and the wire
 * types.
 */

/** `--registry`, `--otp`, `--json`: every org and team command takes them. */
export interface BaseOptions {
  registry?: string;
  otp?: string;
  json: boolean;
}

export type OrgDeps = Pick<AppDeps, 'io' | 'connect' | 'prompter'> & Partial<Pick<AppDeps, 'clock'>>;

export type { MemberDetail } from './roster.js';

/** A member enforcement removes (or would remove). */
export interface RemovedMember {
  user: string;
  role: Role;
  teams: string[];
}

/** Adds `--registry`, `--otp`, `--json` and the examples block. */
export function addBaseOptions(cmd: Command, examples: string[]): Command {
  addRegistryOption(cmd);
  addOtpOption(cmd);
  addJsonOption(cmd);
  return addExamples(cmd, examples);
}

export function baseOptions(flags: RegistryFlags): BaseOptions {
  return { registry: flags.registry, otp: checkOtp(flags.otp), json: !!flags.json };
}

/** An org name from the command line; one leading `@` is dropped, as npm does (exit 2 when invalid). */
export function checkOrgName(raw: string): string {
  const name = raw.replace(/^@/, '');
  const problem = nameProblem('org', name);
  if (problem) throw new UsageError(problem);
  return name;
}

/** A user name from the command line; one leading `@` is dropped, as the registry does. */
export function checkMemberName(raw: string): string {
  const name = raw.replace(/^@/, '');
  const problem = nameProblem('user', name);
  if (problem) throw new UsageError(problem);
  return name;
}

/** npm's `[@]org:team` (libnpmteam: `^@?([^:]+):(.*)$`); with `teamOptional`, `[@]org` alone too. */
export function parseTeamSpec(raw: string, teamOptional = false): { org: string; team?: string } {
  const m = /^@?([^:]+)(?::(.*))?$/s.exec(raw);
  if (!m || (m[2] === undefined && !teamOptional)) {
    throw new UsageError(`expected @org:team, got ${JSON.stringify(raw)}`, 'Example: orgctl team create @acme:devs');
  }
  // The pattern took the one optional '@' already: `@@acme:devs` is refused, as `org ls @@acme` is.
  const orgProblem = nameProblem('org', m[1]);
  if (orgProblem) throw new UsageError(orgProblem);
  const org = m[1]!;
  if (m[2] === undefined) return { org };
  const problem = nameProblem('team', m[2]);
  if (problem) throw new UsageError(problem);
  return { org, team: m[2] };
}

/** Parses a whole number of `min` or more (exit 2 otherwise, with the same message for every flag). */
export function parseCount(raw: string, flag: string, min = 0): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(countProblem(flag, raw, min));
  return n;
}

export function countProblem(flag: string, raw: string, min: number): string {
  return `${flag} must be a whole number of ${min} or more, got ${JSON.stringify(raw)}`;
}

const enc = encodeURIComponent;
export const paths = {
  orgUsers: (org: string) => `-/org/${enc(org)}/user`,
  orgTeams: (org: string) => `-/org/${enc(org)}/team`,
  team: (org: string, team: string) => `-/team/${enc(org)}/${enc(team)}`,
  teamUsers: (org: string, team: string) => `-/team/${enc(org)}/${enc(team)}/user`,
  orgPackages: (org: string) => `-/org/${enc(org)}/package`,
  teamPackages: (org: string, team: string) => `-/team/${enc(org)}/${enc(team)}/package`,
  /** orgctl's extension for the org itself (create, delete). */
  extOrg: (org: string) => `-/orgctl/v1/orgs/${enc(org)}`,
  /** orgctl's extensions under `/-/orgctl/v1/orgs/:org/`. */
  ext: (org: string, rest: string) => `-/orgctl/v1/orgs/${enc(org)}/${rest}`,
};

/**
 * The registry as these commands use it: reads are plain requests; writes run inside npm's
 * otplease (`withOtp`), and a code that worked is kept for the next write of the same command,
 * as npm's one otplease around `org rm`'s two requests does.
 */
export class OrgApi {
  private readonly otp: Parameters<typeof withOtp>[1];
  constructor(
    readonly client: RegistryClient,
    deps: { otp?: string; io: IO; prompter: Pick<Prompter, 'otp'> },
  ) {
    // A security-key challenge is answered in the browser (client/web-auth.ts).
    this.otp = { ...deps, webAuth: { client, io: deps.io } };
  }

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    return this.client.request<T>('GET', path, { query });
  }

  /** A read whose JSON answer is returned as the registry's bytes, unparsed (output passed through). */
  getBytes(path: string, query?: Record<string, string | number | undefined>): Promise<Buffer[]> {
    return this.client.request<Buffer[]>('GET', path, { query, bytes: true });
  }

  write<T>(method: HttpMethod, path: string, body?: unknown, opts: { retry?: boolean } = {}): Promise<T> {
    return withOtp(async (otp) => {
      const res = await this.client.request<T>(method, path, { body, otp, retry: opts.retry });
      this.otp.otp = otp;
      return res;
    }, this.otp);
  }
}

/**
 * Connects (a token is required), runs `fn` with an OrgApi, and releases the connection. `need`
 * is what the command uses (npm's org endpoints by default, or one of orgctl's features): when
 * the registry answers that a path does not exist, the error says whether it lacks that
 * (src/client/capabilities.ts) or the org, user or team is missing.
 */
export function withOrgApi<T>(
  deps: OrgDeps,
  opts: BaseOptions,
  command: string,
  fn: (api: OrgApi, conn: Connection) => Promise<T>,
  need: Need = 'orgs',
): Promise<T> {
  return withConnection(deps, { registry: opts.registry, command, auth: 'required' }, async (conn) => {
    try {
      return await fn(new OrgApi(conn.client, { otp: opts.otp, io: deps.io, prompter: deps.prompter }), conn);
    } catch (err) {
      throw await explainMissing(err, conn.client, need);
    }
  });
}

export { withArticle };

/** "1 member", "3 members". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Who the caller is in `org` (`GET /-/whoami`, then the detailed roster filtered to them), so a
 * command can refuse with a clear reason before it previews or asks anything. The registry checks
 * again on the write.
 */
export async function callerIn(api: OrgApi, org: string): Promise<MemberDetail> {
  const { fetchUsername } = await import('../whoami.js');
  const me = await fetchUsername(api.client);
  const path = paths.ext(org, 'members');
  const [member] = expectMembers(await api.get(path, { user: me }), `GET /${path}`);
  if (!member) throw new CliError(`you (${me}) are not a member of ${org}.`);
  return member;
}

/** Refuses (exit 1) unless the caller is an owner of `org`. */
export function requireOwner(member: MemberDetail, org: string, action: string): void {
  if (member.role !== 'owner') throw new CliError(`only owners of ${org} can ${action}; you (${member.user}) are ${withArticle(member.role)}.`);
}
