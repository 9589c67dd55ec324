/**
 * Job: a real SMTP server for mail tests (smtp-server, on 127.0.0.1), with every message read back
 * by mailparser.
 *
 *   const smtp = await startSmtp({ auth: { user, pass } })   listening; smtp.url() is smtp://user:pass@127.0.0.1:port
 *   const smtp = await startSmtp({ down: true })   a port chosen but nothing listening yet: smtp.up() later
 *   smtp.received        parsed messages with their envelope, in arrival order; smtp.onReceived(fn) for the next
 *   smtp.refuse = 550    answer every recipient with this code (null: accept); smtp.rcpts counts them
 *   smtp.down() / smtp.up()   stop and start listening on the same port
 *   smtp.close()         (also done after each test)
 */
import { afterEach } from '@jest/globals';
import { createServer } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  mail: ParsedMail;
  envelope: { from: string; to: string[] };
  /** the raw header block, as it arrived */
  rawHeaders: string;
}

export interface TestSmtp {
  port: number;
  /** smtp://[user:pass@]127.0.0.1:port */
  url(auth?: { user: string; pass: string }): string;
  received: Received[];
  /** answer RCPT TO with this code (5xx: permanent, 4xx: temporary); null accepts */
  refuse: number | null;
  /** logins tried (user names) */
  logins: string[];
  /** RCPT TO commands received (accepted or not) */
  rcpts: number;
  /** calls `fn` once, when the next message has arrived */
  onReceived(fn: () => void): void;
  up(): Promise<void>;
  down(): Promise<void>;
  close(): Promise<void>;
}

const open = new Set<TestSmtp>();
afterEach(async () => {
  await Promise.all([...open].map((s) => s.close()));
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startSmtp(opts: { auth?: { user: string; pass: string }; down?: boolean } = {}): Promise<TestSmtp> {
  let server: SMTPServer | null = null;
  const waiters: (() => void)[] = [];
  const t: TestSmtp = {
    port: 0,
    received: [],
    refuse: null,
    logins: [],
    rcpts: 0,
    onReceived(fn) {
      waiters.push(fn);
    },
    url(auth = opts.auth) {
      return `smtp://${auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : ''}127.0.0.1:${t.port}`;
    },
    async up() {
      if (server) return;
      server = new SMTPServer({
        logger: false,
        authOptional: !opts.auth,
        allowInsecureAuth: true,
        disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
        onAuth(auth, _session, cb) {
          t.logins.push(auth.username ?? '');
          if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
          else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
        },
        onRcptTo(_address, _session, cb) {
          t.rcpts++;
          if (t.refuse) cb(Object.assign(new Error(t.refuse >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: t.refuse }));
          else cb();
        },
        onData(stream, session, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks);
            simpleParser(raw).then((mail) => {
              const text = raw.toString('utf8');
              t.received.push({
                mail,
                envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
                rawHeaders: text.slice(0, text.indexOf('\r\n\r\n')),
              });
              cb();
              for (const w of waiters.splice(0)) w();
            }, cb);
          });
        },
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(t.port, '127.0.0.1', () => resolve());
      });
      t.port = (s.server.address() as { port: number }).port;
    },
    async down() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    async close() {
      open.delete(t);
      await t.down();
    },
  };
  open.add(t);
  if (opts.down) t.port = await freePort();
  else await t.up();
  return t;
}
