import type { Role } from '../../shared/names.js';
import { CoreError } from './errors.js';
import { tfaReminderMessage } from './messages.js';
import { OrgDomain, scheduleView, type ScheduleView } from './org-common.js';
import type { TypedOp } from './schema.js';
import type { Actor, AuditEvent, Credentials, RemovalRec } from './types.js';

/** An org's 2FA policy (extensions): status, preview, require (with removals), lift, remind, removal records, audit log. */
export class OrgTfa extends OrgDomain {
  /** Whether 2FA is required, how many members, who has no 2FA, and the scheduled requirement if any. Owners and admins. */
  tfaStatus(actor: Actor, org: string): { org: string; required: boolean; since: string | null; members: number; withoutTwoFactor: string[]; scheduled: ScheduleView | null } {
    this.requireRole(actor, org, ['owner', 'admin']);
    const rec = this.state.org(org)!;
    const s = this.state.get('tfaSchedules', org);
    return {
      org,
      required: rec.requireTfa,
      since: rec.tfaRequiredSince,
      members: this.state.members(org)!.size,
      withoutTwoFactor: this.withoutTfa(org).map((m) => m.user),
      scheduled: s ? scheduleView(s) : null,
    };
  }

  /** Who enforcement would remove, with role and teams. Owners and admins. */
  tfaPreview(actor: Actor, org: string): { org: string; required: boolean; wouldRemove: { user: string; role: Role; teams: string[] }[]; notices: 'email' | 'outbox' } {
    this.requireRole(actor, org, ['owner', 'admin']);
    return { org, required: this.state.org(org)!.requireTfa, wouldRemove: this.withoutTfa(org), notices: this.state.notices };
  }

  /**
   * Requires 2FA for `org` and removes every member without it, in one all-or-nothing transaction:
   * membership, teams, a removal record each (90 days), a notification each, audit events.
   * The owner must have 2FA. `maxRemovals` refuses (409, nothing changed) when more would go.
   */
  async requireTfa(
    actor: Actor,
    cred: Credentials,
    org: string,
    opts: { maxRemovals?: number } = {},
  ): Promise<{ org: string; required: true; alreadyRequired: boolean; removed: { user: string; role: Role; teams: string[] }[]; notices: 'email' | 'outbox' }> {
    this.tfaOwnerCheck(this.auth.reread(actor), org);
    this.tfaOwnerCheck(await this.auth.otpGate(actor, cred, 'auth'), org);
    const rec = this.state.org(org)!;
    const { ops, removed } = this.enforceOps(org, actor.user.name);
    if (opts.maxRemovals !== undefined && removed.length > opts.maxRemovals) {
      throw new CoreError('conflict', `Requiring 2FA would remove ${removed.length} members of ${org}, more than the limit of ${opts.maxRemovals}. Nothing was changed.`, {
        code: 'EMAXREMOVALS',
        extra: { wouldRemove: removed.length },
      });
    }
    if (ops.length > 0) await this.state.commit(ops);
    return { org, required: true, alreadyRequired: rec.requireTfa, removed, notices: this.state.notices };
  }

  /** Lifts the requirement. Owners, with an OTP. */
  async liftTfa(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; required: false; wasRequired: boolean }> {
    await this.governance(actor, cred, org, ['owner']);
    const rec = this.state.org(org)!;
    if (rec.requireTfa) {
      await this.state.commit([{ c: 'orgs', k: org, v: { ...rec, requireTfa: false, tfaRequiredSince: null } }, this.state.auditOp(org, actor.user.name, 'org.tfa.disable')]);
    }
    return { org, required: false, wasRequired: rec.requireTfa };
  }

  /** Notifies every member without 2FA that it will be required. Owners and admins. */
  async remindTfa(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; notified: string[]; notices: 'email' | 'outbox' }> {
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const users = this.withoutTfa(org).map((m) => m.user);
    const notices = this.state.notices;
    if (users.length === 0) return { org, notified: [], notices };
    const ops: TypedOp[] = users.map((u) => this.state.outboxOp(u, tfaReminderMessage({ org, user: u })));
    ops.push(this.state.auditOp(org, actor.user.name, 'org.tfa.remind', undefined, { users }));
    await this.state.commit(ops);
    return { org, notified: users, notices };
  }

  /** Removal records that have not expired, newest first. Owners. */
  removals(actor: Actor, org: string): RemovalRec[] {
    this.requireRole(actor, org, ['owner']);
    const now = this.state.now();
    const out: RemovalRec[] = [];
    for (const [k, r] of this.state.all('removals')) if (k.startsWith(`${org}:`) && Date.parse(r.expires) > now) out.push(r);
    return out.sort((a, b) => (a.removedAt > b.removedAt ? -1 : a.removedAt < b.removedAt ? 1 : a.user < b.user ? -1 : 1));
  }

  /** The org's audit events, newest first. Owners and admins. */
  audit(actor: Actor, org: string, opts: { since?: number; limit?: number } = {}): AuditEvent[] {
    this.requireRole(actor, org, ['owner', 'admin']);
    const keys = this.state.auditKeysOf(org) ?? [];
    const events = this.state.all('audit');
    const out: AuditEvent[] = [];
    const limit = opts.limit ?? 1000;
    // An org created with the name of a deleted one: the old org's events are not its own.
    const from = this.state.org(org)!.auditFrom ?? 0;
    for (let i = keys.length - 1; i >= 0 && out.length < limit; i--) {
      const ev = events.get(keys[i]!);
      if (!ev) continue;
      if (ev.id < from) break;
      if (opts.since !== undefined && Date.parse(ev.time) < opts.since) break;
      out.push(ev);
    }
    return out;
  }
}
