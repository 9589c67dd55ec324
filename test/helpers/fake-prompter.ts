/**
 * Job: answer a command's prompts in-process (unit tests of the run functions): a queue of
 * expected questions and their answers; an unexpected question throws.
 *
 *   const p = fakePrompter().expect('password', BOB.password).expect('otp', code); …; p.assertDone()
 */
import type { Prompter } from '../../src/ui/prompter.js';

type Kind = keyof Prompter;

/**
 * A prompter that answers from a queue of expectations and throws on any question it was not
 * told to expect. Call `assertDone()` at the end to fail on expectations nobody used.
 */
export function fakePrompter() {
  const queue: { kind: Kind; answer: string | boolean }[] = [];
  const asked: { kind: Kind; message: string }[] = [];
  const take = (kind: Kind, message: string) => {
    asked.push({ kind, message });
    const next = queue.shift();
    if (!next) throw new Error(`unexpected ${kind} prompt: ${message}`);
    if (next.kind !== kind) throw new Error(`expected a ${next.kind} prompt, got ${kind}: ${message}`);
    return next.answer;
  };
  const p = {
    asked,
    expect(kind: Kind, answer: string | boolean) {
      queue.push({ kind, answer });
      return p;
    },
    assertDone() {
      if (queue.length) throw new Error(`prompts never asked: ${queue.map((q) => q.kind).join(', ')}`);
    },
    input: async (message: string) => take('input', message) as string,
    password: async (message: string) => take('password', message) as string,
    otp: async (message = '') => take('otp', message) as string,
    confirm: async (message: string) => take('confirm', message) as boolean,
  } satisfies Prompter & Record<string, unknown>;
  return p;
}
