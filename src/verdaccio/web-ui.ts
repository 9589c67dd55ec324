/**
 * Verdaccio's web UI with the plugin. Its login form posts `{username, password}` to
 * `/-/verdaccio/sec/login` and sends the token it gets back as `Authorization: Bearer` on every
 * later call; Verdaccio would issue its own token there, which the plugin does not know. So the
 * plugin answers that route itself with an orgctl session token (as `npm login` gets), and the
 * plugin's auth step honours it. Verdaccio 6.8's form has no field for a one-time code: accounts
 * with 2FA are refused with a message saying so (their password is checked first, so the
 * refusal tells nothing to someone without it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CoreError } from '../server/core/errors.js';
import type { RegistryCore } from '../server/core/registry-core.js';
import { HttpError, parseJsonObject, readBody, send } from '../server/http/http-util.js';

export const WEB_LOGIN_PATH = '/-/verdaccio/sec/login';

export const WEB_2FA_REFUSAL =
  'Web UI login is for accounts without 2FA: the login form of Verdaccio has no field for a one-time code. Use `npm login` or `orgctl login` instead.';

/** Is this the web UI's login request? */
export function isWebLogin(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url ?? '').split('?')[0] === WEB_LOGIN_PATH;
}

/** Answers the web UI's login: 200 `{username, token}` with a new orgctl session token. */
export async function answerWebLogin(req: IncomingMessage, res: ServerResponse, core: RegistryCore): Promise<void> {
  const text = readBody(req); // its reader is attached: let the body (paused by the plugin) flow
  req.resume();
  const body = parseJsonObject(await text);
  const { username, password } = body;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new HttpError(400, 'username and password are required (strings).', 'EBADREQUEST');
  }
  let token: string;
  try {
    token = await core.accounts.passwordLogin(username, password, { ip: req.socket.remoteAddress ?? '' });
  } catch (e) {
    if (e instanceof CoreError && e.kind === 'otp') throw new CoreError('unauthenticated', WEB_2FA_REFUSAL);
    throw e;
  }
  send(res, { status: 200, body: { username, token } });
}
