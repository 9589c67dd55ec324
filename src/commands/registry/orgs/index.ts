import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { registerLazily } from '../../lazy.js';

/** `orgctl registry orgs …`: orgs, for whoever runs the registry (against its data folder). */
export async function registerOrgs(parent: Command, deps: AppDeps, rest: readonly string[]): Promise<Command> {
  const orgs = parent.command('orgs').description('Operator: list orgs, create one with its first owner, make someone an owner (needs the data folder)');
  await registerLazily(orgs, deps, rest, [
    [['ls', 'list'], async () => { const m = await import('./ls.js'); return (p, d) => m.registerOrgsLs(p, d); }],
    [['create'], async () => { const m = await import('./create.js'); return (p, d) => m.registerOrgsCreate(p, d); }],
    [['set-owner'], async () => { const m = await import('./set-owner.js'); return (p, d) => m.registerOrgsSetOwner(p, d); }],
  ]);
  return orgs;
}
