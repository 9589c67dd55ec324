import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import type { IO } from '../../ui/io.js';
import { writeJson } from '../../ui/json.js';

export interface RestoreOptions {
  file: string;
  data: string;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ orgctl registry restore registry.backup --data ./restored-data
  $ orgctl registry serve --data ./restored-data

The folder must not exist or be empty. A backup that is cut short or edited is refused and
nothing is written.
`;

export function registerRestore(parent: Command, deps: AppDeps, runF = restoreRun): Command {
  return parent
    .command('restore <file>')
    .description('Restore a backup from `registry backup` into a new data folder')
    .requiredOption('--data <dir>', 'the new data folder (must not exist, or be empty)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: { data: string; json?: boolean }) => {
      await runF({ file, data: flags.data, json: !!flags.json }, { io: deps.io });
    });
}

export async function restoreRun(opts: RestoreOptions, deps: { io: IO }): Promise<void> {
  const { io } = deps;
  const { restoreBackup, BackupError } = await import('../../server/store/backup.js');
  let summary;
  try {
    summary = await restoreBackup(opts.file, opts.data);
  } catch (e) {
    if (e instanceof BackupError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot restore into ${opts.data}: ${code}`, ExitCode.Failure);
    throw e;
  }
  if (opts.json) writeJson(io, summary);
  else io.out(`restored ${summary.users} users, ${summary.orgs} orgs, ${summary.packages} packages (${summary.tarballs} tarballs), ${summary.outbox} outbox files into ${summary.dir} (backup of ${summary.created})\n`);
}
