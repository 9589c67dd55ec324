import { nameProblem } from '../../shared/names.js';
import { conflict, CoreError, forbidden, invalid, notFound } from './errors.js';
import { OrgDomain } from './org-common.js';
import type { TypedOp } from './schema.js';
import { tfaOn } from './state.js';
import type { Actor, Credentials, OrgRec } from './types.js';

/** `PUT /-/orgctl/v1/orgs/:org` and `createOrg`'s answer. */
export interface OrgCreated {
  org: string;
  owner: string;
  requireTfa: boolean;
  created: string;
}

/** `DELETE /-/orgctl/v1/orgs/:org`'s answer: what went with the org. */
export interface OrgDeleted {
  org: string;
  deleted: true;
  members: number;
  teams: number;
  invitations: number;
}

export interface CreateOrgOptions {
  /** 2FA required from the start (the owner must have 2FA on) */
  requireTfa?: boolean;
  /** the audit event's actor; default the owner (an operator command passes its own name) */
  actor?: string;
  /** the caller's own checks, made again (synchronously) right before the commit */
  recheck?: () => void;
}

/**
 * Packages a host keeps in its own storage (the Verdaccio plugin's view of Verdaccio's): an org
 * must not be created over a scope that holds some (its owner would take them over), nor deleted
 * while its scope holds some.
 */
export interface HostPackages {
  /** the names of the packages in `@scope/` the host stores */
  stored(scope: string): Promise<string[]>;
  /** the packages in `@scope/` being created now, and how many creations were ever started there */
  creating(scope: string): { names: string[]; started: number };
}

const HOLDER = { user: 'a user', org: 'an org', scope: 'a package scope in use' } as const;

/** Creating and deleting orgs (extensions: npm has no public endpoint for either). */
export class OrgLifecycle extends OrgDomain {
  private host: HostPackages | null = null;

  /** Set by a host that stores packages itself, before it serves. */
  useHostPackages(host: HostPackages): void {
    this.host = host;
  }

  /**
   * The host's packages in `@org/`, as a function to call with no wait before the commit: its
   * storage is read now; the creations under way are read when it is called, and one started
   * during the read makes it throw 409 (the read may have missed what it stored).
   */
  private async hostScope(org: string): Promise<() => string[]> {
    const host = this.host;
    if (!host) return () => [];
    const before = host.creating(org).started;
    const stored = await host.stored(org);
    return () => {
      const now = host.creating(org);
      if (now.started !== before) throw conflict(`A package in @${org}/ was being published meanwhile. Try again.`);
      return [...stored, ...now.names];
    };
  }

  /**
   * The one rule for creating an org, used by the endpoint and by operator commands: `org` is a
   * valid name no user, org or package scope holds (npm's shared namespace); `ownerName` is an
   * existing user, who becomes its only member, an owner (and so in `developers`); with
   * `requireTfa` the owner must have 2FA on. Checks and commit in one tick. Throws 400, 404
   * (unknown owner), 409 (taken), 403 ETFAOWNER.
   */
  async createOrg(ownerName: string, org: string, opts: CreateOrgOptions = {}): Promise<OrgCreated> {
    const problem = nameProblem('org', org);
    if (problem) throw invalid(problem);
    const inHost = await this.hostScope(org);
    // From here to the commit, no wait: every check is on the state the commit changes.
    opts.recheck?.();
    const owner = this.state.user(ownerName);
    if (!owner) throw notFound(`User ${ownerName} not found.`);
    this.requireFree(org, inHost());
    const requireTfa = opts.requireTfa === true;
    if (requireTfa && !tfaOn(owner)) {
      throw forbidden(`${ownerName} must turn on two-factor authentication before creating an org that requires it. Run \`orgctl profile enable-2fa\`.`, 'ETFAOWNER');
    }
    const at = this.state.iso();
    const audit = this.state.auditOp(org, opts.actor ?? ownerName, 'org.create', undefined, { owner: ownerName, requireTfa });
    const rec: OrgRec = { name: org, created: at, requireTfa, tfaRequiredSince: requireTfa ? at : null, auditFrom: (audit.v as { id: number }).id };
    await this.state.commit([{ c: 'orgs', k: org, v: rec }, { c: 'members', k: `${org}:${ownerName}`, v: { role: 'owner', joined: at } }, audit]);
    return { org, owner: ownerName, requireTfa, created: at };
  }

