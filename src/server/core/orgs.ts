import { normalizeRole, type Role } from '../../shared/names.js';
import { conflict, notFound, invalid } from './errors.js';
import { invitationMessage } from './messages.js';
import { bodyUser, INVITATION_DAYS, OrgDomain } from './org-common.js';
import { k2 } from './schema.js';
import { DAY, DEVELOPERS, tfaMethods, tfaOn } from './state.js';
import type { Actor, Credentials, InvitationRec } from './types.js';

/** Orgs and their members: the roster, changing a role or inviting (`npm org set`), removing (`npm org rm`). */
export class Orgs extends OrgDomain {
  /** `org:user` → ms until which a member who just left may still read the roster (npm org rm re-reads it) */
  private readonly justLeft = new Map<string, number>();

  /**
   * The roster: user → role, sorted by name. Any member may read it, and so may a member who left
   * by themself in the last minute: `npm org rm <org> <self>` reads it to count who is left.
   */
  roster(actor: Actor, org: string): Record<string, Role> {
    this.rosterAccess(actor, org);
    return this.rosterOf(org);
  }

  /** `roster()` as JSON text (the HTTP body), serialized once per membership change. */
  rosterJson(actor: Actor, org: string): string {
    this.rosterAccess(actor, org);
    const view = this.state.membersView(org);
    return (view.rosterJson ??= JSON.stringify(this.rosterOf(org)));
  }

  private rosterAccess(actor: Actor, org: string): void {
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    const left = this.justLeft.get(k2(org, actor.user.name));
    if (left === undefined || left < this.state.now()) this.requireMember(actor, org);
  }

  private rosterOf(org: string): Record<string, Role> {
    const members = this.state.members(org)!;
    const out: Record<string, Role> = {};
    for (const name of this.state.memberNames(org)) out[name] = members.get(name)!;
    return out;
  }

  /**
   * `PUT /-/org/:org/user`: changes a member's role, or invites a non-member (a pending
   * invitation valid for 7 days; `size` counts current members only).
   */
  async setMember(actor: Actor, cred: Credentials, org: string, body: { user?: unknown; role?: unknown }): Promise<{ org: { name: string; size: number }; user: string; role: Role; pending: boolean }> {
    const name = bodyUser(body);
    const role = body.role === undefined || body.role === null ? 'developer' : normalizeRole(body.role);
    if (!role) throw invalid('role must be one of owner, admin or developer');
    await this.governance(actor, cred, org, ['owner']);
    if (!this.invitable(name)) throw notFound(`User ${name} not found.`);
    const current = this.state.roleIn(org, name);
    const size = () => this.state.members(org)!.size;
    if (current) {
      if (current === role) return { org: { name: org, size: size() }, user: name, role, pending: false };
      if (current === 'owner' && this.ownerCount(org) === 1) throw conflict(`${name} is the last owner of ${org} and cannot be demoted. Make someone else an owner first.`);
      const rec = this.state.all('members').get(k2(org, name))!;
      await this.state.commit([
        { c: 'members', k: k2(org, name), v: { ...rec, role } },
        this.state.auditOp(org, actor.user.name, 'org.member.set', name, { from: current, to: role }),
        ...(current === 'owner' ? this.issuerLeftOps(org, name, actor.user.name, 'issuer_demoted') : []),
      ]);
      return { org: { name: org, size: size() }, user: name, role, pending: false };
    }
    const at = this.state.now();
    const existing = this.state.all('invitations').get(k2(org, name));
    if (existing && Date.parse(existing.expires) > at) {
      // Already invited (perhaps to be reinstated): keep its teams and expiry, take the new role.
      if (existing.role !== role || existing.by !== actor.user.name) {
        // The invitation is now this owner's to answer for (see issuerLeftOps).
        await this.state.commit([{ c: 'invitations', k: k2(org, name), v: { ...existing, role, by: actor.user.name } }, this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: existing.teams, reinstate: existing.reinstate })]);
      }
      return { org: { name: org, size: size() }, user: name, role, pending: true };
    }
    const inv: InvitationRec = {
      org,
      user: name,
      role,
      teams: [],
      created: this.state.iso(at),
      expires: this.state.iso(at + INVITATION_DAYS * DAY),
      by: actor.user.name,
      reinstate: false,
    };
    await this.state.commit([
      { c: 'invitations', k: k2(org, name), v: inv },
      this.state.outboxOp(name, invitationMessage({ org, user: name, by: actor.user.name, role, teams: [], reinstate: false, expires: inv.expires })),
      this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: [], reinstate: false }),
    ]);
    return { org: { name: org, size: size() }, user: name, role, pending: true };
  }

  /**
   * `DELETE /-/org/:org/user`: owners remove anyone; any member may remove themself (leave).
   * Removes from every team and keeps a removal record (role, teams) for 90 days.
   */
  async removeMember(actor: Actor, cred: Credentials, org: string, body: { user?: unknown }): Promise<{ user: string; org: string; userCount: number }> {
    const name = bodyUser(body);
    const self = name === actor.user.name;
    if (self) {
      const check = (a: Actor) => {
        this.requireOrg(org);
        this.requireMember(a, org);
        this.auth.tokenMayWrite(a, org);
      };
      check(actor);
      check(await this.auth.otpGate(actor, cred, 'auth'));
    } else {
      await this.governance(actor, cred, org, ['owner']);
    }
    const role = this.state.roleIn(org, name);
    if (!role) {
      const inv = this.state.all('invitations').get(k2(org, name));
      if (inv) {
        await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, actor.user.name, 'org.invite.revoke', name)]);
        return { user: name, org, userCount: this.state.members(org)!.size };
      }
      throw notFound(`${name} is not a member of ${org}.`);
    }
    if (role === 'owner' && this.ownerCount(org) === 1) throw conflict(`${name} is the last owner of ${org} and cannot be removed. Make someone else an owner first.`);
    const ops = this.removalOps(org, name, role, actor.user.name, self ? 'left' : 'removed');
    await this.state.commit(ops);
    if (self) {
      for (const [k, until] of this.justLeft) if (until < this.state.now()) this.justLeft.delete(k);
      this.justLeft.set(k2(org, name), this.state.now() + 60_000);
    }
    return { user: name, org, userCount: this.state.members(org)!.size };
  }

  /** Members with role, teams and, for owners and admins, 2FA state (null for others). */
  detailedMembers(actor: Actor, org: string): { user: string; role: Role; twoFactor: boolean | null; tfaMethods: ('totp' | 'webauthn')[] | null; teams: string[] }[] {
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    const myRole = this.requireMember(actor, org);
    const seeTfa = myRole === 'owner' || myRole === 'admin';
    const teamsByUser = new Map<string, string[]>();
    for (const [team, set] of this.state.teams(org)!) {
      if (team === DEVELOPERS) continue;
      for (const u of set) (teamsByUser.get(u) ?? teamsByUser.set(u, []).get(u)!).push(team);
    }
    const members = this.state.members(org)!;
    return this.state.memberNames(org).map((user) => ({
      user,
      role: members.get(user)!,
      twoFactor: seeTfa ? tfaOn(this.state.user(user)!) : null,
      tfaMethods: seeTfa ? tfaMethods(this.state.user(user)!) : null,
      teams: (teamsByUser.get(user) ?? []).sort(),
    }));
  }
}
