/** Issue 18 (12): relative times for people on a terminal; ISO otherwise. */
import { describe, expect, it } from '@jest/globals';
import { relativeTime, shownTime, timeShower } from '../../../src/ui/time.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [44 * S, 'just now'],
    [-44 * S, 'just now'],
    [45 * S, 'in 1 minute'],
    [-90 * S, '2 minutes ago'],
    [44 * M, 'in 44 minutes'],
    [45 * M, 'in 1 hour'],
    [-2 * H, '2 hours ago'],
    [21 * H, 'in 21 hours'],
    [22 * H, 'in 1 day'],
    [6 * D + 23 * H, 'in 7 days'],
    [6 * D, 'in 6 days'],
    [-25 * D, '25 days ago'],
    [26 * D, 'in 1 month'],
    [-90 * D, '3 months ago'],
    [320 * D, 'in 1 year'],
    [-800 * D, '2 years ago'],
  ])('%d ms from now: %s', (ms, expected) => {
    expect(relativeTime(at(ms), NOW)).toBe(expected);
  });

  it('not a time: undefined', () => {
    expect(relativeTime('soon', NOW)).toBeUndefined();
    expect(relativeTime('', NOW)).toBeUndefined();
  });
});

describe('shownTime / timeShower', () => {
  it('relative on a terminal, the ISO time as given in a pipe, unreadable text as is', () => {
    const iso = at(6 * D);
    expect(shownTime({ isStdoutTTY: true }, iso, NOW)).toBe('in 6 days');
    expect(shownTime({ isStdoutTTY: false }, iso, NOW)).toBe(iso);
    expect(shownTime({ isStdoutTTY: true }, 'n/a', NOW)).toBe('n/a');
    expect(timeShower({ isStdoutTTY: true }, { now: () => NOW })(at(-2 * H))).toBe('2 hours ago');
  });
});
