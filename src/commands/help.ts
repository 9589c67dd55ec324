import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { AppDeps } from '../factory.js';
import { addExamples } from './common.js';
import { wrapText } from '../ui/wrap.js';

/**
 * `orgctl help [command path]`: the help of any command, however deep (`orgctl help org 2fa
 * enforce` is `orgctl org 2fa enforce --help`), and the topics that belong to no command
 * (`orgctl help environment`). cli.ts registers the commands the path names, as it would for the
 * command itself.
 */
/** Every environment variable orgctl reads, in help order: [names, what it does]. */
const ENVIRONMENT: [string, string][] = [
  ['ORGCTL_REGISTRY', 'registry URL (after --registry, before npm\'s configuration)'],
  ['ORGCTL_TOKEN', 'token to send; wins over the token of `orgctl login` and .npmrc tokens; never sent to a registry named by a project .npmrc'],
  ['ORGCTL_CONFIG_DIR', 'folder of credentials.json (default $XDG_CONFIG_HOME/orgctl, or ~/.config/orgctl)'],
  ['ORGCTL_TIMEOUT', 'seconds to wait to connect, for the headers and for the body of each request (default 30; a number above 0, at most 86400)'],
  ['ORGCTL_DEBUG', 'any value: log each request (never credentials) and print stack traces on stderr'],
  ['ORGCTL_SMTP_URL', 'registry serve: SMTP URL for notification mail (like --smtp, but not visible to other users of the machine)'],
  ['ORGCTL_TEST_CLOCK_FILE', 'registry serve, tests only: read the registry\'s time from this file'],
  ['npm_config_registry', 'npm\'s registry, used when neither --registry nor ORGCTL_REGISTRY is set'],
  ['npm_config_userconfig', 'the user .npmrc (default ~/.npmrc)'],
  ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'proxies (either case); loopback hosts are never proxied'],
  ['NO_COLOR', 'set (not empty): no colour'],
  ['FORCE_COLOR', 'colour even when the stream is not a terminal (0 or false: none); --no-color wins over both'],
  ['CI', 'set: no spinners'],
];

/** The topics of `orgctl help <topic>`, each formatted for a width. */
export const HELP_TOPICS: Record<string, (width: number) => string> = {
  environment: (width) => `Environment variables orgctl reads\n\n${twoColumns(ENVIRONMENT, width)}`,
};

/**
 * `  NAME   description…` rows, the descriptions wrapped beside the names (a long name gets its own
 * line); on a terminal too narrow for that, each description goes under its name.
 */
function twoColumns(rows: [string, string][], width: number): string {
  const beside = 2 + Math.max(...rows.map(([n]) => (n.length <= 24 ? n.length : 0))) + 3;
  const col = width - beside >= 30 ? beside : 6;
  const pad = ' '.repeat(col);
  return rows
    .map(([name, text]) => {
      const body = wrapText(pad + text, Math.max(width, col + 20)).slice(col);
      // (with col 6, every name is too long to stand beside its text: it gets a line of its own)
      return name.length + 2 + 3 <= col ? `  ${name.padEnd(col - 2)}${body}\n` : `  ${name}\n${pad}${body}\n`;
    })
    .join('');
}

export function registerHelp(program: Command, _deps: AppDeps): Command {
  const cmd = program
    .command('help')
    .argument('[command...]', `a command path (org 2fa enforce) or a topic: ${Object.keys(HELP_TOPICS).join(', ')}`)
    .description('Show the help of a command, or a topic (environment)');
  addExamples(cmd, ['orgctl help org 2fa enforce', 'orgctl help environment']);
  return cmd.action((path: string[]) => helpRun(program, path));
}

/** Prints the topic, or the help of the command the path names (exit 2 when it names none). */
export function helpRun(program: Command, path: readonly string[]): void {
  const topic = path.length === 1 && Object.hasOwn(HELP_TOPICS, path[0]!) ? HELP_TOPICS[path[0]!] : undefined;
  if (topic !== undefined) {
    const out = program.configureOutput();
    out.writeOut?.(topic(out.getOutHelpWidth?.() ?? 80));
    return;
  }
  let cmd = program;
  for (const [i, name] of path.entries()) {
    const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) {
      const known = path.slice(0, i).join(' ');
      throw new UsageError(
        `unknown command '${[...path.slice(0, i + 1)].join(' ')}'`,
        `Run "orgctl help${known ? ` ${known}` : ''}" for the commands${known ? '' : ` and topics (${Object.keys(HELP_TOPICS).join(', ')})`}.`,
      );
    }
    cmd = sub;
  }
  cmd.outputHelp();
}
