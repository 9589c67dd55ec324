#!/usr/bin/env node
/**
 * `npm run demo`: a scripted walkthrough of org 2FA enforcement against the reference registry.
 *
 * It builds the CLI if dist/ is missing, starts `orgctl registry serve` on a free loopback port
 * with a temporary data folder seeded from fixtures/demo.json, acts as alice (an owner of acme,
 * with 2FA), shows the org and its 2FA status, enforces 2FA (typed confirmation on a terminal,
 * `--yes` otherwise), shows who was removed, the notifications, the audit events and how to
 * reinstate, then stops the server, removes the temporary folder and exits 0.
 *
 * `npm run demo -- --smtp smtp://[user:password@]host:port` (or ORGCTL_SMTP_URL) sends the
 * notifications by email through that SMTP server (e.g. a local MailHog or smtp4dev) instead of
 * writing them to the outbox folder, and lists their delivery state at the end
 * (`orgctl registry mail ls`). `--mail-from <address>` sets their sender.
 *
 * Every step runs the built CLI (`node bin/orgctl.js …`) exactly as a user would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'orgctl.js');
const SEED_FILE = 'fixtures/demo.json';
const ORG = 'acme';
const OWNER = 'alice';

const seed = JSON.parse(readFileSync(path.join(ROOT, SEED_FILE), 'utf8'));
const owner = seed.users.find((u) => u.name === OWNER);
const interactive = !!(process.stdin.isTTY && process.stdout.isTTY);
const { values: flags } = parseArgs({ options: { smtp: { type: 'string' }, 'mail-from': { type: 'string' } } });
const smtpUrl = flags.smtp ?? (process.env.ORGCTL_SMTP_URL || undefined);
const out = (s = '') => process.stdout.write(`${s}\n`);
const step = (n, title) => out(`\n=== ${n}. ${title}`);

let server;
let dataDir;

async function main() {
  if (!existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    out('Building the CLI (dist/ is missing): npm run build');
    const b = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('the build failed');
  }
  const { generateSync } = await import('otplib');
  const otp = () => generateSync({ secret: owner.tfa.secret });

  dataDir = mkdtempSync(path.join(tmpdir(), 'orgctl-demo-'));
  server = await startServer(dataDir);
  const env = {
    ...process.env,
    ORGCTL_REGISTRY: server.url,
    ORGCTL_TOKEN: owner.token,
    ORGCTL_CONFIG_DIR: path.join(dataDir, 'config'),
  };
  delete env.ORGCTL_DEBUG;

  out(`orgctl demo: org 2FA enforcement against the reference registry`);
  out(`Registry: ${server.url} (temporary data folder, seeded from ${SEED_FILE})`);
  out(`Acting as ${OWNER}, an owner of ${ORG} with 2FA on (ORGCTL_TOKEN is ${OWNER}'s token from the fixture).`);
  out(`${OWNER}'s one-time passwords are derived from the TOTP secret in ${SEED_FILE}, as an`);
  out(`authenticator app would, and passed with --otp.`);

  step(1, `The members of ${ORG}: role, 2FA and teams`);
  await orgctl(['org', 'ls', ORG], env);

  step(2, `Is 2FA required, and who has no 2FA?`);
  await orgctl(['org', '2fa', 'status', ORG], env);

  step(3, `Enforce 2FA: preview, confirm, remove everyone without 2FA in one change`);
  const args = ['org', '2fa', 'enforce', ORG, '--otp', otp()];
  if (interactive) {
    out(`On a terminal, enforce asks you to type the org name ("${ORG}") to confirm; anything else cancels.`);
  } else {
    out('Not on a terminal, so the demo passes --yes (on a terminal enforce asks you to type the org name).');
    args.push('--yes');
  }
  const code = await orgctl(args, env, { allow: [3] });
  const enforced = code === 0;
  if (!enforced) out('You cancelled: nothing was changed. The steps below show the org as it is.');

  step(4, `Who was removed: the members of ${ORG} now`);
  await orgctl(['org', 'ls', ORG], env);
  await orgctl(['team', 'ls', `@${ORG}:core`], env);

  const expected = enforced ? withoutTwoFactor().length : 0;
  if (smtpUrl) {
    step(5, 'The notifications: sent by email through the SMTP server (their delivery state is listed at the end)');
    out(server.log().split('\n').find((l) => l.startsWith('mail: ')) ?? '');
  } else {
    step(5, 'The notifications (RFC 5322 messages in the registry\'s outbox folder)');
    const mails = await outbox(path.join(dataDir, 'outbox'), expected);
    if (mails.length === 0) out('(none)');
    for (const m of mails) out(`  ${m.to}  ${m.subject}`);
  }

  step(6, `The audit events of ${ORG}, newest first`);
  await orgctl(['org', 'audit', ORG], env);

  step(7, 'How to bring them back');
  out(`Removal records keep each member's former role and teams for 90 days. Once a removed member`);
  out(`turns on 2FA (orgctl profile enable-2fa), an owner re-invites them with those:`);
  out(`  orgctl org invite ${ORG} --reinstate          # everyone removed in the last 90 days`);
  out(`  orgctl org invite ${ORG} <user> --reinstate   # one member`);
  out(`and they accept with: orgctl invites accept ${ORG}`);
}

/** Members of the demo org whose user has no 2FA in the fixture. */
function withoutTwoFactor() {
  const org = seed.orgs.find((o) => o.name === ORG);
  return Object.keys(org.members).filter((name) => !seed.users.find((u) => u.name === name)?.tfa);
}

