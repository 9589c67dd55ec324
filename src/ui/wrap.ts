/**
 * Wraps prose to `width` columns at word boundaries, so a terminal never breaks a word (`…told by
 * e` / `mail.`). Each line longer than `width` is split at spaces; its continuation lines keep
 * the line's indentation. A word longer than the width stays whole. Escape codes (colour) take
 * no columns. Lines that fit, and text for a width under 20, are left as they are.
 */
export function wrapText(text: string, width: number | undefined): string {
  if (!width || width < 20) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, width))
    .join('\n');
}

/**
 * Terminal escape sequences (CSI, OSC), as node:util's stripVTControlCharacters matches them: not
 * imported from there, as loading node:util costs every command ~0.4 MiB of peak memory.
 */
const ANSI =
  /[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?(?:\u0007|\u001B\u005C|\u009C))|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;

const columns = (s: string) => [...s.replace(ANSI, '')].length;

function wrapLine(line: string, width: number): string {
  if (columns(line) <= width) return line;
  const indent = /^ */.exec(line)![0];
  const words = line.slice(indent.length).split(/ +/);
  const out: string[] = [];
  let cur = indent;
  for (const word of words) {
    if (cur.trim() === '') cur = indent + word;
    else if (columns(cur) + 1 + columns(word) <= width) cur += ` ${word}`;
    else {
      out.push(cur);
      cur = indent + word;
    }
  }
  out.push(cur);
  return out.join('\n');
}
