import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { registerProfileGet } from './get.js';
import { registerEnable2fa } from './enable-2fa.js';
import { registerDisable2fa } from './disable-2fa.js';

/** `orgctl profile …`: your own account (npm profile), and two-factor authentication. */
export function registerProfile(program: Command, deps: AppDeps): Command {
  const profile = program.command('profile').description('Show your profile, and turn two-factor authentication on or off');
  registerProfileGet(profile, deps);
  registerEnable2fa(profile, deps);
  registerDisable2fa(profile, deps);
  return profile;
}
