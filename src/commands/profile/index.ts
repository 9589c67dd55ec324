import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerProfileGet } from './get.js';
import { registerEnable2fa } from './enable-2fa.js';
import { registerDisable2fa } from './disable-2fa.js';
import { registerSecurityKeys } from './security-keys.js';

/** `orgctl profile …`: your own account (npm profile), and two-factor authentication. */
export function registerProfile(program: Command, deps: AppDeps): Command {
  const profile = program.command('profile').description('Show your profile, turn two-factor authentication on or off, and manage security keys');
  registerProfileGet(profile, deps);
  registerEnable2fa(profile, deps);
  registerDisable2fa(profile, deps);
  registerSecurityKeys(profile, deps);
  return profile;
}
