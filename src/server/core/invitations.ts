import { nameProblem, normalizeRole, type Role } from '../../shared/names.js';
import { CoreError, conflict, forbidden, invalid, notFound } from './errors.js';
import { invitationMessage } from './messages.js';
import { INVITATION_DAYS, OrgDomain, REMOVAL_RECORD_DAYS } from './org-common.js';
import { k2, k3, type TypedOp } from './schema.js';
import { DAY, DEVELOPERS, tfaOn } from './state.js';
import type { Actor, Credentials, InvitationRec, MemberRec } from './types.js';

/** An invitation as the API shows it: the record plus whether it has expired. */
export interface InvitationView extends InvitationRec {
  expired: boolean;
  /** the org requires 2FA from this time (a scheduled requirement; joining needs 2FA already), or null */
  tfaRequiredFrom: string | null;
}

/** Invitations (extensions): invite in bulk or reinstate, list, revoke; the invitee accepts or declines. */
export class Invitations extends OrgDomain {
  private invitationView(inv: InvitationRec): InvitationView {
    return { org: inv.org, user: inv.user, role: inv.role, teams: inv.teams, created: inv.created, expires: inv.expires, expired: Date.parse(inv.expires) <= this.state.now(), reinstate: inv.reinstate, by: inv.by, tfaRequiredFrom: this.state.get('tfaSchedules', inv.org)?.at ?? null };
  }

