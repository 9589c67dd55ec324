import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import type { IO } from '../../ui/io.js';
import { writeJson } from '../../ui/json.js';
import { safe } from '../../ui/visible.js';

export interface ImportHtpasswdOptions {
  file: string;
  data: string;
  json: boolean;
}

export interface ImportHtpasswdDeps {
  io: IO;
  now?: () => number;
}

const EXAMPLES = `
Examples:
  $ orgctl registry import-htpasswd /verdaccio/storage/htpasswd --data ./registry-data
  $ orgctl registry import-htpasswd htpasswd --data ./registry-data --json

The server must be stopped: the command opens the data folder itself (and is refused, naming the
pid, while a server holds it). Imported users log in with their old password, which is re-hashed
with scrypt at their first login.
`;

export function registerImportHtpasswd(parent: Command, deps: AppDeps, runF = importHtpasswdRun): Command {
  return parent
    .command('import-htpasswd <file>')
    .description('Import users from a Verdaccio/Apache htpasswd file (bcrypt, {SHA}, $apr1$, {PLAIN}) into a stopped registry')
    .requiredOption('--data <dir>', 'the registry data folder (the server must be stopped)')
    .option('--json', 'print the report as JSON: {imported, skipped, failed}')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: { data: string; json?: boolean }) => {
      await runF({ file, data: flags.data, json: !!flags.json }, { io: deps.io });
    });
}

/** Reads the file, imports it in one transaction, prints one line per user; exit 1 when a line failed. */
export async function importHtpasswdRun(opts: ImportHtpasswdOptions, deps: ImportHtpasswdDeps): Promise<void> {
  const { io } = deps;
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read htpasswd file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { openOffline } = await import('../../server/offline.js');
  const { StoreError } = await import('../../server/store/file-store.js');
  let registry;
  try {
    registry = await openOffline(opts.data, { now: deps.now });
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(e.message, ExitCode.Usage, 'Stop the server first: import-htpasswd works on a stopped registry.');
    throw e;
  }
  let report;
  try {
    report = await registry.core.imports.htpasswd(text);
  } finally {
    await registry.close();
  }
  if (opts.json) writeJson(io, report);
  else {
    for (const u of report.imported) io.out(safe`imported  ${u.name}  (line ${u.line}, ${u.hash})\n`);
    for (const u of report.skipped) io.out(safe`skipped   ${u.name}  (line ${u.line}: ${u.reason})\n`);
    for (const u of report.failed) io.out(safe`failed    ${u.name ?? '-'}  (line ${u.line}: ${u.reason})\n`);
  }
  const n = report.imported.length;
  io.err(`${n} user${n === 1 ? '' : 's'} imported, ${report.skipped.length} skipped, ${report.failed.length} failed, into ${opts.data}\n`);
  if (report.failed.length > 0) {
    throw new CliError(`${report.failed.length} line${report.failed.length === 1 ? '' : 's'} of ${opts.file} could not be imported (listed above); the others were imported`);
  }
}
