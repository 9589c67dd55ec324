import { AuthError, UsageError } from '../errors.js';
import { npmrcTokenFor, type NpmConfig } from '../config/npmrc.js';
import type { TokenStore } from './token-store.js';

export type TokenSource = 'ORGCTL_TOKEN' | 'orgctl login' | '.npmrc';

export interface ResolvedToken {
  token: string;
  source: TokenSource;
  /** For `.npmrc` tokens: the file and the nerf-dart key that held it. */
  file?: string;
  key?: string;
  /** The username orgctl stored with the token, when known. */
  username?: string;
}

/**
 * The token order: `ORGCTL_TOKEN` > the token orgctl stored for the registry > the npm `.npmrc`
 * token for the registry (so people who ran `npm login` need no second login).
 *
 * `ORGCTL_TOKEN` belongs to no registry, so it is sent only to one the user chose (`--registry`,
 * `ORGCTL_REGISTRY`, `npm_config_registry`, the user `.npmrc`). When the registry came from the
 * project `.npmrc` (`projectFile`), which anyone who can commit to the project writes, orgctl
 * refuses (exit 2) rather than send it, or silently use another token.
 */
export async function resolveToken(input: {
  registry: string;
  /** The project `.npmrc` that named the registry, when it did. */
  projectFile?: string;
  env: NodeJS.ProcessEnv;
  store: () => Promise<TokenStore>;
  npm: () => NpmConfig;
}): Promise<ResolvedToken | undefined> {
  const fromEnv = input.env.ORGCTL_TOKEN;
  if (fromEnv && input.projectFile) throw envTokenRefused(input.registry, input.projectFile);
  if (fromEnv) return { token: fromEnv, source: 'ORGCTL_TOKEN' };
  const stored = await (await input.store()).get(input.registry);
  if (stored) return { token: stored.token, source: 'orgctl login', username: stored.username };
  const npmrc = npmrcTokenFor(input.npm(), input.registry);
  if (npmrc) return { token: npmrc.token, source: '.npmrc', file: npmrc.source, key: npmrc.key };
  return undefined;
}

function envTokenRefused(registry: string, projectFile: string): UsageError {
  return new UsageError(
    `refusing to send ORGCTL_TOKEN to ${registry}: that registry is named by the project file ${projectFile}.`,
    `ORGCTL_TOKEN is sent only to a registry you chose. If you trust this one, pass --registry ${registry} (or set ORGCTL_REGISTRY); otherwise unset ORGCTL_TOKEN.`,
  );
}

export function notLoggedIn(registry: string): AuthError {
  return new AuthError(
    `not logged in to ${registry}`,
    'Run `orgctl login`, set ORGCTL_TOKEN, or log in with `npm login --registry <url>`.',
  );
}

/** The hint for a token the registry refused (401), naming where it came from. */
export function refusedTokenHint(t: ResolvedToken, registry: string): string {
  if (t.source === 'ORGCTL_TOKEN') return 'The token in ORGCTL_TOKEN was refused: set a valid one, or unset it to use your `orgctl login`.';
  if (t.source === '.npmrc') return `The token from ${t.file} (${t.key}) was refused: run \`npm login --registry ${registry}\` or \`orgctl login\`.`;
  return `The token \`orgctl login\` stored for ${registry} was refused: run \`orgctl login\` again.`;
}
