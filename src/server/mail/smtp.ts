import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryError, htmlOf, type Mailer, type OutboxMessage } from '../core/outbox.js';
import { scrub, type MailFrom, type SmtpConfig } from './config.js';

/**
 * Sends notifications over SMTP with nodemailer (loaded only when `--smtp` is given: this module
 * is imported lazily). TLS as nodemailer does it: `smtps://` connects with TLS; `smtp://` upgrades
 * with STARTTLS when the server offers it. Headers (subject, addresses) are encoded by nodemailer.
 *
 * Outcomes: a 5xx answer (a refused recipient or message) is permanent; 4xx answers, connection
 * problems and a refused login (535: the server's credentials are wrong, not the message) are
 * temporary and retried (mail-queue.ts). Error texts never hold the URL's password.
 */
export class SmtpMailer implements Mailer {
  readonly channel = 'email';
  readonly description: string;
  private readonly transport: Transporter;

  constructor(
    private readonly smtp: SmtpConfig,
    private readonly from: MailFrom,
    timeouts: { connectionMs?: number; socketMs?: number } = {},
  ) {
    this.description = `notifications are sent by email through ${smtp.redacted}, from ${from.text}`;
    this.transport = nodemailer.createTransport({
      url: smtp.url,
      connectionTimeout: timeouts.connectionMs ?? 15_000,
      greetingTimeout: timeouts.connectionMs ?? 15_000,
      socketTimeout: timeouts.socketMs ?? 60_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(m: OutboxMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: { name: this.from.name, address: this.from.address },
        to: m.to!,
        subject: m.subject,
        text: m.text,
        html: htmlOf(m.text),
        date: new Date(m.created),
        // The same id on every attempt, so a message sent twice (a crash before it was marked) is one message to a mail client.
        messageId: `<${m.id}@${this.from.domain}>`,
        headers: { 'X-Orgctl-User': m.user },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (e) {
      const err = e as Error & { code?: string; responseCode?: number };
      const code = err.responseCode;
      const what = err.code === 'EAUTH' ? 'SMTP login refused' : err.code ? `SMTP ${err.code}` : 'SMTP';
      const text = scrub(`${what}: ${err.message}`, this.smtp.secrets).replace(/\s+/g, ' ').slice(0, 500);
      throw new DeliveryError(text, code !== undefined && code >= 500 && err.code !== 'EAUTH');
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
