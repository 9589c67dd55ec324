import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode } from '../../errors.js';
import type { IO } from '../../ui/io.js';
import { writeJson } from '../../ui/json.js';
import { formatTable } from '../../ui/table.js';
import { safe } from '../../ui/visible.js';
import type { MailQueue, MailView } from '../../server/core/mail-queue.js';

/**
 * `orgctl registry mail ls|retry --data DIR`: the delivery state of a registry's notifications,
 * read from its data folder while the server is stopped (the folder's lock refuses otherwise).
 * docs/registry-api.md §8.3.
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
  const mail = parent.command('mail').description("A registry's notifications: delivery state and retries (the server must be stopped)");
  mail
    .command('ls')
    .description('List queued, failed and undeliverable notifications, and those sent in the last 7 days')
    .requiredOption('--data <dir>', "the registry's data folder")
    .option('--json', 'output JSON: {messages: [{id, kind, user, to, subject, state, attempts, lastError, nextAttempt, created, sentAt}]}')
    .addHelpText('after', LS_EXAMPLES)
    .action(async (flags: { data: string; json?: boolean }) => mailLsRun({ data: flags.data, json: !!flags.json }, deps));
  mail
    .command('retry')
    .description('Queue failed and undeliverable notifications again; the server sends them at its next start')
    .requiredOption('--data <dir>', "the registry's data folder")
    .option('--id <id>', 'only this message')
    .option('--json', 'output JSON: {requeued: [message]}')
    .addHelpText('after', RETRY_EXAMPLES)
    .action(async (flags: { data: string; json?: boolean; id?: string }) => mailRetryRun({ data: flags.data, json: !!flags.json, id: flags.id }, deps));
  return mail;
}

async function onOutbox<T>(data: string, fn: (mail: MailQueue) => Promise<T> | T): Promise<T> {
  const { withOutbox, NoDataError } = await import('../../server/mail/admin.js');
  const { StoreError } = await import('../../server/store/file-store.js');
  const { CoreError } = await import('../../server/core/errors.js');
  try {
    return await withOutbox(data, fn);
  } catch (e) {
    if (e instanceof NoDataError) throw new CliError(e.message, ExitCode.Usage);
    if (e instanceof StoreError) throw new CliError(e.message, ExitCode.Failure, 'Stop the server first: the outbox is read from the data folder.');
    if (e instanceof CoreError) throw new CliError(e.message, ExitCode.Failure, 'See the messages with `orgctl registry mail ls --data DIR`.');
    throw e;
  }
}

export async function mailLsRun(opts: MailOptions, deps: { io: IO }): Promise<void> {
  const { io } = deps;
  const messages = await onOutbox(opts.data, (mail) => mail.list());
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
  const requeued = await onOutbox(opts.data, (mail) => mail.retry(opts.id));
  if (opts.json) return writeJson(io, { requeued });
  if (requeued.length === 0) {
    io.err('No failed or undeliverable notifications: nothing to retry.\n');
    return;
  }
  io.out(formatTable([['ID', 'USER', 'TO', 'SUBJECT'], ...requeued.map((m) => [m.id, m.user, m.to ?? '-', m.subject])]));
  io.err(safe`Queued ${requeued.length} message${requeued.length > 1 ? 's' : ''} again; the registry sends them when it starts on ${opts.data}.\n`);
}
