import { Argument, type Command } from './commander.js';
import type { AppDeps } from '../factory.js';
import { addExamples } from './common.js';

/**
 * `orgctl completion bash|zsh|fish`: a completion script for commands, subcommands and flags,
 * made from the command tree (cli.ts registers every command for it). The script holds a table
 * from each command path to its subcommands and flags, and finds the path on the line by skipping
 * flags and the values of the flags that take one; it runs no orgctl process while completing.
 */
export function registerCompletion(program: Command, _deps: AppDeps): Command {
  const cmd = program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .description('Print a shell completion script for commands and flags (bash, zsh or fish)');
  cmd.addHelpText(
    'after',
    '\nLoad it in the current shell, or add that line to your shell\'s startup file:\n' +
      '  bash (~/.bashrc):  source <(orgctl completion bash)\n' +
      '  zsh (~/.zshrc):    source <(orgctl completion zsh)\n' +
      '  fish:              orgctl completion fish > ~/.config/fish/completions/orgctl.fish\n',
  );
  addExamples(cmd, ['source <(orgctl completion bash)']);
  return cmd.action((shell: Shell) => {
    const out = program.configureOutput().writeOut!;
    out(completionScript(shell, commandTable(program)));
  });
}

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** What the script knows of each command path ('' is orgctl itself). */
export interface CompletionTable {
  /** path → the names (and aliases) of its subcommands */
  subs: Map<string, string[]>;
  /** path → its long flags, hidden ones included (the global flags are taken anywhere) */
  flags: Map<string, string[]>;
  /** every flag that takes a value: its value is not a subcommand */
  valued: string[];
}

export function commandTable(program: Command): CompletionTable {
  const subs = new Map<string, string[]>();
  const flags = new Map<string, string[]>();
  const valued = new Set<string>();
  const visit = (cmd: Command, path: string) => {
    const names = cmd.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    if (names.length > 0) subs.set(path, names);
    const longs = cmd.options.flatMap((o) => (o.long ? [o.long] : []));
    for (const o of cmd.options) if (o.long && (o.required || o.optional)) valued.add(o.long);
    flags.set(path, [...new Set([...longs, '--help'])]);
    for (const c of cmd.commands) {
      for (const name of [c.name(), ...c.aliases()]) visit(c, path ? `${path} ${name}` : name);
    }
  };
  visit(program, '');
  return { subs, flags, valued: [...valued].sort() };
}

export function completionScript(shell: Shell, t: CompletionTable): string {
  if (shell === 'bash') return bashScript(t);
  if (shell === 'zsh') return zshScript(t);
  return fishScript(t);
}

/** `case` arms of a POSIX-style table: `"org ls") echo "…";;` */
function caseArms(m: Map<string, string[]>): string {
  return [...m].map(([path, words]) => `    "${path}") echo "${words.join(' ')}" ;;`).join('\n');
}

/**
 * What bash and zsh share: the table as two functions (`_orgctl_subs PATH`, `_orgctl_flags PATH`)
 * and `_orgctl_path WORD…`, the command path the words before the cursor name.
 */
function shFunctions(t: CompletionTable): string {
  return `_orgctl_subs() {
  case "$1" in
${caseArms(t.subs)}
  esac
}
_orgctl_flags() {
  case "$1" in
${caseArms(t.flags)}
  esac
}
_orgctl_path() {
  local path_="" word
  while [ $# -gt 0 ]; do
    word="$1"
    shift
    case "$word" in
      ${t.valued.join('|')}) [ $# -gt 0 ] && shift ;;
      -*) ;;
      *) case " $(_orgctl_subs "$path_") " in *" $word "*) path_="\${path_:+$path_ }$word" ;; esac ;;
    esac
  done
  echo "$path_"
}
`;
}

function bashScript(t: CompletionTable): string {
  return `# orgctl completion for bash. Load it with: source <(orgctl completion bash)
${shFunctions(t)}_orgctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path_
  path_="$(_orgctl_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_orgctl_flags "$path_")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_orgctl_subs "$path_")" -- "$cur"))
  fi
}
complete -o default -F _orgctl orgctl
`;
}

function zshScript(t: CompletionTable): string {
  return `#compdef orgctl
# orgctl completion for zsh. Load it with: source <(orgctl completion zsh)
${shFunctions(t)}_orgctl() {
  local path_
  path_="$(_orgctl_path "\${(@)words[2,CURRENT-1]}")"
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- \${=$(_orgctl_flags "$path_")}
  else
    compadd -- \${=$(_orgctl_subs "$path_")}
  fi
}
if (( $+functions[compdef] )); then
  compdef _orgctl orgctl
else
  autoload -Uz compinit && compinit && compdef _orgctl orgctl
fi
`;
}

function fishScript(t: CompletionTable): string {
  const arms = (m: Map<string, string[]>) =>
    [...m].map(([path, words]) => `    case '${path}'\n      string split ' ' -- '${words.join(' ')}'`).join('\n');
  return `# orgctl completion for fish. Install it with: orgctl completion fish > ~/.config/fish/completions/orgctl.fish
function __orgctl_subs
  switch "$argv[1]"
${arms(t.subs)}
  end
end
function __orgctl_flags
  switch "$argv[1]"
${arms(t.flags)}
  end
end
function __orgctl_path
  set -l words (commandline -opc)
  set -e words[1]
  set -l path ''
  set -l skip 0
  for word in $words
    if test $skip = 1
      set skip 0
      continue
    end
    if contains -- $word ${t.valued.join(' ')}
      set skip 1
      continue
    end
    if string match -q -- '-*' $word
      continue
    end
    if contains -- $word (__orgctl_subs "$path")
      set path (string trim -- "$path $word")
    end
  end
  echo $path
end
complete -c orgctl -f -n 'not string match -q -- "-*" (commandline -ct)' -a '(__orgctl_subs (__orgctl_path))'
complete -c orgctl -f -n 'string match -q -- "-*" (commandline -ct)' -a '(__orgctl_flags (__orgctl_path))'
`;
}
