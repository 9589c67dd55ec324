import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerLazily } from '../lazy.js';

/** `orgctl registry …`: the reference registry, and the operator commands on its data folder. */
export async function registerRegistry(program: Command, deps: AppDeps, rest: readonly string[] = []): Promise<Command> {
  const registry = program
    .command('registry')
    .description('Run the reference registry (an npm-compatible server with org 2FA, invitations and audit), and operate it');
  await registerLazily(registry, deps, rest, [
    [['serve'], async () => { const m = await import('./serve.js'); return (p, d) => m.registerServe(p, d); }],
    [['users'], async () => { const m = await import('./users/index.js'); return (p, d, r) => m.registerUsers(p, d, r); }],
    [['orgs'], async () => { const m = await import('./orgs/index.js'); return (p, d, r) => m.registerOrgs(p, d, r); }],
    [['import-htpasswd'], async () => { const m = await import('./import-htpasswd.js'); return (p, d) => m.registerImportHtpasswd(p, d); }],
    [['backup'], async () => { const m = await import('./backup.js'); return (p, d) => m.registerBackup(p, d); }],
    [['restore'], async () => { const m = await import('./restore.js'); return (p, d) => m.registerRestore(p, d); }],
    [['mail'], async () => { const m = await import('./mail.js'); return (p, d) => m.registerMail(p, d); }],
  ]);
  return registry;
}
