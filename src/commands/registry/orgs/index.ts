import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { registerLazily } from '../../lazy.js';

/** `orgctl registry orgs …`: orgs, for whoever runs the registry (against its data folder). */
export async function registerOrgs(parent: Command, deps: AppDeps, rest: readonly string[]): Promise<Command> {
  const orgs = parent.command('orgs').description('Operator: list orgs, and create one with its first owner (needs the data folder)');
  await registerLazily(orgs, deps, rest, [
    [['ls', 'list'], async () => { const m = await import('./ls.js'); return (p, d) => m.registerOrgsLs(p, d); }],
    [['create'], async () => { const m = await import('./create.js'); return (p, d) => m.registerOrgsCreate(p, d); }],
  ]);
  return orgs;
}
