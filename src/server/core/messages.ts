import { withArticle, type Role } from '../../shared/names.js';
import type { Message } from './state.js';

/**
 * Every notification the registry sends, in one place: kind, subject and text. Pure functions of
 * the facts they report; the caller stores them with `CoreState.outboxOp` in the same transaction
 * as the change, and the MailQueue delivers them (plain text, plus an HTML part made from the
 * text: outbox.ts `htmlOf`). A new notification is a function here returning a Message with its
 * own `kind`.
 */

/** "a" or "an" before `role` (see withArticle). */
export function article(role: string): string {
  return withArticle(role).split(' ')[0]!;
}

function inTeams(teams: readonly string[]): string {
  return teams.length ? ` in team${teams.length > 1 ? 's' : ''} ${teams.join(', ')}` : '';
}

/** An invitation to join `org` (`PUT /-/org/:org/user` for a non-member, or the invitations API). */
export function invitationMessage(m: { org: string; user: string; by: string; role: Role; teams: readonly string[]; reinstate: boolean; expires: string; orgRequiresTfa?: boolean }): Message {
  return {
    kind: m.reinstate ? 'reinstatement' : 'invitation',
    subject: m.reinstate ? `You are invited back to the ${m.org} organization` : `You are invited to join the ${m.org} organization`,
    text: `Hello ${m.user},\n\n${m.by} invited you to join ${m.org} as ${article(m.role)} ${m.role}${inTeams(m.teams)}${m.reinstate ? ' (your former role and teams)' : ''}. The invitation expires on ${m.expires}.\n\nAccept it: orgctl invites accept ${m.org}${m.orgRequiresTfa ? `\n${m.org} requires two-factor authentication: turn it on first (orgctl profile enable-2fa).` : ''}\n`,
  };
}

/** A member removed because `org` now requires 2FA and they have none. */
export function tfaRemovalMessage(m: { org: string; user: string; role: Role; teams: readonly string[]; recordDays: number }): Message {
  return {
    kind: 'tfa-removal',
    subject: `You were removed from the ${m.org} organization`,
    text: `Hello ${m.user},\n\nThe ${m.org} organization now requires two-factor authentication, and your account does not have it, so you were removed from ${m.org} (you were ${article(m.role)} ${m.role}${inTeams(m.teams)}). You no longer have access to its packages.\n\nTo come back: turn on two-factor authentication (orgctl profile enable-2fa), then ask an owner of ${m.org} to re-invite you; accepting restores your former role and teams for ${m.recordDays} days.\n`,
  };
}

/** A member without 2FA, warned that `org` will require it. */
export function tfaReminderMessage(m: { org: string; user: string }): Message {
  return {
    kind: 'tfa-reminder',
    subject: `${m.org} will require two-factor authentication`,
    text: `Hello ${m.user},\n\nThe owners of the ${m.org} organization plan to require two-factor authentication. Members without it will be removed from ${m.org} and lose access to its packages.\n\nTurn it on now: orgctl profile enable-2fa (or npm profile enable-2fa).\n`,
  };
}

/** An operator turned off `user`'s 2FA (a lost authenticator): tokens revoked, removed from the orgs that require 2FA. */
export function tfaResetMessage(m: { user: string; tokens: number; removedFrom: readonly { org: string; role: Role; teams: readonly string[] }[]; recordDays: number }): Message {
  const orgs = m.removedFrom.map((r) => `  - ${r.org} (you were ${article(r.role)} ${r.role}${inTeams(r.teams)})\n`).join('');
  return {
    kind: 'account-recovery',
    subject: 'Two-factor authentication was turned off on your account',
    text:
      `Hello ${m.user},\n\nThe registry's operator turned off two-factor authentication on your account, as asked for an account recovery. ` +
      `${m.tokens === 0 ? 'You had no tokens' : m.tokens === 1 ? 'Your token was revoked' : `Your ${m.tokens} tokens were revoked`}: log in again with your password, then turn two-factor authentication back on (orgctl profile enable-2fa).\n` +
      (orgs
        ? `\nThese organizations require two-factor authentication, so you were removed from them:\n${orgs}\nTo come back: turn on two-factor authentication (orgctl profile enable-2fa), then ask an owner to re-invite you; accepting restores your former role and teams for ${m.recordDays} days.\n`
        : '') +
      `\nIf you did not ask for this, tell the registry's operator at once.\n`,
  };
}

