import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerLazily, type LazyCommand } from '../lazy.js';

/** The subcommands of `org`, in help order; each module is imported only when the command line needs it. */
const SUBCOMMANDS: LazyCommand<AppDeps>[] = [
  [['ls', 'list'], async () => { const m = await import('./ls.js'); return (p, d) => m.registerOrgLs(p, d); }],
  [['set', 'add'], async () => { const m = await import('./set.js'); return (p, d) => m.registerOrgSet(p, d); }],
  [['create'], async () => { const m = await import('./create.js'); return (p, d) => m.registerOrgCreate(p, d); }],
  [['delete'], async () => { const m = await import('./delete.js'); return (p, d) => m.registerOrgDelete(p, d); }],
  [['rm', 'remove'], async () => { const m = await import('./rm.js'); return (p, d) => m.registerOrgRm(p, d); }],
  [['2fa'], async () => { const m = await import('./2fa/index.js'); return (p, d, rest) => m.registerOrg2fa(p, d, rest); }],
  [['invite'], async () => { const m = await import('./invite.js'); return (p, d) => m.registerOrgInvite(p, d); }],
  [['invites'], async () => { const m = await import('./invites.js'); return (p, d) => m.registerOrgInvites(p, d); }],
  [['audit'], async () => { const m = await import('./audit.js'); return (p, d) => m.registerOrgAudit(p, d); }],
];

/** `orgctl org …`: members, roles, the 2FA policy, invitations and the audit log of an org. */
export async function registerOrg(program: Command, deps: AppDeps, rest: readonly string[] = []): Promise<Command> {
  const org = program.command('org').description('Manage an organization: create or delete it, members, 2FA policy, invitations, audit log');
  await registerLazily(org, deps, rest, SUBCOMMANDS);
  return org;
}
