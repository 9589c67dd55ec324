import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { registerLazily, type LazyCommand } from '../../lazy.js';

/** The subcommands of `org 2fa`, in help order, imported only when the command line needs them. */
const SUBCOMMANDS: LazyCommand<AppDeps>[] = [
  [['status'], async () => { const m = await import('./status.js'); return (p, d) => m.registerOrgTfaStatus(p, d); }],
  [['enforce'], async () => { const m = await import('./enforce.js'); return (p, d) => m.registerOrgTfaEnforce(p, d); }],
  [['cancel'], async () => { const m = await import('./cancel.js'); return (p, d) => m.registerOrgTfaCancel(p, d); }],
  [['disable'], async () => { const m = await import('./disable.js'); return (p, d) => m.registerOrgTfaDisable(p, d); }],
  [['remind'], async () => { const m = await import('./remind.js'); return (p, d) => m.registerOrgTfaRemind(p, d); }],
];

/** `orgctl org 2fa …`: an org's two-factor policy. */
export async function registerOrg2fa(org: Command, deps: AppDeps, rest: readonly string[] = []): Promise<Command> {
  const tfa = org.command('2fa').description("Read, enforce (now or at a deadline), cancel or lift an org's two-factor authentication requirement");
  await registerLazily(tfa, deps, rest, SUBCOMMANDS);
  return tfa;
}
