import { createRequire } from 'node:module';

/** A QR code's modules, row by row: true is a dark module. */
export type QrMatrix = boolean[][];

interface VendorQrCode {
  addData(data: string): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, col: number): boolean;
}

/**
 * The modules of the QR code for `text`: qrcode-terminal's generator (error correction L, the
 * smallest version that holds it), loaded on first use.
 */
export function qrMatrix(text: string): QrMatrix {
  const require = createRequire(import.meta.url);
  const QRCode = require('qrcode-terminal/vendor/QRCode') as new (type: number, level: number) => VendorQrCode;
  const { L } = require('qrcode-terminal/vendor/QRCode/QRErrorCorrectLevel') as { L: number };
  const qr = new QRCode(-1, L);
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

export interface QrRenderOptions {
  /**
   * Paint dark and light modules with explicit black and white (ANSI colours), so the code scans
   * on a dark and on a light terminal alike. Without colour, light modules are drawn as blocks in
   * the text colour (right for light text on a dark background, as qrcode-terminal does).
   */
  color: boolean;
  /** Light modules around the code, above and below (the standard asks for 4). */
  quietRows: number;
  /** Light modules left and right. */
  quietCols: number;
}

/** How many terminal lines `modules` take with `quietRows` (two module rows per line). */
export function qrHeight(size: number, quietRows: number): number {
  return Math.ceil((size + 2 * quietRows) / 2);
}

/**
 * Renders the code with half blocks, two module rows per line, inside a light quiet zone.
 * Returns the lines (without newlines).
 */
export function renderQr(modules: QrMatrix, opts: QrRenderOptions): string[] {
  const n = modules.length;
  const width = n + 2 * opts.quietCols;
  const light = (): boolean[] => new Array<boolean>(width).fill(false);
  const rows: boolean[][] = [];
  for (let i = 0; i < opts.quietRows; i++) rows.push(light());
  for (const row of modules) rows.push([...new Array<boolean>(opts.quietCols).fill(false), ...row, ...new Array<boolean>(opts.quietCols).fill(false)]);
  for (let i = 0; i < opts.quietRows; i++) rows.push(light());
  if (rows.length % 2) rows.push(light());
  const lines: string[] = [];
  for (let r = 0; r < rows.length; r += 2) {
    const top = rows[r]!;
    const bottom = rows[r + 1]!;
    let line = '';
    let sgr = '';
    for (let c = 0; c < width; c++) {
      if (opts.color) {
        // Upper half block: its foreground is the top module, its background the bottom one.
        const next = `\x1b[${top[c] ? 30 : 97};${bottom[c] ? 40 : 107}m`;
        if (next !== sgr) line += sgr = next;
        line += '▀';
      } else {
        line += top[c] ? (bottom[c] ? ' ' : '▄') : bottom[c] ? '▀' : '█';
      }
    }
    lines.push(opts.color ? `${line}\x1b[0m` : line);
  }
  return lines;
}

/**
 * The code for `text` fitted to a terminal: a 4-module quiet zone left and right, and the largest
 * quiet zone above and below (4 down to 1) with which it fits in `maxLines`. `fits` is false when
 * even the smallest does not.
 */
export function fitQr(text: string, opts: { color: boolean; maxLines: number }): { lines: string[]; fits: boolean } {
  const modules = qrMatrix(text);
  let quietRows = 4;
  while (quietRows > 1 && qrHeight(modules.length, quietRows) > opts.maxLines) quietRows--;
  return { lines: renderQr(modules, { color: opts.color, quietRows, quietCols: 4 }), fits: qrHeight(modules.length, quietRows) <= opts.maxLines };
}
