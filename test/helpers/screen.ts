/**
 * Job: what a terminal of `cols` x `rows` shows after some raw output (a pty session's
 * `s.raw`): a small screen model, enough for orgctl's and inquirer's output. Printable text with
 * auto-wrap at the last column, CR, LF (scrolling the top line away at the bottom), BS, and the
 * CSI sequences cursor up/down/forward/back/column/position (A B C D G H f), erase in line/display
 * (K J) and colours (m: 30-37, 90-97 foreground, 40-47, 100-107 background, 39, 49, 0). Other
 * sequences (cursor show/hide, modes) are ignored.
 *
 *   const screen = renderScreen(s.raw, 80, 24);
 *   screen.text()            -> the 24 lines, trailing spaces trimmed
 *   screen.cells[row][col]   -> { ch, fg, bg } (fg/bg: the SGR number, or undefined for the default)
 *   screen.scrolledOff       -> how many lines went off the top
 */

export interface Cell {
  ch: string;
  fg?: number;
  bg?: number;
}

export interface Screen {
  cells: Cell[][];
  scrolledOff: number;
  text(): string[];
}

export function renderScreen(raw: string, cols: number, rows: number): Screen {
  const blank = (): Cell => ({ ch: ' ' });
  const blankRow = (): Cell[] => Array.from({ length: cols }, blank);
  const cells: Cell[][] = Array.from({ length: rows }, blankRow);
  let row = 0;
  let col = 0;
  let fg: number | undefined;
  let bg: number | undefined;
  let scrolledOff = 0;
  let pendingWrap = false;

  const lineFeed = () => {
    if (row === rows - 1) {
      cells.shift();
      cells.push(blankRow());
      scrolledOff++;
    } else row++;
  };
  const clampRow = (r: number) => Math.max(0, Math.min(rows - 1, r));
  const clampCol = (c: number) => Math.max(0, Math.min(cols - 1, c));

  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\x1b') {
      const next = chars[i + 1];
      if (next === '[') {
        let j = i + 2;
        let params = '';
        while (j < chars.length && /[0-9;?<=>]/.test(chars[j]!)) params += chars[j++];
        const final = chars[j] ?? '';
        i = j;
        const nums = params.replace(/^[?<=>]/, '').split(';').map((p) => (p === '' ? undefined : Number(p)));
        const n = nums[0] ?? 1;
        pendingWrap = false;
        if (final === 'A') row = clampRow(row - n);
        else if (final === 'B') row = clampRow(row + n);
        else if (final === 'C') col = clampCol(col + n);
        else if (final === 'D') col = clampCol(col - n);
        else if (final === 'G') col = clampCol(n - 1);
        else if (final === 'H' || final === 'f') {
          row = clampRow((nums[0] ?? 1) - 1);
          col = clampCol((nums[1] ?? 1) - 1);
        } else if (final === 'K') {
          const mode = nums[0] ?? 0;
          for (let c = 0; c < cols; c++) if (mode === 2 || (mode === 0 && c >= col) || (mode === 1 && c <= col)) cells[row]![c] = blank();
        } else if (final === 'J') {
          const mode = nums[0] ?? 0;
          for (let r = 0; r < rows; r++)
            for (let c = 0; c < cols; c++) {
              const after = r > row || (r === row && c >= col);
              if (mode >= 2 || (mode === 0 && after) || (mode === 1 && !after)) cells[r]![c] = blank();
            }
        } else if (final === 'm') {
          for (const p of nums.length ? nums : [0]) {
            const v = p ?? 0;
            if (v === 0) fg = bg = undefined;
            else if (v === 39) fg = undefined;
            else if (v === 49) bg = undefined;
            else if ((v >= 30 && v <= 37) || (v >= 90 && v <= 97)) fg = v;
            else if ((v >= 40 && v <= 47) || (v >= 100 && v <= 107)) bg = v;
          }
        }
      } else if (next === ']') {
        // OSC: up to BEL or ST.
        let j = i + 2;
        while (j < chars.length && chars[j] !== '\x07' && !(chars[j] === '\x1b' && chars[j + 1] === '\\')) j++;
        i = chars[j] === '\x07' ? j : j + 1;
      } else i++;
      continue;
    }
    if (ch === '\r') {
      col = 0;
      pendingWrap = false;
    } else if (ch === '\n') {
      lineFeed();
      pendingWrap = false;
    } else if (ch === '\b') {
      col = clampCol(col - 1);
      pendingWrap = false;
    } else if (ch >= ' ') {
      if (pendingWrap) {
        col = 0;
        lineFeed();
        pendingWrap = false;
      }
      cells[row]![col] = { ch, fg, bg };
      if (col === cols - 1) pendingWrap = true;
      else col++;
    }
  }
  return { cells, scrolledOff, text: () => cells.map((r) => r.map((c) => c.ch).join('').trimEnd()) };
}