/** An operator made `user` an owner of `org` (`registry orgs set-owner`, e.g. after the only owner lost their second factor). */
export function operatorOwnerMessage(m: { org: string; user: string; from: Role | null }): Message {
  return {
    kind: 'operator-owner',
    subject: `You are now an owner of ${m.org}`,
    text:
      `Hello ${m.user},\n\nThe registry's operator made you an owner of the organization ${m.org}` +
      `${m.from ? ` (you were ${article(m.from)} ${m.from})` : ''}. ` +
      `Owners manage members, teams, invitations and the org's 2FA requirement: orgctl org ls ${m.org}.\n` +
      `\nIf you did not expect this, tell the registry's operator at once.\n`,
  };
}

/** A member without 2FA, told that `org` will require it from `at` (`org 2fa enforce --grace|--at`). */
export function tfaScheduledMessage(m: { org: string; user: string; by: string; at: string }): Message {
  return {
    kind: 'tfa-scheduled',
    subject: `${m.org} will require two-factor authentication from ${m.at}`,
    text: `Hello ${m.user},\n\n${m.by} scheduled the ${m.org} organization to require two-factor authentication from ${m.at}. Your account does not have it: at that time you will be removed from ${m.org} and lose access to its packages.\n\nTurn it on before then: orgctl profile enable-2fa (or npm profile enable-2fa).\n`,
  };
}

/** A member still without 2FA, reminded `left` (`72 hours`, `24 hours`) before the deadline. */
export function tfaDeadlineReminderMessage(m: { org: string; user: string; at: string; left: string }): Message {
  return {
    kind: 'tfa-deadline-reminder',
    subject: `${m.left} left: ${m.org} requires two-factor authentication from ${m.at}`,
    text: `Hello ${m.user},\n\nThe ${m.org} organization requires two-factor authentication from ${m.at}, ${m.left} from now. Your account still does not have it: at that time you will be removed from ${m.org}.\n\nTurn it on now: orgctl profile enable-2fa (or npm profile enable-2fa).\n`,
  };
}

/** An owner of `org`: the scheduled enforcement was held at the deadline because it would remove more than the limit. */
export function tfaScheduleHeldMessage(m: { org: string; user: string; at: string; reason: string }): Message {
  return {
    kind: 'tfa-schedule-held',
    subject: `Scheduled 2FA enforcement for ${m.org} is on hold`,
    text: `Hello ${m.user},\n\nTwo-factor authentication was scheduled to be required for ${m.org} from ${m.at}. It was not enforced: ${m.reason}. Nothing was removed, and the schedule is on hold.\n\nSee who is still without 2FA: orgctl org 2fa status ${m.org}\nEnforce now: orgctl org 2fa enforce ${m.org}\nOr cancel: orgctl org 2fa cancel ${m.org}\n`,
  };
}

/** A member without 2FA: the scheduled requirement for `org` was cancelled. */
export function tfaScheduleCancelledMessage(m: { org: string; user: string; by: string; at: string }): Message {
  return {
    kind: 'tfa-schedule-cancelled',
    subject: `${m.org} no longer plans to require two-factor authentication on ${m.at}`,
    text: `Hello ${m.user},\n\n${m.by} cancelled the requirement of two-factor authentication that was scheduled for the ${m.org} organization from ${m.at}. You stay a member.\n\nTwo-factor authentication still protects your account: orgctl profile enable-2fa.\n`,
  };
}
