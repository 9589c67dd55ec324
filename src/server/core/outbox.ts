import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';

/**
 * Notifications to users. The core writes each message into the store (`outbox`) in the same
 * transaction as the change it reports (so a crash cannot keep the change and lose the message);
 * the MailQueue (mail-queue.ts) hands it to a Mailer and records the outcome. docs/registry-api.md
 * §8.3.
 */

/**
 * queued: waiting for its first or next attempt; sent: accepted by the mail server; failed: refused
 * for good, or out of attempts; undeliverable: the user has no email address.
 */
export type MailState = 'queued' | 'sent' | 'failed' | 'undeliverable';

export interface OutboxMessage {
  id: string;
  /** user name */
  user: string;
  /** email address, or null when the user has none */
  to: string | null;
  subject: string;
  text: string;
  created: string;
  /** which notification (messages.ts), e.g. `tfa-removal` */
  kind?: string;
  /** absent in stores written before delivery states: queued */
  state?: MailState;
  /** delivery attempts made */
  attempts?: number;
  /** when the next attempt is due (queued only) */
  nextAttempt?: string | null;
  /** why the last attempt failed, or why it is undeliverable */
  lastError?: string | null;
  sentAt?: string | null;
}

/** A message's state, `queued` for records written before states existed. */
export function mailState(m: OutboxMessage): MailState {
  return m.state ?? 'queued';
}

/** A refused delivery. `permanent`: do not try again (a 5xx answer); else retried with backoff. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface Mailer {
  /** `email`: sent over SMTP; `outbox`: written to files or kept in memory */
  readonly channel: 'email' | 'outbox';
  /** what the start-up log says about where notifications go */
  readonly description: string;
  /** Delivers one message (`to` may be null for the outbox); throws DeliveryError or any error (retried). */
  send(m: OutboxMessage): Promise<void>;
  close?(): Promise<void>;
}

/** Keeps delivered messages in memory (registry without --data, tests). */
export class MemoryMailer implements Mailer {
  readonly channel = 'outbox';
  readonly description = 'no SMTP server configured (--smtp): notifications are kept in memory';
  readonly sent: OutboxMessage[] = [];
  async send(m: OutboxMessage): Promise<void> {
    this.sent.push(m);
  }
}

/** The default sender: `orgctl registry <registry@localhost>`. */
export const DEFAULT_FROM = 'orgctl registry <registry@localhost>';

/** RFC 5322 text of a message. */
export function toRfc5322(m: OutboxMessage, from = DEFAULT_FROM): string {
  const to = m.to ? `<${m.to}>` : 'undisclosed-recipients:;';
  const headers = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${m.subject.replace(/[\r\n]+/g, ' ')}`,
    `Date: ${new Date(m.created).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${m.id}@orgctl.localhost>`,
    `X-Orgctl-User: ${m.user}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${m.text.replace(/\r?\n/g, '\r\n')}\r\n`;
}

/** Writes each message as `<dir>/<created>-<id>.eml` (mode 0600), for reading or an SMTP relay. */
export class FileMailer implements Mailer {
  readonly channel = 'outbox';
  readonly description: string;
  constructor(
    readonly dir: string,
    readonly from = DEFAULT_FROM,
  ) {
    this.description = `no SMTP server configured (--smtp): notifications are written to ${dir}`;
  }
  async send(m: OutboxMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const stamp = m.created.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    await writeFile(path.join(this.dir, `${stamp}-${m.id}.eml`), toRfc5322(m, this.from), { mode: 0o600 });
  }
}

/** A minimal HTML part for a plain-text message: escaped, one paragraph per blank-line block. */
export function htmlOf(text: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const paras = text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>\n')}</p>`);
  return `<!doctype html>\n<html><body>\n${paras.join('\n')}\n</body></html>\n`;
}