  /**
   * `PUT /-/orgctl/v1/orgs/:org {requireTfa?}`: any signed-in user creates an org and owns it. A
   * token that may write to orgs (not read-only, not limited to other orgs); OTP (auth) when the
   * caller has 2FA. Every check is made again after the OTP check, by `createOrg`.
   */
  async create(actor: Actor, cred: Credentials, org: string, body: { requireTfa?: unknown }): Promise<OrgCreated> {
    if (body.requireTfa !== undefined && typeof body.requireTfa !== 'boolean') throw invalid('requireTfa must be true or false.');
    const requireTfa = body.requireTfa === true;
    const problem = nameProblem('org', org);
    if (problem) throw invalid(problem);
    const check = (a: Actor): void => {
      this.auth.tokenMayWrite(a, org);
      this.requireFree(org);
      if (requireTfa && !tfaOn(a.user)) {
        throw forbidden(`You must turn on two-factor authentication before creating an org that requires it. Run \`orgctl profile enable-2fa\`.`, 'ETFAOWNER');
      }
    };
    check(this.auth.reread(actor));
    const a = await this.auth.otpGate(actor, cred, 'auth');
    check(a);
    return this.createOrg(a.user.name, org, { requireTfa, recheck: () => check(this.auth.reread(a)) });
  }

  /** 409 ENAMETAKEN unless no user, org or package scope (here, or `hostPackages` in the host's storage) holds `name`. */
  private requireFree(name: string, hostPackages: readonly string[] = []): void {
    const holder = this.state.nameHolder(name) ?? (hostPackages.length > 0 ? 'scope' : null);
    if (holder) throw new CoreError('conflict', `The name ${name} is taken by ${HOLDER[holder]}: org names share one namespace with user names and package scopes. Choose another name.`, { code: 'ENAMETAKEN' });
  }

  /**
   * `DELETE /-/orgctl/v1/orgs/:org`: owners, OTP. Refused (409 EORGPACKAGES) while packages are
   * in the org's scope. One transaction deletes the org, its members, teams, team memberships,
   * invitations and removal records; the audit events stay in the store (with `org.delete`), and
   * an org created later with the same name starts a new log.
   */
  async deleteOrg(actor: Actor, cred: Credentials, org: string): Promise<OrgDeleted> {
    await this.governance(actor, cred, org, ['owner']);
    const inHost = await this.hostScope(org);
    this.governs(this.auth.reread(actor), org, ['owner']);
    const prefix = `@${org}/`;
    const pkgs = [...[...this.state.all('packages').keys()].filter((p) => p.startsWith(prefix)), ...inHost()];
    if (pkgs.length > 0) {
      throw new CoreError('conflict', `${org} still has ${pkgs.length === 1 ? 'a package' : `${pkgs.length} packages`} in its scope (${pkgs.slice(0, 5).join(', ')}${pkgs.length > 5 ? ', …' : ''}). Unpublish ${pkgs.length === 1 ? 'it' : 'them'} first.`, {
        code: 'EORGPACKAGES',
        extra: { packages: pkgs.length },
      });
    }
    const own = (k: string) => k.startsWith(`${org}:`);
    const ops: TypedOp[] = [{ c: 'orgs', k: org, v: null }];
    const members = this.state.memberNames(org).length;
    let teams = 0;
    let invitations = 0;
    for (const k of this.state.all('members').keys()) if (own(k)) ops.push({ c: 'members', k, v: null });
    for (const k of this.state.all('teamMembers').keys()) if (own(k)) ops.push({ c: 'teamMembers', k, v: null });
    for (const k of this.state.all('teams').keys()) if (own(k)) (teams++, ops.push({ c: 'teams', k, v: null }));
    for (const k of this.state.all('invitations').keys()) if (own(k)) (invitations++, ops.push({ c: 'invitations', k, v: null }));
    for (const k of this.state.all('removals').keys()) if (own(k)) ops.push({ c: 'removals', k, v: null });
    if (this.state.has('tfaSchedules', org)) ops.push({ c: 'tfaSchedules', k: org, v: null });
    // Grants and settings of the scope's packages (none published here; kept by a host such as Verdaccio)
    for (const k of this.state.all('packageGrants').keys()) if (own(k)) ops.push({ c: 'packageGrants', k, v: null });
    for (const k of this.state.all('packageSettings').keys()) if (k.startsWith(prefix)) ops.push({ c: 'packageSettings', k, v: null });
    ops.push(this.state.auditOp(org, actor.user.name, 'org.delete', undefined, { members, teams, invitations }));
    await this.state.commit(ops);
    return { org, deleted: true, members, teams, invitations };
  }
}
