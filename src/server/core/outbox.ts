import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';

/**
 * Notifications to members. The core writes each message into the store in the same transaction
 * as the change it reports (so a crash cannot keep the change and lose the message), then hands
 * them to a Mailer in the background and deletes them once delivered. Undelivered messages are
 * delivered at the next start.
 */
export interface OutboxMessage {
  id: string;
  /** user name */
  user: string;
  /** email address, or null when the user has none */
  to: string | null;
  subject: string;
  text: string;
  created: string;
}

export interface Mailer {
  deliver(messages: OutboxMessage[]): Promise<void>;
}

/** Keeps delivered messages in memory (registry without --data, tests). */
export class MemoryMailer implements Mailer {
  readonly sent: OutboxMessage[] = [];
  async deliver(messages: OutboxMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

/** RFC 5322 text of a message. */
export function toRfc5322(m: OutboxMessage): string {
  const to = m.to ? `<${m.to}>` : 'undisclosed-recipients:;';
  const headers = [
    'From: orgctl registry <registry@localhost>',
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
  constructor(readonly dir: string) {}
  async deliver(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    for (const m of messages) {
      const stamp = m.created.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      await writeFile(path.join(this.dir, `${stamp}-${m.id}.eml`), toRfc5322(m), { mode: 0o600 });
    }
  }
}
