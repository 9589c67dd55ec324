import { nameProblem, type Role, isEmailAddress } from '../../shared/names.js';
import { conflict, CoreError, invalid, notFound } from './errors.js';
import { operatorOwnerMessage, tfaResetMessage } from './messages.js';
import { OrgDomain, REMOVAL_RECORD_DAYS } from './org-common.js';
import { k2, type TypedOp } from './schema.js';
import { hashPassword } from './secrets.js';
import { tfaOn, type CoreState } from './state.js';
import type { Auth } from './auth.js';
import type { OrgLifecycle } from './org-lifecycle.js';
import type { OrgRec, UserRec } from './types.js';

/**
 * Who operator changes are made by, in audit events and removal records. Not a possible user name
 * (names have no parentheses), so an account cannot pass for the operator in the audit log.
 */
export const OPERATOR = '(operator)';

/** A user as `registry users ls` shows it. */
export interface AdminUser {
  name: string;
  email: string | null;
  /** `pending`: enrolled, first code not given yet */
  twoFactor: 'on' | 'off' | 'pending';
  disabled: boolean;
  orgs: string[];
  created: string;
}

/** An org as `registry orgs ls` shows it. */
export interface AdminOrg {
  name: string;
  members: number;
  requireTfa: boolean;
  owners: string[];
  created: string;
}

/** `orgs.set-owner`: `from` is the former role, null for someone who was not a member. */
export interface AdminSetOwner {
  org: string;
  user: string;
  from: Role | null;
  role: 'owner';
  changed: boolean;
}

export interface TfaResetResult {
  user: string;
  twoFactor: 'off';
  tokensRevoked: number;
  removedFrom: { org: string; role: Role; teams: string[] }[];
}

/**
 * Operator actions (`orgctl registry users …`, `registry orgs …`), for whoever runs the registry:
 * no actor, no credentials, no OTP. They are reached only through the data folder (the running
 * server's admin socket, or the store opened by the command itself; docs/registry-api.md
 * "Operator commands"), so the file permissions of that folder are the credential.
 */
export class Admin extends OrgDomain {
  constructor(
    state: CoreState,
    auth: Auth,
    private readonly lifecycle: OrgLifecycle,
  ) {
    super(state, auth);
  }