  /**
   * Invites users in one transaction; each request succeeds or is reported in `failed`, and the
   * others still go through. `reinstate` takes role and teams from the user's removal record;
   * `reinstateAll` invites everyone with a removal record. Owners only; OTP when 2FA is on.
   */
  async invite(
    actor: Actor,
    cred: Credentials,
    org: string,
    req: { invitations?: unknown; reinstateAll?: unknown },
  ): Promise<{ org: string; invited: InvitationView[]; failed: { user: string; error: string; code: string }[] }> {
    let list: { user?: unknown; role?: unknown; teams?: unknown; reinstate?: unknown }[];
    if (req.reinstateAll === true) {
      list = [];
    } else if (Array.isArray(req.invitations) && req.invitations.length > 0 && req.invitations.length <= 10_000) {
      list = req.invitations.map((x) => (typeof x === 'object' && x !== null ? x : { user: x }));
    } else {
      throw invalid('invitations must be a list of 1 to 10000 {"user", "role"?, "teams"?, "reinstate"?}, or set reinstateAll');
    }
    await this.governance(actor, cred, org, ['owner']);
    const now = this.state.now();
    const removals = this.state.all('removals');
    if (req.reinstateAll === true) {
      for (const [k, r] of removals) if (k.startsWith(`${org}:`) && Date.parse(r.expires) > now) list.push({ user: r.user, reinstate: true });
      list.sort((a, b) => ((a.user as string) < (b.user as string) ? -1 : 1));
    }
    const invited: InvitationView[] = [];
    const failed: { user: string; error: string; code: string }[] = [];
    const ops: TypedOp[] = [];
    const seen = new Set<string>();
    const teams = this.state.teams(org)!;
    for (const item of list) {
      const user = typeof item.user === 'string' ? item.user.replace(/^@/, '') : item.user;
      const shown = typeof user === 'string' ? user.slice(0, 214) : String(user);
      const fail = (error: string, code: string) => failed.push({ user: shown, error, code });
      const p = nameProblem('user', user);
      if (p) {
        fail(p, 'EBADNAME');
        continue;
      }
      const name = user as string;
      if (seen.has(name)) {
        fail('listed more than once', 'EDUPLICATE');
        continue;
      }
      seen.add(name);
      if (!this.invitable(name)) {
        fail(`no such user`, 'ENOUSER');
        continue;
      }
      if (this.state.roleIn(org, name)) {
        fail(`already a member of ${org}`, 'EMEMBER');
        continue;
      }
      const existing = this.state.all('invitations').get(k2(org, name));
      if (existing && Date.parse(existing.expires) > now) {
        fail(`already invited (until ${existing.expires})`, 'EINVITED');
        continue;
      }
      let role: Role | null;
      let inviteTeams: string[];
      const reinstate = item.reinstate === true;
      if (reinstate) {
        const rec = removals.get(k2(org, name));
        if (!rec || Date.parse(rec.expires) <= now) {
          fail(`no removal record for ${name} in ${org} (records are kept ${REMOVAL_RECORD_DAYS} days)`, 'ENORECORD');
          continue;
        }
        role = rec.role;
        inviteTeams = rec.teams.filter((t) => teams.has(t));
      } else {
        role = item.role === undefined || item.role === null ? 'developer' : normalizeRole(item.role);
        if (!role) {
          fail(`bad role ${JSON.stringify(item.role)}: use owner, admin or developer`, 'EBADROLE');
          continue;
        }
        const t = item.teams ?? [];
        if (!Array.isArray(t) || !t.every((x) => typeof x === 'string')) {
          fail('teams must be a list of team names', 'EBADTEAM');
          continue;
        }
        const missing = (t as string[]).filter((x) => !teams.has(x));
        if (missing.length > 0) {
          fail(`no such team in ${org}: ${missing.join(', ')}`, 'EBADTEAM');
          continue;
        }
        inviteTeams = [...new Set((t as string[]).filter((x) => x !== DEVELOPERS))].sort();
      }
      const inv: InvitationRec = { org, user: name, role, teams: inviteTeams, created: this.state.iso(now), expires: this.state.iso(now + INVITATION_DAYS * DAY), by: actor.user.name, reinstate };
      ops.push({ c: 'invitations', k: k2(org, name), v: inv });
      ops.push(this.state.outboxOp(name, invitationMessage({ org, user: name, by: actor.user.name, role, teams: inviteTeams, reinstate, expires: inv.expires, orgRequiresTfa: this.state.org(org)!.requireTfa || this.state.has('tfaSchedules', org) })));
      ops.push(this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: inviteTeams, reinstate }));
      invited.push(this.invitationView(inv));
    }
    if (ops.length > 0) await this.state.commit(ops);
    return { org, invited, failed };
  }

  /** Pending and expired invitations of an org. Owners and admins. */
  orgInvitations(actor: Actor, org: string): InvitationView[] {
    this.requireRole(actor, org, ['owner', 'admin']);
    const out: InvitationView[] = [];
    for (const [k, inv] of this.state.all('invitations')) if (k.startsWith(`${org}:`)) out.push(this.invitationView(inv));
    return out.sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  /** Revokes a pending (or expired) invitation. Owners only; OTP when 2FA is on. */
  async revokeInvitation(actor: Actor, cred: Credentials, org: string, user: string): Promise<{ org: string; user: string; revoked: true }> {
    const p = nameProblem('user', user);
    if (p) throw invalid(p);
    await this.governance(actor, cred, org, ['owner']);
    if (!this.state.all('invitations').has(k2(org, user))) throw notFound(`${user} has no invitation to ${org}.`);
    await this.state.commit([{ c: 'invitations', k: k2(org, user), v: null }, this.state.auditOp(org, actor.user.name, 'org.invite.revoke', user)]);
    return { org, user, revoked: true };
  }

  /** The caller's pending invitations (expired ones are left out). */
  myInvitations(actor: Actor): InvitationView[] {
    const out: InvitationView[] = [];
    const now = this.state.now();
    const suffix = `:${actor.user.name}`;
    for (const [k, inv] of this.state.all('invitations')) {
      if (k.endsWith(suffix) && inv.user === actor.user.name && Date.parse(inv.expires) > now) out.push(this.invitationView(inv));
    }
    return out.sort((a, b) => (a.org < b.org ? -1 : 1));
  }

  private pendingInvitation(actor: Actor, org: string): InvitationRec {
    this.requireOrg(org);
    const inv = this.state.all('invitations').get(k2(org, actor.user.name));
    if (!inv) throw notFound(`You have no invitation to ${org} (it may have been revoked or declined).`);
    if (Date.parse(inv.expires) <= this.state.now()) throw new CoreError('not_found', `Your invitation to ${org} expired on ${inv.expires}. Ask an owner of ${org} to invite you again.`, { code: 'EEXPIRED' });
    return inv;
  }

  /**
   * Joins with the invitation's role and teams (those that still exist). Refused (403, the
   * invitation stays) when the org requires 2FA and the invitee has none.
   */
  async acceptInvitation(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; role: Role; teams: string[] }> {
    const check = (a: Actor): InvitationRec => {
      this.auth.tokenMayWrite(a, org);
      const inv = this.pendingInvitation(a, org);
      // A scheduled requirement gates joining at once: a new member would only be removed at the deadline.
      const from = this.state.get('tfaSchedules', org)?.at;
      if ((this.state.org(org)!.requireTfa || from) && !tfaOn(a.user)) {
        const req = from ? `requires two-factor authentication to join (and of every member from ${from})` : 'requires two-factor authentication';
        throw forbidden(`${org} ${req}. Turn it on (orgctl profile enable-2fa), then accept the invitation again; it stays pending until ${inv.expires}.`, 'ETFAREQUIRED');
      }
      return inv;
    };
    check(this.auth.reread(actor));
    // Decided again on the state after the OTP check: the invitation, the org's 2FA rule, our 2FA.
    const inv = check(await this.auth.otpGate(actor, cred, 'auth'));
    const name = actor.user.name;
    if (this.state.roleIn(org, inv.by) !== 'owner') {
      // Only owners invite: an invitation whose issuer is no longer one grants nothing (stores
      // from before issuerLeftOps may still hold such invitations).
      await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, name, 'org.invite.revoke', name, { reason: 'issuer_removed', issuer: inv.by })]);
      throw forbidden(`Your invitation to ${org} is no longer valid: ${inv.by}, who sent it, is no longer an owner of ${org}. Ask a current owner to invite you again.`, 'EINVITEVOID');
    }
    if (this.state.roleIn(org, name)) {
      await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }]);
      throw conflict(`You are already a member of ${org}.`);
    }
    const teams = inv.teams.filter((t) => this.state.teams(org)!.has(t));
    const at = this.state.iso();
    const ops: TypedOp[] = [
      { c: 'invitations', k: k2(org, name), v: null },
      { c: 'members', k: k2(org, name), v: { role: inv.role, joined: at } satisfies MemberRec },
      ...teams.map((t): TypedOp => ({ c: 'teamMembers', k: k3(org, t, name), v: { added: at } })),
      this.state.auditOp(org, name, 'org.invite.accept', name, { role: inv.role, teams, reinstate: inv.reinstate }),
    ];
    if (this.state.all('removals').has(k2(org, name))) ops.push({ c: 'removals', k: k2(org, name), v: null });
    await this.state.commit(ops);
    return { org, role: inv.role, teams };
  }

  async declineInvitation(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; declined: true }> {
    this.requireOrg(org);
    const name = actor.user.name;
    if (!this.state.all('invitations').has(k2(org, name))) throw notFound(`You have no invitation to ${org}.`);
    this.auth.tokenMayWrite(actor, org);
    this.auth.tokenMayWrite(await this.auth.otpGate(actor, cred, 'auth'), org);
    if (!this.state.all('invitations').has(k2(org, name))) throw notFound(`You have no invitation to ${org}.`);
    await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, name, 'org.invite.decline', name)]);
    return { org, declined: true };
  }
}
