import type { Command } from 'commander';
import type { Factory } from '../../cli.js';
import { registerMail } from './mail.js';
import { registerServe } from './serve.js';

/** `orgctl registry …`: the reference registry. */
export function registerRegistry(program: Command, f: Factory): Command {
  const registry = program
    .command('registry')
    .description('Run the reference registry (an npm-compatible server with org 2FA, invitations and audit)');
  registerServe(registry, f);
  registerMail(registry, f);
  return registry;
}
