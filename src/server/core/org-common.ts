import { nameProblem, type Role } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { forbidden, invalid, notFound } from './errors.js';
import { article, tfaRemovalMessage } from './messages.js';
import { k2, k3, type TypedOp } from './schema.js';
import { DAY, tfaOn, type CoreState } from './state.js';
import type { Actor, Credentials, OrgRec, RemovalRec, TfaScheduleRec } from './types.js';

export const INVITATION_DAYS = 7;
export const REMOVAL_RECORD_DAYS = 90;

/**
 * What the org domains (orgs, teams, org 2FA policy, invitations) share: the org and membership
 * checks, `governance` (role, token limits and OTP, decided again after the OTP check), and the
 * ops that take a member out of an org.
 */
export abstract class OrgDomain {
  constructor(
    protected readonly state: CoreState,
    protected readonly auth: Auth,
  ) {}

  protected requireOrg(org: string): OrgRec {
    const problem = nameProblem('org', org);
    if (problem) throw invalid(problem);
    const rec = this.state.org(org);
    if (!rec) throw notFound(`Org ${org} not found.`);
    return rec;
  }

  protected requireMember(actor: Actor, org: string): Role {
    const role = this.state.roleIn(org, actor.user.name);
    if (!role) throw forbidden(`You are not a member of ${org}.`);
    return role;
  }

  protected requireRole(actor: Actor, org: string, allowed: Role[]): Role {
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    const role = this.requireMember(actor, org);
    if (!allowed.includes(role)) throw forbidden(`Only ${allowed.map((r) => `${r}s`).join(' and ')} of ${org} can see this; you are ${article(role)} ${role}.`);
    return role;
  }

  /** Owners only, OTP when the owner has 2FA, token allowed to write to the org. */
  protected async governance(actor: Actor, cred: Credentials, org: string, allowed: Role[]): Promise<Role> {
    this.governs(actor, org, allowed);
    // Again after the OTP check: an owner removed or demoted meanwhile acts no more.
    return this.governs(await this.auth.otpGate(actor, cred, 'auth'), org, allowed);
  }

  /** `governance`'s check without the OTP: for a decision made again after a later wait. */
  protected governs(a: Actor, org: string, allowed: Role[]): Role {
    this.requireOrg(org);
    const role = this.requireMember(a, org);
    if (!allowed.includes(role)) {
      throw forbidden(`Only ${allowed.length === 1 ? `${allowed[0]}s` : allowed.map((r) => `${r}s`).join(' and ')} of ${org} can do this; you are ${article(role)} ${role}.`);
    }
    this.auth.tokenMayWrite(a, org);
    return role;
  }

  /**
   * Whether `name` may be invited: an existing user, or, when sign-up needs an invitation, a name
   * nobody holds yet (the invitation is what lets its holder sign up).
   */
  protected invitable(name: string): boolean {
    return this.state.user(name) !== undefined || (this.state.signup === 'invite' && this.state.nameHolder(name) === null);
  }

  protected ownerCount(org: string): number {
    let n = 0;
    for (const r of this.state.members(org)!.values()) if (r === 'owner') n++;
    return n;
  }

  /**
   * Pending invitations to `org` issued by `issuer`, who is no longer an owner (removed, left or
   * demoted): revoked in the same transaction, each with an audit event. Only owners invite, so
   * an invitation must not outlive its issuer's right to give it.
   */
  protected issuerLeftOps(org: string, issuer: string, by: string, reason: 'issuer_removed' | 'issuer_demoted'): TypedOp[] {
    const ops: TypedOp[] = [];
    for (const [k, inv] of this.state.all('invitations')) {
      if (inv.org === org && inv.by === issuer) ops.push({ c: 'invitations', k, v: null }, this.state.auditOp(org, by, 'org.invite.revoke', inv.user, { reason, issuer }));
    }
    return ops;
  }

  /** Members of `org` without 2FA, with role and teams, by name. */
  protected withoutTfa(org: string): { user: string; role: Role; teams: string[] }[] {
    const members = this.state.members(org)!;
    const out: { user: string; role: Role; teams: string[] }[] = [];
    for (const user of this.state.memberNames(org)) {
      if (!tfaOn(this.state.user(user)!)) out.push({ user, role: members.get(user)!, teams: this.state.teamsOf(org, user) });
    }
    return out;
  }

