import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerOrgLs } from './ls.js';
import { registerOrgSet } from './set.js';
import { registerOrgRm } from './rm.js';
import { registerOrg2fa } from './2fa/index.js';
import { registerAudit } from './audit.js';
import { registerOrgInvite } from './invite.js';
import { registerOrgInvites } from './invites.js';

/** `orgctl org …`: members, roles, the 2FA policy, invitations and the audit log of an org. */
export function registerOrg(program: Command, deps: AppDeps): Command {
  const org = program.command('org').description('Manage an organization: members, 2FA policy, invitations, audit log');
  registerOrgLs(org, deps);
  registerOrgSet(org, deps);
  registerOrgRm(org, deps);
  registerOrg2fa(org, deps);
  registerOrgInvite(org, deps);
  registerOrgInvites(org, deps);
  registerAudit(org, deps);
  return org;
}
