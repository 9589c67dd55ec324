import { Option, type Command } from './commander.js';
import { AuthError, CliError, UsageError } from '../errors.js';
import type { AppDeps } from '../factory.js';
import type { RegistryClient } from '../client/client.js';
import { errorForResponse, HttpError, OtpRequiredError } from '../client/errors.js';
import { withOtp } from '../client/otp.js';
import { isHttpUrl, pollDoneUrl } from '../client/web-auth.js';
import { writeJson } from '../ui/json.js';
import { colorScheme } from '../ui/color.js';
import { safe } from '../ui/visible.js';
import { readPassword, type PasswordDeps } from './password.js';
import {
  addExamples,
  addJsonOption,
  addOtpOption,
  addRegistryOption,
  checkOtp,
  checkUserName,
  withConnection,
  type RegistryFlags,
} from './common.js';

export type AuthType = 'web' | 'legacy';

export interface LoginOptions {
  authType: AuthType;
  /** False when web was only the default: then a registry without web login falls back to legacy. */
  authTypeExplicit: boolean;
  username?: string;
  passwordStdin: boolean;
  otp?: string;
  registry?: string;
  json: boolean;
}

export type LoginDeps = Pick<AppDeps, 'io' | 'connect' | 'tokenStore' | 'prompter' | 'clock'> & Pick<PasswordDeps, 'readStdin'>;

/** How long the web flow waits for the browser before giving up. */
export const WEB_LOGIN_TIMEOUT_MS = 10 * 60_000;

export function registerLogin(program: Command, deps: AppDeps, runF = loginRun): Command {
  const cmd = program
    .command('login')
    .description('Log in to the registry and store the token for orgctl')
    .addOption(new Option('--auth-type <type>', 'web (open a URL) or legacy (user name and password)').choices(['web', 'legacy']))
    .option('--username <name>', 'user name for legacy login (implies --auth-type legacy)')
    .option('--password-stdin', 'read the password from stdin (implies --auth-type legacy; needs --username)');
  addRegistryOption(cmd);
  addOtpOption(cmd);
  addJsonOption(cmd);
  addExamples(cmd, [
    'orgctl login --registry https://registry.example.com/',
    'orgctl login --auth-type legacy',
    'printf %s "$PASSWORD" | orgctl login --username alice --password-stdin --otp 123456',
  ]);
  return cmd.action(async (flags: RegistryFlags & { authType?: AuthType; username?: string; passwordStdin?: boolean }) => {
    await runF(parseLoginFlags(flags), deps);
  });
}

/** Turns flags into options, with npm's rule that credentials on the command line mean legacy login. */
export function parseLoginFlags(
  flags: RegistryFlags & { authType?: AuthType; username?: string; passwordStdin?: boolean },
): LoginOptions {
  const username = flags.username === undefined ? undefined : checkUserName(flags.username);
  const otp = checkOtp(flags.otp);
  const wantsLegacy = username !== undefined || !!flags.passwordStdin || otp !== undefined;
  if (flags.authType === 'web' && wantsLegacy) {
    throw new UsageError('--username, --password-stdin and --otp only apply to --auth-type legacy.');
  }
  if (flags.passwordStdin && username === undefined) {
    throw new UsageError('--password-stdin needs --username <name>.');
  }
  return {
    authType: flags.authType ?? (wantsLegacy ? 'legacy' : 'web'),
    authTypeExplicit: flags.authType !== undefined || wantsLegacy,
    username,
    passwordStdin: !!flags.passwordStdin,
    otp,
    registry: flags.registry,
    json: !!flags.json,
  };
}

export async function loginRun(opts: LoginOptions, deps: LoginDeps): Promise<void> {
  const { io } = deps;
  // Web login by default needs someone at a terminal to open the URL; a script without one
  // would wait 10 minutes for nobody. `--auth-type web` asks for it anyway (the URL is printed).
  if (opts.authType === 'web' && !opts.authTypeExplicit && !io.canPrompt()) {
    throw new UsageError(
      'login needs a terminal for the web login (or --auth-type web to print the URL and wait anyway).',
      'Without a terminal, pass --username <name> and --password-stdin (and --otp <code> if your account has 2FA), or set ORGCTL_TOKEN.',
    );
  }
  const { username, token, registry } = await withConnection(
    deps,
    { registry: opts.registry, command: 'login', auth: 'none' },
    async ({ client, registry }) => {
      let result: { username: string; token: string } | undefined;
      if (opts.authType === 'web') {
        result = await webLogin(client, deps);
        if (!result && opts.authTypeExplicit) throw new CliError(`${registry.url} does not support web login.`, undefined, 'Try --auth-type legacy.');
        if (!result) io.err('This registry does not support web login; using legacy login.\n');
      }
      result ??= await legacyLogin(client, opts, deps);
      return { ...result, registry };
    },
  );
  await (await deps.tokenStore()).set(registry.url, { token, username });
  if (opts.json) writeJson(io, { username, registry: registry.url });
  else io.err(`${colorScheme(io, 'stderr').success} ${safe`Logged in as ${username} on ${registry.url}`}\n`);
}

