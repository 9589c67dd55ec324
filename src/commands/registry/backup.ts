import { open, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import type { IO } from '../../ui/io.js';
import { writeJson } from '../../ui/json.js';

export interface BackupOptions {
  data: string;
  /** write here (created 0600, must not exist) instead of stdout */
  output?: string;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ orgctl registry backup --data ./registry-data > registry.backup
  $ orgctl registry backup --data ./registry-data --output registry.backup --json

Safe while the server runs: the backup is a state the registry had at one moment. It holds TOTP
secrets and every account's password hash: keep it as private as the data folder (--output creates
it 0600). Format: docs/registry-api.md §7.6.
`;

export function registerBackup(parent: Command, deps: AppDeps, runF = backupRun): Command {
  return parent
    .command('backup')
    .description('Write a consistent backup of a registry data folder (safe while the server runs) to stdout or --output')
    .requiredOption('--data <dir>', 'the registry data folder')
    .option('--output <file>', 'write the backup to this new file (0600) instead of stdout')
    .option('--json', 'print the summary as JSON (on stdout with --output, else on stderr)')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: { data: string; output?: string; json?: boolean }) => {
      await runF({ data: flags.data, output: flags.output, json: !!flags.json }, { io: deps.io });
    });
}

/** A writer that resolves once the stream took the chunk, so a large backup is not buffered in memory. */
function streamWriter(stream: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return (chunk) => new Promise((resolve, reject) => void stream.write(chunk, (err) => (err ? reject(err) : resolve())));
}

export async function backupRun(opts: BackupOptions, deps: { io: IO }): Promise<void> {
  const { io } = deps;
  if (!opts.output && io.isStdoutTTY) {
    throw new UsageError('refusing to write a backup to a terminal', `Redirect stdout to a file (orgctl registry backup --data ${opts.data} > registry.backup) or pass --output <file>.`);
  }
  const { writeBackup, BackupError } = await import('../../server/store/backup.js');
  const { NoStoreError } = await import('../../server/store/read-only.js');
  const { StoreError } = await import('../../server/store/file-store.js');
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  if (opts.output) {
    try {
      fh = await open(opts.output, 'wx', 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'EEXIST' ? `${opts.output} already exists; pick a new file name` : `cannot create ${opts.output}: ${code ?? (e as Error).message}`);
    }
  }
  let summary;
  try {
    const write = fh ? (chunk: string) => fh!.write(chunk).then(() => undefined) : streamWriter(io.stdout);
    summary = await writeBackup(opts.data, write);
    await fh?.sync();
  } catch (e) {
    if (fh) await rm(opts.output!, { force: true });
    if (e instanceof NoStoreError || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${opts.data} is not a registry data folder: ${(e as Error).message}`);
    if (e instanceof StoreError || e instanceof BackupError) throw new CliError(`cannot back up ${opts.data}: ${e.message}`, ExitCode.Failure);
    throw e;
  } finally {
    await fh?.close();
  }
  if (opts.json) {
    if (opts.output) writeJson(io, { file: opts.output, ...summary });
    else io.err(`${JSON.stringify(summary)}\n`);
    return;
  }
  const line = `backup of ${opts.data}: ${summary.users} users, ${summary.orgs} orgs, ${summary.packages} packages (${summary.tarballs} tarballs), ${summary.outbox} outbox files; ${summary.bytes} bytes, sha256 ${summary.sha256}`;
  if (opts.output) io.out(`${line}\n`);
  else io.err(`${line}\n`);
  if (summary.tailBytes > 0) io.err(`note: an incomplete last journal record (${summary.tailBytes} bytes, being written or torn) was left out\n`);
}