  /** Who may require 2FA for `org`, now or at a deadline: an owner with 2FA on, whose token may write to the org. */
  protected tfaOwnerCheck(a: Actor, org: string): void {
    this.requireOrg(org);
    const role = this.requireMember(a, org);
    if (role !== 'owner') throw forbidden(`Only owners of ${org} can require 2FA; you are ${article(role)} ${role}.`);
    if (!tfaOn(a.user)) {
      throw forbidden(`You must turn on two-factor authentication before you can require it for ${org}. Run \`orgctl profile enable-2fa\`.`, 'ETFAOWNER');
    }
    this.auth.tokenMayWrite(a, org);
  }

  /**
   * The one enforcement transaction (now, or at a scheduled deadline): 2FA required, every member
   * without it removed (membership, teams, a removal record, a notification, audit events), any
   * schedule for the org resolved, and `org.tfa.require` by `by`. Build and commit in one tick.
   */
  protected enforceOps(org: string, by: string, detail: Record<string, unknown> = {}): { ops: TypedOp[]; removed: { user: string; role: Role; teams: string[] }[] } {
    const rec = this.state.org(org)!;
    const removed = this.withoutTfa(org);
    const ops: TypedOp[] = [];
    if (!rec.requireTfa) ops.push({ c: 'orgs', k: org, v: { ...rec, requireTfa: true, tfaRequiredSince: this.state.iso() } });
    for (const m of removed) {
      ops.push(...this.removalOps(org, m.user, m.role, by, 'tfa_noncompliance'));
      ops.push(this.state.outboxOp(m.user, tfaRemovalMessage({ org, user: m.user, role: m.role, teams: m.teams, recordDays: REMOVAL_RECORD_DAYS })));
    }
    const schedule = this.state.get('tfaSchedules', org);
    if (schedule) ops.push({ c: 'tfaSchedules', k: org, v: null });
    if (ops.length > 0) ops.push(this.state.auditOp(org, by, 'org.tfa.require', undefined, { removed: removed.map((m) => m.user), ...(schedule ? { schedule: { at: schedule.at, by: schedule.by, state: schedule.state } } : {}), ...detail }));
    return { ops, removed };
  }

  /** The ops that take `user` out of `org` and all its teams, with a removal record. */
  removalOps(org: string, user: string, role: Role, by: string, reason: string): TypedOp[] {
    const teams = this.state.teamsOf(org, user);
    const at = this.state.now();
    const ops: TypedOp[] = [{ c: 'members', k: k2(org, user), v: null }];
    for (const t of teams) ops.push({ c: 'teamMembers', k: k3(org, t, user), v: null });
    if (reason !== 'left') {
      const rec: RemovalRec = { org, user, role, teams, removedAt: this.state.iso(at), by, reason, expires: this.state.iso(at + REMOVAL_RECORD_DAYS * DAY) };
      ops.push({ c: 'removals', k: k2(org, user), v: rec });
    }
    ops.push(this.state.auditOp(org, by, 'org.member.remove', user, { role, teams, reason }));
    if (role === 'owner') ops.push(...this.issuerLeftOps(org, user, by, 'issuer_removed'));
    return ops;
  }
}

export function checkTeamName(team: string): void {
  const problem = nameProblem('team', team);
  if (problem) throw invalid(problem);
}

/** The `user` of a request body: one leading `@` dropped, checked against the name rules. */
export function bodyUser(body: { user?: unknown }): string {
  const user = typeof body.user === 'string' ? body.user.replace(/^@/, '') : body.user;
  const problem = nameProblem('user', user);
  if (problem) throw invalid(problem);
  return user as string;
}

/** A scheduled 2FA requirement as the API shows it (`org 2fa status --json` → `scheduled`). */
export interface ScheduleView {
  at: string;
  by: string;
  created: string;
  maxRemovals: number | null;
  state: 'pending' | 'held';
  /** held only: why, since when, how many would have been removed */
  heldReason: string | null;
  heldAt: string | null;
  wouldRemove: number | null;
}

export function scheduleView(s: TfaScheduleRec): ScheduleView {
  return { at: s.at, by: s.by, created: s.created, maxRemovals: s.maxRemovals, state: s.state, heldReason: s.heldReason ?? null, heldAt: s.heldAt ?? null, wouldRemove: s.wouldRemove ?? null };
}
