import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import { ADMIN_PREFIX, ADMIN_SOCKET } from '../../shared/admin.js';
import type { IO } from '../../ui/io.js';
import { addExamples } from '../common.js';

/**
 * What every operator command (`orgctl registry users|orgs …`) shares: `--data DIR`, and one call
 * to the registry's operator API, made through the running server's socket `DIR/admin.sock` when
 * one answers (the change is live, and the server's memory stays the truth), else on the store
 * opened here (refused while a server that does not answer holds the folder). Both run the same
 * core call. docs/registry-api.md, "Operator commands".
 */
export interface OperatorOptions {
  data: string;
  json: boolean;
}

export interface OperatorFlags {
  data?: string;
  json?: boolean;
}

export interface OperatorDeps {
  io: IO;
}

export interface OperatorResult<T> {
  result: T;
  /** true: made through the running server; false: on the store, with no server running */
  live: boolean;
}

/** `--data <dir>` (required) and `--json`, with examples. */
export function addOperatorOptions(cmd: Command, examples: string[]): Command {
  cmd.requiredOption('--data <dir>', "the registry's data folder (as given to `registry serve --data`)").option('--json', 'print only JSON on stdout');
  return addExamples(cmd, examples);
}

export function operatorOptions(flags: OperatorFlags): OperatorOptions {
  return { data: flags.data!, json: !!flags.json };
}

/** Runs operator call `op` with `body` against the data folder `opts.data`. */
export async function operatorCall<T>(deps: OperatorDeps, opts: OperatorOptions, op: string, body: Record<string, unknown> = {}): Promise<OperatorResult<T>> {
  const live = await liveOperatorCall<T>(opts.data, op, body);
  if (live) return live;
  return { result: (await offline(deps, path.resolve(opts.data), op, body)) as T, live: false };
}

/** The call through the running server on data folder `data`, or null when none answers there. */
export async function liveOperatorCall<T>(data: string, op: string, body: Record<string, unknown> = {}): Promise<OperatorResult<T> | null> {
  const dir = path.resolve(data);
  await checkDataFolder(dir);
  const live = await viaSocket(path.join(dir, ADMIN_SOCKET), op, body);
  return live ? { result: live.result as T, live: true } : null;
}

/** "(through the running server)" or "(no server running)", for the messages on stderr. */
export function how(r: OperatorResult<unknown>): string {
  return r.live ? ' (live, through the running server)' : '';
}

async function checkDataFolder(dir: string): Promise<void> {
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new UsageError(`data folder ${dir} does not exist.`, 'Pass the folder given to `orgctl registry serve --data`.');
    throw new CliError(`cannot read data folder ${dir}: ${e.code ?? e.message}`, ExitCode.Failure);
  });
  if (!st.isDirectory()) throw new UsageError(`${dir} is not a folder.`);
  const has = async (f: string) => stat(path.join(dir, f)).then(() => true, () => false);
  if (!(await has('state.json')) && !(await has('journal.log'))) {
    throw new UsageError(`${dir} is not a registry data folder (it has no state.json or journal.log).`, 'Pass the folder given to `orgctl registry serve --data`.');
  }
}

/**
 * The call through the socket, or null when no server listens on it (no socket file, or one left
 * by a server that is gone). An answer with an error becomes a CliError: 400 exit 2, others exit 1.
 */
async function viaSocket(socketPath: string, op: string, body: Record<string, unknown>): Promise<{ result: unknown } | null> {
  const { request } = await import('node:http');
  const payload = JSON.stringify(body);
  const answer = await new Promise<{ status: number; text: string } | null>((resolve, reject) => {
    const req = request({ socketPath, path: `${ADMIN_PREFIX}${op}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: 120_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the running server did not answer in 120 s')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(null);
      else reject(new CliError(`cannot reach the running server through ${socketPath}: ${e.code ?? e.message}`, ExitCode.Failure));
    });
    req.end(payload);
  });
  if (!answer) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    throw new CliError(`the running server answered ${answer.status} with a body that is not JSON`, ExitCode.Failure);
  }
  if (answer.status === 200) return { result: parsed };
  const message = typeof (parsed as { message?: unknown })?.message === 'string' ? (parsed as { message: string }).message : `the running server answered ${answer.status}`;
  throw new CliError(message, answer.status === 400 ? ExitCode.Usage : ExitCode.Failure);
}

/** The call on the store itself, opened (and locked) here; no server may hold it. */
async function offline(deps: OperatorDeps, dir: string, op: string, body: Record<string, unknown>): Promise<unknown> {
  const [{ openCore, fileClock }, { StoreError }, { runAdminOp }, { CoreError }, { HttpError }, { testClock }] = await Promise.all([
    import('../../server/index.js'),
    import('../../server/store/file-store.js'),
    import('../../server/http/admin-socket.js'),
    import('../../server/core/errors.js'),
    import('../../server/http/http-util.js'),
    import('./serve.js'),
  ]);
  const now = deps.io.env.ORGCTL_TEST_CLOCK_FILE ? testClock(deps.io, fileClock) : undefined;
  let opened;
  try {
    opened = await openCore({ dataDir: dir, now, warn: (line) => deps.io.err(`warning: ${line}\n`) });
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    const pid = /in use by another server \(pid (\d+)\)/.exec(e.message)?.[1];
    if (pid) {
      throw new CliError(
        `data folder ${dir} is in use by a running server (pid ${pid}) that does not answer on ${ADMIN_SOCKET}.`,
        ExitCode.Failure,
        'Stop that server and run the command again (or restart it with this orgctl, which serves the operator socket).',
      );
    }
    throw new CliError(e.message, ExitCode.Usage);
  }
  const { core, store } = opened;
  try {
    return await runAdminOp(core, op, body);
  } catch (e) {
    if (e instanceof CoreError) throw new CliError(e.message, e.kind === 'invalid' ? ExitCode.Usage : ExitCode.Failure);
    if (e instanceof HttpError) throw new CliError(e.message, e.status === 400 ? ExitCode.Usage : ExitCode.Failure);
    throw e;
  } finally {
    await core.flushOutbox(); // the notifications this change wrote go out now (or to <data>/outbox/)
    await core.mail.stop();
    await store.close();
  }
}
