import type { Command } from 'commander';
import { firstOperand } from './global-flags.js';

/** Registers one command (or group) under `parent`; `rest` is the command line after `parent`'s name. */
export type Registrar<D> = (parent: Command, deps: D, rest: readonly string[]) => unknown;

/** A subcommand: the names it answers to (name and aliases) and how to load its registration. */
export type LazyCommand<D> = [names: readonly string[], load: () => Promise<Registrar<D>>];

/**
 * Registers the subcommands a command line can reach, importing only their modules (startup time
 * and memory grow with every module loaded). When the first operand of `rest` is one of the
 * `subs`, only that one is registered; otherwise (help, no subcommand, a typo) all are, in order,
 * so help and commander's suggestions stay complete. The groups that use this have no options
 * taking a value of their own, and the values of the global flags (`--registry URL`) are skipped,
 * so the first operand is the subcommand. A name missing from `names` only costs time: the
 * command line then registers everything.
 */
export async function registerLazily<D>(parent: Command, deps: D, rest: readonly string[], subs: readonly LazyCommand<D>[]): Promise<void> {
  const i = firstOperand(rest);
  const named = i < 0 ? [] : subs.filter(([names]) => names.includes(rest[i]!));
  const chosen = named.length > 0 ? named : subs;
  const after = i < 0 ? [] : rest.slice(i + 1);
  // One import at a time: Jest's ESM loader fails on concurrent imports sharing a dependency.
  for (const [, load] of chosen) await (await load())(parent, deps, after);
}