/** The couch flow: `PUT /-/user/org.couchdb.user:<name>` inside the OTP retry. */
async function legacyLogin(client: RegistryClient, opts: LoginOptions, deps: LoginDeps): Promise<{ username: string; token: string }> {
  const { io, prompter } = deps;
  const noTty = 'Without a terminal, pass --username <name> and --password-stdin (and --otp <code> if your account has 2FA).';
  let username = opts.username;
  if (username === undefined) {
    if (!io.canPrompt()) throw new UsageError('login needs a user name.', noTty);
    username = checkUserName((await prompter.input('Username:')).trim());
  }
  const password = await readPassword(deps, { stdin: opts.passwordStdin, noTtyHint: noTty, missing: 'login needs a password.' });
  const name = username;
  const body = { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date(deps.clock.now()).toISOString() };
  let res: { token?: unknown };
  try {
    res = await withOtp((otp) => putCouch(client, name, password, body, otp), { otp: opts.otp, io, prompter, webAuth: { client, io } });
  } catch (err) {
    if (err instanceof HttpError && err.status === 401 && !(err instanceof OtpRequiredError)) {
      throw new AuthError(`login failed: ${err.serverMessage ?? 'the user name or password was refused'}`);
    }
    throw err;
  }
  if (!res || typeof res.token !== 'string' || !res.token) throw new CliError('the registry accepted the login but sent no token.');
  return { username: name, token: res.token };
}

/**
 * npm-profile's loginCouch: `PUT /-/user/org.couchdb.user:<name>`; a registry that answers 409
 * ("already registered": CouchDB, Verdaccio's htpasswd) gets npm's second step: the user document
 * (`GET …?write=true`), its fields added to the body where the body has none (and its `roles`),
 * and the PUT again to `…/-rev/<_rev>` (without the segment when the document has no `_rev`),
 * with the user name and password as Basic credentials.
 */
async function putCouch(client: RegistryClient, name: string, password: string, body: Record<string, unknown>, otp: string | undefined): Promise<{ token?: unknown }> {
  const path = `-/user/org.couchdb.user:${encodeURIComponent(name)}`;
  const headers = { 'npm-auth-type': 'legacy' };
  try {
    return await client.request<{ token?: unknown }>('PUT', path, { body, otp, sensitive: true, headers });
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 409)) throw err;
  }
  // A registry without user documents (the reference registry, when a concurrent request created
  // the account) answers 404: the PUT is repeated with the credentials alone.
  const doc = await client.request<unknown>('GET', path, { query: { write: true }, sensitive: true, headers }).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) return undefined;
    throw err;
  });
  const merged: Record<string, unknown> = { ...body };
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) if (merged[k] === undefined || merged[k] === '' || k === 'roles') merged[k] = v;
  }
  const rev = typeof merged._rev === 'string' && merged._rev ? `/-rev/${encodeURIComponent(merged._rev)}` : '';
  const basic = `Basic ${Buffer.from(`${name}:${password}`, 'utf8').toString('base64')}`;
  return client.request<{ token?: unknown }>('PUT', `${path}${rev}`, { body: merged, otp, sensitive: true, headers: { ...headers, authorization: basic } });
}

/**
 * The web flow: `POST /-/v1/login` gives a loginUrl to open and a doneUrl to poll (202 +
 * Retry-After until 200 `{token}`). Returns undefined when the registry has no web login
 * (a 4xx or 500 on the first request, as npm treats it).
 */
async function webLogin(client: RegistryClient, deps: LoginDeps): Promise<{ username: string; token: string } | undefined> {
  const { io } = deps;
  const start = await client.raw('POST', '-/v1/login', { body: {}, sensitive: true, headers: { 'npm-auth-type': 'web' } });
  if (start.status >= 400) {
    if (start.status <= 500) return undefined;
    throw errorForResponse({ status: start.status, method: 'POST', url: start.url, body: start.body, headers: start.headers });
  }
  const { loginUrl, doneUrl } = (start.body ?? {}) as { loginUrl?: unknown; doneUrl?: unknown };
  if (!isHttpUrl(loginUrl) || !isHttpUrl(doneUrl)) throw new CliError('invalid response from the web login endpoint (no loginUrl/doneUrl).');
  const done = await pollDoneUrl(client, io, { title: 'Login at', url: loginUrl }, doneUrl, {
    waiting: 'Waiting for the login to complete in your browser…',
    cancelled: 'login cancelled; no token was stored.',
    headers: { 'npm-auth-type': 'web' },
    timeoutMs: WEB_LOGIN_TIMEOUT_MS,
    timedOut: () => new CliError('timed out waiting for the web login to complete.'),
  });
  const token = (done as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || !token) throw new CliError('the web login finished without a token.');
  const { fetchUsername } = await import('./whoami.js');
  return { username: await fetchUsername(client, token), token };
}
