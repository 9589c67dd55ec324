/**
 * The exit-code contract of orgctl, in one place (README "Exit codes").
 *
 *   0  success
 *   1  the operation failed (server refused, not found, network)
 *   2  usage error or invalid input (also: a confirmation is needed but there is no TTY and no --yes)
 *   3  cancelled by the user (declined, or a wrong typed confirmation)
 *   4  authentication needed (no token, token rejected, OTP needed and none can be asked for)
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  Cancelled: 3,
  Auth: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: printed as one line (plus an optional hint), never with a stack. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  constructor(message: string, exitCode: ExitCode = ExitCode.Failure, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** Bad flags, bad arguments, invalid input files: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint);
  }
}

/** The user declined or typed the wrong confirmation: exit 3. */
export class CancelError extends CliError {
  constructor(message = 'Cancelled.', hint?: string) {
    super(message, ExitCode.Cancelled, hint);
  }
}

/** No usable credential, or an OTP is needed and cannot be asked for: exit 4. */
export class AuthError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Auth, hint);
  }
}

/** Maps any thrown value to an exit code. Unknown errors are failures (1). */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  return ExitCode.Failure;
}
