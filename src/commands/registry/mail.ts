import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode } from '../../errors.js';
import type { IO } from '../../ui/io.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { safe } from '../../ui/visible.js';
import type { MailQueue, MailView } from '../../server/core/mail-queue.js';
import { liveOperatorCall } from './operator.js';

/**
 * `orgctl registry mail ls|retry --data DIR`: the delivery state of a registry's notifications.
 * Through the running server's operator socket when one answers on DIR (a retry is sent at once);
 * else read from the stopped registry's data folder, where nothing is delivered (a retry goes out
 * at the server's next start). docs/registry-api.md §8.3.
 */

export interface MailOptions {
  data: string;
  json: boolean;
  /** retry: this message only */
  id?: string;
}

const LS_EXAMPLES = `
Examples:
  $ orgctl registry mail ls --data ./registry-data
  $ orgctl registry mail ls --data ./registry-data --json
`;
const RETRY_EXAMPLES = `
Examples:
  $ orgctl registry mail retry --data ./registry-data             # every failed or undeliverable message
  $ orgctl registry mail retry --data ./registry-data --id 3f9c2a7d1e0b
`;

export function registerMail(parent: Command, deps: AppDeps): Command {
  const mail = parent.command('mail').description("A registry's notifications: delivery state and retries (live through the running server, or on its data folder)");
  mail
    .command('ls')
    .description('List queued, failed and undeliverable notifications, and those sent in the last 7 days')
    .requiredOption('--data <dir>', "the registry's data folder")
    .option('--json', 'output JSON: {messages: [{id, kind, user, to, subject, state, attempts, lastError, nextAttempt, created, sentAt}]}')
    .addHelpText('after', LS_EXAMPLES)
    .action(async (flags: { data: string; json?: boolean }) => mailLsRun({ data: flags.data, json: !!flags.json }, deps));
  mail
    .command('retry')
    .description('Queue failed and undeliverable notifications again: the running server sends them at once, a stopped one at its next start')
    .requiredOption('--data <dir>', "the registry's data folder")
    .option('--id <id>', 'only this message')
    .option('--json', 'output JSON: {requeued: [message]}')
    .addHelpText('after', RETRY_EXAMPLES)
    .action(async (flags: { data: string; json?: boolean; id?: string }) => mailRetryRun({ data: flags.data, json: !!flags.json, id: flags.id }, deps));
  return mail;
}

/** Operator call `op` through the running server, or `fn` on the stopped registry's outbox; `live` says which. */
async function onOutbox<T>(data: string, op: string, body: Record<string, unknown>, fn: (mail: MailQueue) => Promise<T> | T): Promise<{ result: T; live: boolean }> {
  const live = await liveOperatorCall<T>(data, op, body);
  if (live) return live;
  return { result: await offlineOutbox(data, fn), live: false };
}

async function offlineOutbox<T>(data: string, fn: (mail: MailQueue) => Promise<T> | T): Promise<T> {
  const { withOutbox, NoDataError } = await import('../../server/mail/admin.js');
  const { StoreError } = await import('../../server/store/file-store.js');
  const { CoreError } = await import('../../server/core/errors.js');
  try {
    return await withOutbox(data, fn);
  } catch (e) {
    if (e instanceof NoDataError) throw new CliError(e.message, ExitCode.Usage);
    if (e instanceof StoreError) throw new CliError(e.message, ExitCode.Failure, 'A server holds the folder but does not answer on its operator socket: stop it, or restart it with this orgctl.');
    if (e instanceof CoreError) throw new CliError(e.message, ExitCode.Failure, 'See the messages with `orgctl registry mail ls --data DIR`.');
    throw e;
  }
}

export async function mailLsRun(opts: MailOptions, deps: { io: IO }): Promise<void> {
  const { io } = deps;
  const { messages } = (await onOutbox(opts.data, 'mail.ls', {}, (mail) => ({ messages: mail.list() }))).result;
  if (opts.json) return writeJson(io, { messages });
  if (messages.length === 0) {
    io.err('No notifications in the outbox.\n');
    return;
  }
  io.out(formatTable([['ID', 'STATE', 'ATTEMPTS', 'USER', 'TO', 'KIND', 'WHEN', 'LAST ERROR'], ...messages.map(row)]));
}

function row(m: MailView): unknown[] {
  const when = m.state === 'queued' ? `next ${m.nextAttempt}` : m.state === 'sent' ? `sent ${m.sentAt}` : `created ${m.created}`;
  return [m.id, m.state, m.attempts, m.user, m.to ?? '-', m.kind ?? '-', when, m.lastError ?? '-'];
}

export async function mailRetryRun(opts: MailOptions, deps: { io: IO }): Promise<void> {
  const { io } = deps;
  const r = await onOutbox(opts.data, 'mail.retry', { id: opts.id ?? null }, async (mail) => ({ requeued: await mail.retry(opts.id) }));
  const { requeued } = r.result;
  if (opts.json) return writeJson(io, { requeued });
  if (requeued.length === 0) {
    io.err('No failed or undeliverable notifications: nothing to retry.\n');
    return;
  }
  io.out(formatTable([['ID', 'USER', 'TO', 'SUBJECT'], ...requeued.map((m) => [m.id, m.user, m.to ?? '-', m.subject])]));
  const plural = requeued.length > 1 ? 's' : '';
  if (r.live) io.err(`Queued ${requeued.length} message${plural} again; the running registry is sending them now (see \`orgctl registry mail ls\`).\n`);
  else io.err(safe`Queued ${requeued.length} message${plural} again; the registry sends them when it starts on ${opts.data}.\n`);
}
