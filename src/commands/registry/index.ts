import type { Command } from 'commander';
import type { Factory } from '../../cli.js';
import { registerBackup } from './backup.js';
import { registerImportHtpasswd } from './import-htpasswd.js';
import { registerRestore } from './restore.js';
import { registerServe } from './serve.js';

/** `orgctl registry …`: the reference registry. */
export function registerRegistry(program: Command, f: Factory): Command {
  const registry = program
    .command('registry')
    .description('Run the reference registry (an npm-compatible server with org 2FA, invitations and audit)');
  registerServe(registry, f);
  registerImportHtpasswd(registry, f);
  registerBackup(registry, f);
  registerRestore(registry, f);
  return registry;
}