/** Runs `orgctl …` with the terminal passed through; returns the exit code (only 0 or `allow` pass). */
function orgctl(args, env, { allow = [] } = {}) {
  out(`$ orgctl ${args.map((a, i) => (args[i - 1] === '--otp' ? '<otp>' : a)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 || allow.includes(code)) resolve(code);
      else reject(new Error(`orgctl ${args[0]} ${args[1] ?? ''} exited with ${code ?? signal}`));
    });
  });
}

/** `orgctl registry serve` on a free loopback port; resolves once it prints its URL. */
function startServer(dir) {
  const mail = [...(flags['mail-from'] ? ['--mail-from', flags['mail-from']] : [])];
  const child = spawn(process.execPath, [CLI, 'registry', 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir, '--seed', SEED_FILE, ...mail], {
    cwd: ROOT,
    // The SMTP URL through the environment: it may hold a password, which the process list would show.
    env: { ...process.env, NO_COLOR: '1', ...(smtpUrl ? { ORGCTL_SMTP_URL: smtpUrl } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the registry did not start in 15 s\n${stderr}`));
    }, 15_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve({ url: stdout.slice(0, nl).trim(), child, exited, log: () => stderr });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the registry exited with ${code} before it started\n${stderr}`));
    });
  });
}

/** Reads the outbox, waiting a little for `expected` messages (the registry delivers them in the background). */
async function outbox(dir, expected) {
  const read = () =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.eml'))
          .map((f) => {
            const text = readFileSync(path.join(dir, f), 'utf8');
            const header = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
            return { to: header('To'), subject: header('Subject') };
          })
          .sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0))
      : [];
  for (let i = 0; i < 50 && read().length < expected; i++) await new Promise((r) => setTimeout(r, 100));
  return read();
}

async function stop() {
  if (server) {
    const s = server;
    server = undefined;
    s.child.kill('SIGTERM');
    const code = await s.exited;
    if (code !== 0) throw new Error(`the registry exited with ${code} when stopped\n${s.log()}`);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server?.child.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
  if (smtpUrl) {
    const dir = dataDir;
    dataDir = undefined; // kept until the delivery state is listed
    await stop();
    dataDir = dir;
    step(8, 'What the registry sent (the server is stopped: the outbox is read from its data folder)');
    await orgctl(['registry', 'mail', 'ls', '--data', dataDir], { ...process.env, NO_COLOR: '1' });
  }
  await stop();
  out('\nStopped the registry and removed its temporary data folder. Demo complete.');
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop().catch(() => {});
  process.exitCode = 1;
}
