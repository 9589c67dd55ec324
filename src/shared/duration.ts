/**
 * Durations as people type them: a whole number and a unit, `90m`, `36h`, `7d`, `2w` (the grace
 * of `org 2fa enforce --grace`, and its body on the wire). Used by the CLI and the registry.
 */
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Milliseconds of `text`, or null when it is not `<whole number><m|h|d|w>` (or is zero). */
export function parseDuration(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^([1-9]\d{0,5})([mhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

export const DURATION_HELP = 'a whole number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. 7d or 36h';
