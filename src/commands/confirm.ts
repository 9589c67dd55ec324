import { CancelError, UsageError } from '../errors.js';
import type { IO } from '../ui/io.js';
import type { Prompter } from '../ui/prompter.js';

/** What a confirmation needs: the terminal facts and a prompter (a fake one in tests). */
export interface ConfirmDeps {
  io: Pick<IO, 'canPrompt'>;
  prompter: Pick<Prompter, 'input' | 'confirm'>;
}

/**
 * A destructive command needs a terminal to confirm on, or `--yes`. Checked before any request,
 * so a script that forgot `--yes` changes nothing (exit 2). Never falls back to "yes".
 */
export function requireConfirmable(deps: ConfirmDeps, yes: boolean, command: string): void {
  if (yes || deps.io.canPrompt()) return;
  throw new UsageError(
    `${command} needs confirmation, and stdin and stdout are not both terminals.`,
    'Pass --yes to confirm without a prompt.',
  );
}

/**
 * The strong confirmation (gh's ConfirmDeletion, npm's website): the user types `expected`.
 * Anything else cancels with exit 3 and nothing changed. Skipped with `--yes`.
 */
export async function confirmByTyping(deps: ConfirmDeps, yes: boolean, expected: string, action: string): Promise<void> {
  if (yes) return;
  // No ✔ after the answer: whether it matches is said next (a refusal, or the change).
  const answer = await deps.prompter.input(`${action}\nType ${expected} to confirm:`, { unjudged: true });
  if (answer.trim() !== expected) {
    throw new CancelError(`"${answer.trim()}" does not match "${expected}"; nothing was changed.`);
  }
}

/** The milder confirmation: y/N, default no. Declining cancels with exit 3. Skipped with `--yes`. */
export async function confirmYesNo(deps: ConfirmDeps, yes: boolean, question: string): Promise<void> {
  if (yes) return;
  if (!(await deps.prompter.confirm(question, false))) throw new CancelError('Cancelled; nothing was changed.');
}