  listUsers(): AdminUser[] {
    return [...this.state.all('users').values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((u) => this.userView(u));
  }

  /** A new account with a password (at least 8 characters); the name must be free (users, orgs, scopes). */
  async addUser(name: string, email: string, password: string): Promise<AdminUser> {
    const check = () => {
      const problem = nameProblem('user', name);
      if (problem) throw invalid(problem);
      if (!isEmailAddress(email)) throw invalid(`email must be an email address, got ${JSON.stringify(email)}`);
      // The one namespace (state.nameHolder): users, orgs and the scopes of published packages.
      const holder = this.state.nameHolder(name);
      if (holder === 'user') throw conflict(`User ${name} already exists.`);
      if (holder === 'org') throw conflict(`${name} is the name of an org; user and org names share one namespace.`);
      if (holder === 'scope') throw conflict(`${name} is a package scope in use; user names share one namespace with orgs and scopes.`);
    };
    check();
    if (password.length < 8) throw invalid('Password must be at least 8 characters long.');
    const hash = await this.auth.passwords.run('operator', name, () => hashPassword(password));
    check(); // again: created while we hashed
    const at = this.state.iso();
    const rec: UserRec = { name, email, emailVerified: false, password: hash, created: at, updated: at, tfa: null };
    await this.state.commit([{ c: 'users', k: name, v: rec }, this.state.auditOp(null, OPERATOR, 'user.create', name)]);
    return this.userView(rec);
  }

  /** Disables or enables an account; `changed` is false when it already was. */
  async setDisabled(name: string, disabled: boolean): Promise<{ user: string; disabled: boolean; changed: boolean }> {
    const u = this.requireUser(name);
    if (!!u.disabled === disabled) return { user: name, disabled, changed: false };
    const next: UserRec = { ...u, disabled, updated: this.state.iso() };
    await this.state.commit([{ c: 'users', k: name, v: next }, this.state.auditOp(null, OPERATOR, disabled ? 'user.disable' : 'user.enable', name)]);
    return { user: name, disabled, changed: true };
  }

  /**
   * Account recovery for a lost authenticator, in one transaction: 2FA off (recovery codes with
   * it), every token revoked, and the user taken out of each org that requires 2FA through the
   * enforcement path (removal record with role and teams, reason `tfa_reset`, so an owner can
   * reinstate them once they enrol again), audit events and a notification. Refused, with nothing
   * changed, when the user is the only owner of such an org.
   */
  async resetTfa(name: string): Promise<TfaResetResult> {
    const u = this.requireUser(name);
    if (!u.tfa) throw conflict(`${name} has no two-factor authentication to reset.`);
    const removedFrom: TfaResetResult['removedFrom'] = [];
    const orphaned: string[] = [];
    for (const org of this.state.orgsOf(name)) {
      if (!this.state.org(org)!.requireTfa) continue;
      const role = this.state.roleIn(org, name)!;
      if (role === 'owner' && this.ownerCount(org) === 1) orphaned.push(org);
      removedFrom.push({ org, role, teams: this.state.teamsOf(org, name) });
    }
    if (orphaned.length > 0) {
      const list = orphaned.join(', ');
      throw new CoreError(
        'conflict',
        `${name} is the only owner of ${list}, which require${orphaned.length === 1 ? 's' : ''} two-factor authentication: resetting it would leave ${orphaned.length === 1 ? 'that org' : 'those orgs'} without an owner. Nothing was changed. First make another member an owner (orgctl org set ${orphaned[0]} <user> owner, or as the operator: orgctl registry orgs set-owner ${orphaned[0]} <user>), or lift the requirement (orgctl org 2fa disable ${orphaned[0]}).`,
        { code: 'ELASTOWNER', extra: { orgs: orphaned } },
      );
    }
    const tokens = [...this.state.tokenKeysOf(name)];
    const ops: TypedOp[] = [{ c: 'users', k: name, v: { ...u, tfa: null, ...(u.keys ? { keys: [] } : {}), updated: this.state.iso() } }, { c: 'otpUses', k: name, v: null }];
    for (const k of tokens) ops.push({ c: 'tokens', k, v: null });
    for (const r of removedFrom) ops.push(...this.removalOps(r.org, name, r.role, OPERATOR, 'tfa_reset'));
    ops.push(this.state.auditOp(null, OPERATOR, 'user.tfa.operator-reset', name, { tokensRevoked: tokens.length, removedFrom: removedFrom.map((r) => r.org) }));
    ops.push(this.state.outboxOp(name, tfaResetMessage({ user: name, tokens: tokens.length, removedFrom, recordDays: REMOVAL_RECORD_DAYS })));
    await this.state.commit(ops);
    return { user: name, twoFactor: 'off', tokensRevoked: tokens.length, removedFrom };
  }

  /**
   * Makes `user` an owner of `org`: the way back for an org whose only owner lost both their second
   * factor and their recovery codes (then `users reset-2fa` works for them). A member is promoted;
   * anyone else joins as an owner at once (a pending invitation of theirs to the org is used up).
   * In an org that requires 2FA the new owner must have it on; a disabled account is refused.
   */
  async setOwner(org: string, user: string): Promise<AdminSetOwner> {
    const problem = nameProblem('org', org);
    if (problem) throw invalid(problem);
    const u = this.requireUser(user);
    const o = this.state.org(org);
    if (!o) throw notFound(`Org ${org} not found.`);
    if (u.disabled) throw conflict(`${user} is disabled: enable the account first (orgctl registry users enable ${user}). Nothing was changed.`);
    if (o.requireTfa && !tfaOn(u)) {
      throw new CoreError('conflict', `${org} requires two-factor authentication and ${user} has it off: an owner of ${org} must have it on. Nothing was changed. Choose a user with 2FA on, or have ${user} turn it on first (orgctl profile enable-2fa).`, { code: 'ETFAREQUIRED' });
    }
    const from = this.state.roleIn(org, user) ?? null;
    if (from === 'owner') return { org, user, from, role: 'owner', changed: false };
    const rec = this.state.all('members').get(k2(org, user));
    const ops: TypedOp[] = [{ c: 'members', k: k2(org, user), v: { ...rec, role: 'owner', joined: rec?.joined ?? this.state.iso() } }];
    if (this.state.all('invitations').has(k2(org, user))) ops.push({ c: 'invitations', k: k2(org, user), v: null });
    ops.push(this.state.auditOp(org, OPERATOR, 'org.member.set', user, { from, to: 'owner' }));
    ops.push(this.state.outboxOp(user, operatorOwnerMessage({ org, user, from })));
    await this.state.commit(ops);
    return { org, user, from, role: 'owner', changed: true };
  }

  listOrgs(): AdminOrg[] {
    return [...this.state.all('orgs').values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((o) => this.orgView(o));
  }

  /**
   * Creates an org with `owner` as its owner (and so in its `developers` team), for bootstrapping
   * without a seed: the one org-creation rule (`OrgLifecycle.createOrg`), with the operator as the
   * audit actor.
   */
  async createOrg(name: string, owner: string, requireTfa: boolean): Promise<AdminOrg> {
    const problemOwner = nameProblem('user', owner);
    if (problemOwner) throw invalid(problemOwner);
    await this.lifecycle.createOrg(owner, name, { requireTfa, actor: OPERATOR });
    return this.orgView(this.state.org(name)!);
  }

  private requireUser(name: string): UserRec {
    const problem = nameProblem('user', name);
    if (problem) throw invalid(problem);
    const u = this.state.user(name);
    if (!u) throw notFound(`User ${name} not found.`);
    return u;
  }

  private userView(u: UserRec): AdminUser {
    return { name: u.name, email: u.email, twoFactor: !u.tfa ? 'off' : u.tfa.pending ? 'pending' : 'on', disabled: !!u.disabled, orgs: this.state.orgsOf(u.name), created: u.created };
  }

  private orgView(o: OrgRec): AdminOrg {
    const owners: string[] = [];
    const members = this.state.members(o.name)!;
    for (const m of this.state.memberNames(o.name)) if (members.get(m) === 'owner') owners.push(m);
    return { name: o.name, members: members.size, requireTfa: o.requireTfa, owners, created: o.created };
  }
}
