import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { writeJson } from '../../ui/json.js';
import { visible } from '../../ui/visible.js';
import { timeShower } from '../../ui/time.js';
import { fetchProfile, tfaDeadlines, tfaState } from './api.js';
import { addExamples, addJsonOption, addRegistryOption, withConnection, type RegistryFlags } from '../common.js';

export interface ProfileGetOptions {
  registry?: string;
  json: boolean;
}

export type ProfileGetDeps = Pick<AppDeps, 'io' | 'connect'> & Partial<Pick<AppDeps, 'clock'>>;

export function registerProfileGet(profile: Command, deps: AppDeps, runF = profileGetRun): Command {
  const cmd = profile.command('get').description('Show your profile: name, email, two-factor authentication, dates');
  addRegistryOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, ['orgctl profile get', 'orgctl profile get --json']);
  return cmd.action(async (flags: RegistryFlags) => {
    await runF({ registry: flags.registry, json: !!flags.json }, deps);
  });
}

/** Prints `key: value` lines on stdout (values made visible), or the server's profile object with `--json`. */
export async function profileGetRun(opts: ProfileGetOptions, deps: ProfileGetDeps): Promise<void> {
  const { p, deadlines } = await withConnection(deps, { registry: opts.registry, command: 'profile', auth: 'required' }, async ({ client }) => {
    const p = await fetchProfile(client);
    // Orgs that will require 2FA (orgctl's extension), asked only while 2FA is off and only for people.
    const deadlines = opts.json || tfaState(p).state === 'on' ? [] : await tfaDeadlines(client);
    return { p, deadlines };
  });
  if (opts.json) return writeJson(deps.io, p);
  const t = tfaState(p);
  const when = timeShower(deps.io, deps.clock);
  const email = p.email ? `${p.email} (${p.email_verified ? 'verified' : 'unverified'})` : '';
  const tfa = t.state === 'on' ? `${t.mode}${t.appPending ? ' (authenticator app pending beside your security keys)' : ''}` : t.state === 'pending' ? `disabled (enrolment in ${t.mode} mode pending)` : 'disabled';
  const rows: [string, string][] = [
    ['name', p.name],
    ['email', email],
    ['two-factor auth', tfa],
    ['created', when(p.created ?? '')],
    ['updated', when(p.updated ?? '')],
  ];
  deps.io.out(rows.map(([k, v]) => `${k}: ${visible(v)}\n`).join(''));
  for (const d of deadlines) {
    deps.io.err(`${visible(d.org)} ${d.state === 'held' ? 'was to require' : 'requires'} two-factor authentication from ${visible(d.at)}${d.state === 'held' ? ' (on hold)' : ''}: turn it on (orgctl profile enable-2fa) or you will be removed.\n`);
  }
}
