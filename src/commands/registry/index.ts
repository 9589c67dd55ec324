import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerServe } from './serve.js';

/** `orgctl registry …`: the reference registry. */
export function registerRegistry(program: Command, deps: AppDeps): Command {
  const registry = program
    .command('registry')
    .description('Run the reference registry (an npm-compatible server with org 2FA, invitations and audit)');
  registerServe(registry, deps);
  return registry;
}
