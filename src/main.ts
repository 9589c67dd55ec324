import { CliError, ExitCode, exitCodeFor } from './errors.js';
import { systemIO, type ProcessLike } from './ui/io.js';
import { visible } from './ui/visible.js';
import { VERSION } from './version.js';

/**
 * The process entry point. `proc` is passed in (npm's cli.js does the same) so tests can run the
 * whole CLI in-process with fake streams.
 */
export async function main(proc: ProcessLike): Promise<void> {
  const argv = proc.argv.slice(2);
  // `orgctl … | head`: once the reader has left, writing more is pointless; stop quietly, with
  // the exit code so far, instead of Node's unhandled EPIPE and its stack trace.
  proc.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    proc.exit(Number(proc.exitCode ?? 0));
  });
  const io = systemIO(proc, { noColor: argv.includes('--no-color'), json: argv.includes('--json') });
  try {
    // `orgctl --version` alone answers without loading commander or any command (startup budget).
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      io.out(`${VERSION}\n`);
      return;
    }
    const { buildProgram } = await import('./cli.js');
    const program = await buildProgram({ io, proc }, argv);
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    proc.exitCode = reportError(err, io.err, !!io.env.ORGCTL_DEBUG);
  }
}

/**
 * Prints an error the way the exit-code contract promises and returns its exit code. Messages and
 * hints often quote the registry, so their control characters are made visible here, for every
 * error at once.
 */
export function reportError(err: unknown, write: (s: string) => void, debug = false): ExitCode {
  const code = exitCodeFor(err);
  // commander's usage errors arrive as UsageErrors (src/commands/program.ts); what arrives as a
  // CommanderError is help or the version (already printed), or else an error not printed yet.
  const cmdr = err as { code?: string; message?: string };
  if (typeof cmdr?.code === 'string' && cmdr.code.startsWith('commander.')) {
    if (cmdr.code === 'commander.helpDisplayed' || cmdr.code === 'commander.version' || cmdr.code === 'commander.help') {
      return ExitCode.Ok;
    }
    write(`orgctl: ${visible(String(cmdr.message).replace(/^error: /, ''))}\n`);
    return ExitCode.Usage;
  }
  if (err instanceof CliError) {
    write(`orgctl: ${visible(err.message)}\n`);
    if (err.hint) write(`${visible(err.hint)}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    write(`orgctl: unexpected error: ${visible(msg)}\n`);
    if (debug && err instanceof Error && err.stack) write(`${err.stack.split('\n').map(visible).join('\n')}\n`);
    else write('Run again with ORGCTL_DEBUG=1 for details.\n');
  }
  return code;
}
