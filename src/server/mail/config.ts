import { DEFAULT_FROM } from '../core/outbox.js';

/**
 * The mail settings of `registry serve --smtp/--mail-from` (and the Verdaccio plugin's `smtp:` and
 * `mailFrom:`), checked before anything starts. No nodemailer here: it is loaded only when an SMTP
 * URL is given (smtp.ts). docs/registry-api.md §8.3.
 */

/** A bad `--smtp` or `--mail-from`: exit 2. The message never holds the URL's password. */
export class MailConfigError extends Error {}

export interface SmtpConfig {
  /** the URL as given, for nodemailer (it holds the password: never print it) */
  url: string;
  /** the URL with the password (and every query value) replaced by `***`, for logs */
  redacted: string;
  /** the strings a log line must never show: the password, raw and decoded */
  secrets: string[];
}

export interface MailFrom {
  /** `Name <address>` or `address`, as given */
  text: string;
  name: string;
  address: string;
  /** the address's domain, for Message-IDs */
  domain: string;
}

const USAGE = 'smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or smtps://[user:password@]host[:port] (TLS)';

/** Checks an SMTP URL (`smtp:` or `smtps:`, with a host). */
export function parseSmtpUrl(raw: string, what = 'the SMTP URL'): SmtpConfig {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // The text may hold a password: not repeated.
    throw new MailConfigError(`${what} is not a valid URL; expected ${USAGE}`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new MailConfigError(`${what} must start with smtp:// or smtps://, got ${JSON.stringify(u.protocol.slice(0, 20))}; expected ${USAGE}`);
  if (!u.hostname) throw new MailConfigError(`${what} has no host; expected ${USAGE}`);
  if (u.port === '0') throw new MailConfigError(`${what} has port 0; expected ${USAGE}`);
  const secrets: string[] = [];
  if (u.password) {
    secrets.push(u.password);
    try {
      secrets.push(decodeURIComponent(u.password));
    } catch {
      throw new MailConfigError(`${what} has a badly encoded password; percent-encode its special characters`);
    }
    u.password = '***';
  }
  for (const key of [...u.searchParams.keys()]) {
    for (const v of u.searchParams.getAll(key)) if (v) secrets.push(v);
    u.searchParams.set(key, '***');
  }
  return { url: raw, redacted: u.toString().replace('%2A%2A%2A', '***'), secrets: [...new Set(secrets)].sort((a, b) => b.length - a.length) };
}

/** Checks a sender: `address` or `Name <address>`, no control characters. */
export function parseMailFrom(raw: string = DEFAULT_FROM, what = 'the mail sender'): MailFrom {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new MailConfigError(`${what} must not contain control characters (such as a line break)`);
  const m = /^\s*(?:([^<>"]*?)\s*<([^\s<>@"]+)@([^\s<>@"]+)>|([^\s<>@"]+)@([^\s<>@"]+))\s*$/.exec(raw);
  if (!m) throw new MailConfigError(`${what} must be an address like registry@example.com or "Registry <registry@example.com>", got ${JSON.stringify(raw)}`);
  const [local, domain] = m[2] !== undefined ? [m[2], m[3]!] : [m[4]!, m[5]!];
  return { text: raw.trim(), name: m[1] ?? '', address: `${local}@${domain}`, domain };
}

/** `text` with each secret replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
