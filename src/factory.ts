import type { IO, ProcessLike } from './ui/io.js';
import { UsageError } from './errors.js';
import { inquirerPrompter, type Prompter } from './ui/prompter.js';
import type { RegistryClient, RegistryClientOptions } from './client/client.js';
import { systemClock, type Clock } from './client/clock.js';
import type { TokenStore } from './auth/token-store.js';
import type { NpmConfig } from './config/npmrc.js';
import type { ResolvedToken } from './auth/credentials.js';
import { loadNpmConfig } from './config/npmrc.js';
import { resolveRegistry, type ResolvedRegistry } from './config/registry.js';
import { spinnerForSlowWaits } from './ui/spinner.js';

/** How a command wants to talk to the registry. */
export interface ConnectOptions {
  /** `--registry` from the command line. */
  registry?: string;
  /** The `npm-command` header value (e.g. `whoami`). */
  command: string;
  /**
   * `required`: fail with exit 4 when there is no token; `optional`: send one if known;
   * `none`: never send one (login).
   */
  auth: 'required' | 'optional' | 'none';
}

export interface Connection {
  client: RegistryClient;
  registry: ResolvedRegistry;
  token?: ResolvedToken;
}

/**
 * The dependencies run functions receive. Everything expensive is behind a function, so it is
 * created (and its module imported) only when a command asks for it.
 */
export interface AppDeps {
  io: IO;
  /** signals (SIGINT/SIGTERM) for long-running commands (`registry serve`) */
  proc: Pick<ProcessLike, 'on'>;
  clock: Clock;
  prompter: Prompter;
  /** The project and user `.npmrc`, read once. */
  npmConfig(): NpmConfig;
  tokenStore(): Promise<TokenStore>;
  resolveRegistry(flag?: string): ResolvedRegistry;
  connect(opts: ConnectOptions): Promise<Connection>;
}

/** Optional overrides; anything not given is wired to the real implementation. */
export type DepsOverrides = Partial<Omit<AppDeps, 'io' | 'proc'>> & { clientOptions?: Partial<RegistryClientOptions> };


/** For deps built without a process (tests of run functions): no signal ever arrives. */
const NO_SIGNALS: Pick<ProcessLike, 'on'> = { on: () => undefined };

/**
 * Wires the real dependencies lazily. Creating this costs nothing: no file is read and no heavy
 * module is imported until a command calls one of the functions.
 */
export function createDeps(io: IO, overrides: DepsOverrides = {}, proc: Pick<ProcessLike, 'on'> = NO_SIGNALS): AppDeps {
  let npm: NpmConfig | undefined;
  let store: Promise<TokenStore> | undefined;
  const deps: AppDeps = {
    io,
    proc,
    clock: overrides.clock ?? systemClock,
    // inquirerPrompter imports @inquirer/prompts on the first question only.
    prompter: overrides.prompter ?? inquirerPrompter(io),
    npmConfig: overrides.npmConfig ?? (() => (npm ??= loadNpmConfig(io.env, io.cwd))),
    tokenStore:
      overrides.tokenStore ??
      (() =>
        (store ??= (async () => {
          const m = await import('./auth/token-store.js');
          return m.confTokenStore(m.configDir(io.env));
        })())),
    resolveRegistry:
      overrides.resolveRegistry ?? ((flag) => resolveRegistry({ flag, env: io.env, npm: () => deps.npmConfig() })),
    connect:
      overrides.connect ??
      (async (opts) => {
        const timeoutMs = timeoutFromEnv(io.env); // checked first: a bad value fails before anything is read or sent
        const registry = deps.resolveRegistry(opts.registry);
        const [{ RegistryClient }, creds] = await Promise.all([import('./client/client.js'), import('./auth/credentials.js')]);
        let token: ResolvedToken | undefined;
        if (opts.auth !== 'none') {
          token = await creds.resolveToken({
            registry: registry.url,
            projectFile: registry.projectFile,
            env: io.env,
            store: () => deps.tokenStore(),
            npm: () => deps.npmConfig(),
          });
          if (!token && opts.auth === 'required') throw creds.notLoggedIn(registry.url);
        }
        const client = new RegistryClient({
          registry: registry.url,
          token: token?.token,
          command: opts.command,
          env: io.env,
          clock: deps.clock,
          timeoutMs,
          refusedTokenHint: token ? creds.refusedTokenHint(token, registry.url) : undefined,
          debug: io.env.ORGCTL_DEBUG ? (line) => io.err(`orgctl:debug ${line}\n`) : undefined,
          wait: io.progressEnabled() ? spinnerForSlowWaits(io, `Waiting for ${new URL(registry.url).host}…`) : undefined,
          ...overrides.clientOptions,
        });
        return { client, registry, token };
      }),
  };
  return deps;
}

/** The longest ORGCTL_TIMEOUT: a day (Node's timers hold at most about 24.8 days). */
const MAX_TIMEOUT_S = 86_400;

/** ORGCTL_TIMEOUT in ms (unset or empty: the default); anything but seconds above 0 is refused (exit 2). */
export function timeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ORGCTL_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return undefined;
  const s = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(s > 0 && s <= MAX_TIMEOUT_S)) {
    throw new UsageError(`ORGCTL_TIMEOUT must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S}, got ${JSON.stringify(raw)}`, 'Unset it for the default of 30 seconds.');
  }
  return s * 1000;
}
