import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerInvitesLs } from './ls.js';
import { registerInvitesAccept } from './accept.js';
import { registerInvitesDecline } from './decline.js';

/** `orgctl invites ls|accept|decline`: the invitee's side of organization invitations. */
export function registerInvites(program: Command, deps: AppDeps): Command {
  const invites = program.command('invites').description('Your invitations to organizations: list, accept, decline');
  registerInvitesLs(invites, deps);
  registerInvitesAccept(invites, deps);
  registerInvitesDecline(invites, deps);
  return invites;
}
