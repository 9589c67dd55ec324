import type { Command } from 'commander';
import type { AppDeps } from '../../../factory.js';
import { registerStatus } from './status.js';
import { registerEnforce } from './enforce.js';
import { registerDisable } from './disable.js';
import { registerRemind } from './remind.js';

/** `orgctl org 2fa …`: an org's two-factor policy. */
export function registerOrg2fa(org: Command, deps: AppDeps): Command {
  const tfa = org.command('2fa').description("Read, enforce or lift an org's two-factor authentication requirement");
  registerStatus(tfa, deps);
  registerEnforce(tfa, deps);
  registerDisable(tfa, deps);
  registerRemind(tfa, deps);
  return tfa;
}
