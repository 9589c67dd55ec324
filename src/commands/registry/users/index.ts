import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { registerLazily } from '../../lazy.js';

/** `orgctl registry users …`: accounts, for whoever runs the registry (against its data folder). */
export async function registerUsers(parent: Command, deps: AppDeps, rest: readonly string[]): Promise<Command> {
  const users = parent.command('users').description("Operator: list, add, disable, enable accounts, and reset a user's 2FA (needs the data folder)");
  await registerLazily(users, deps, rest, [
    [['ls', 'list'], async () => { const m = await import('./ls.js'); return (p, d) => m.registerUsersLs(p, d); }],
    [['add'], async () => { const m = await import('./add.js'); return (p, d) => m.registerUsersAdd(p, d); }],
    [['disable'], async () => { const m = await import('./disable.js'); return (p, d) => m.registerUsersDisable(p, d); }],
    [['enable'], async () => { const m = await import('./enable.js'); return (p, d) => m.registerUsersEnable(p, d); }],
    [['reset-2fa'], async () => { const m = await import('./reset-2fa.js'); return (p, d) => m.registerUsersResetTfa(p, d); }],
  ]);
  return users;
}
