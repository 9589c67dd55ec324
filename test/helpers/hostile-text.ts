/**
 * What a hostile registry puts in its strings (OSC 52 clipboard write, screen clear, a carriage
 * return faking "✓ all members have 2FA", a right-to-left override, a C1 CSI), how orgctl must
 * show it, and the raw characters that must never reach a terminal.
 */
export const HOSTILE = 'x\x1b]52;c;ZXZpbA==\x07\x1b[2J\r✓ all members have 2FA\u202e\x9b';
export const HOSTILE_SHOWN = String.raw`x\x1b]52;c;ZXZpbA==\x07\x1b[2J\r✓ all members have 2FA\u202e\x9b`;
/** Raw control characters (C0 but newline, DEL, C1) and the bidi/zero-width format characters. */
export const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/u;
