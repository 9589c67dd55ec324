import { createRequire } from 'node:module';

/**
 * commander, loaded with require(): imported from ESM, its CommonJS entry would be scanned for
 * its exports (Node's cjs-module-lexer), which costs every command ~1 MiB of peak memory (the
 * `org ls --json` memory budget). Command files import commander's values from here.
 */
const commander = createRequire(import.meta.url)('commander') as typeof import('commander');

export const { Command, Option, Argument } = commander;
export type Command = import('commander').Command;
export type Option = import('commander').Option;
export type Argument = import('commander').Argument;
