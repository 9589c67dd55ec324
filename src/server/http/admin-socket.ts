import { chmod, lstat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { ADMIN_PREFIX, ADMIN_SOCKET } from '../../shared/admin.js';
import { invalid } from '../core/errors.js';
import type { RegistryCore } from '../core/registry-core.js';
import { errorReply, HttpError, readBody, send } from './http-util.js';

/**
 * The operator API: a small HTTP API on the Unix socket `<data>/admin.sock` (mode 0600, in the
 * 0700 data folder), for `orgctl registry users|orgs …` while the server runs. No token: whoever
 * can open the socket can already read the data folder. Never served on TCP.
 */
type Body = Record<string, unknown>;

function str(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw invalid(`${key} is required`);
  return v;
}

/** An optional string field: absent or null is undefined. */
function optStr(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string`);
  return v;
}

/**
 * Every operator call: its name and the core call it makes. The offline path runs the same table
 * (the `mail.*` calls offline go through `server/mail/admin.ts` instead, which delivers nothing).
 */
export const ADMIN_OPS: Record<string, (core: RegistryCore, body: Body) => Promise<unknown> | unknown> = {
  'users.ls': (c) => c.admin.listUsers(),
  'users.add': (c, b) => c.admin.addUser(str(b, 'user'), str(b, 'email'), str(b, 'password')),
  'users.disable': (c, b) => c.admin.setDisabled(str(b, 'user'), true),
  'users.enable': (c, b) => c.admin.setDisabled(str(b, 'user'), false),
  'users.reset-2fa': (c, b) => c.admin.resetTfa(str(b, 'user')),
  'orgs.ls': (c) => c.admin.listOrgs(),
  'orgs.create': (c, b) => c.admin.createOrg(str(b, 'org'), str(b, 'owner'), b.requireTfa === true),
  'orgs.set-owner': (c, b) => c.admin.setOwner(str(b, 'org'), str(b, 'user')),
  'mail.ls': (c) => ({ messages: c.mail.list() }),
  'mail.retry': async (c, b) => {
    const requeued = await c.mail.retry(optStr(b, 'id'));
    if (requeued.length > 0) void c.flushOutbox(); // the running server sends them now
    return { requeued };
  },
};

/** Runs operator call `op` with `body` on `core` (the socket's handler, and the commands' offline path). */
export async function runAdminOp(core: RegistryCore, op: string, body: Body): Promise<unknown> {
  const fn = Object.hasOwn(ADMIN_OPS, op) ? ADMIN_OPS[op] : undefined;
  if (!fn) throw new HttpError(404, `Unknown operator call ${JSON.stringify(op)}.`, 'ENOTFOUND');
  return fn(core, body);
}

export interface AdminSocket {
  path: string;
  /** stops accepting, ends open connections and removes the socket file */
  close(): Promise<void>;
}

/**
 * Listens on `<dataDir>/admin.sock`. Call it only while holding the data folder's lock: a socket
 * file found there is then left by a server that is gone, and is replaced. Resolves to null (after
 * `warn`) when the socket cannot be made, e.g. a path longer than the system allows: the registry
 * still runs, and operator commands refuse while it does.
 */
export async function listenAdminSocket(core: RegistryCore, dataDir: string, warn: (m: string) => void = () => {}): Promise<AdminSocket | null> {
  const sock = path.join(path.resolve(dataDir), ADMIN_SOCKET);
  try {
    if ((await lstat(sock)).isSocket()) await unlink(sock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const server = createServer((req, res) => void handle(core, req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sock, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(sock, 0o600);
  } catch (e) {
    server.close();
    warn(`operator socket ${sock} not available (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); operator commands will need the server stopped`);
    return null;
  }
  return {
    path: sock,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(core: RegistryCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = req.url ?? '';
    if (!url.startsWith(ADMIN_PREFIX)) throw new HttpError(404, 'Not found.', 'ENOTFOUND');
    if (req.method !== 'POST') throw new HttpError(405, 'Use POST.', 'EMETHOD', { allow: 'POST' });
    const text = await readBody(req);
    let body: unknown = {};
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'The request body is not JSON.', 'EBADJSON');
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'The request body must be a JSON object.', 'EBADJSON');
    const result = await runAdminOp(core, url.slice(ADMIN_PREFIX.length), body as Body);
    send(res, { status: 200, body: result });
  } catch (e) {
    if (!res.headersSent) send(res, errorReply(e));
  }
}
