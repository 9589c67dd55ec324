/**
 * Job: the reliability suite's dials (test/reliability): the default/stress sizes, a seeded PRNG
 * and temp folders. Raw HTTP requests are in http.ts.
 *
 *   size(dflt, stress)   a size: `dflt`, or `stress` under ORGCTL_STRESS=1 (npm run test:stress)
 *   rng(SEED)            a deterministic PRNG (ORGCTL_SEED=n replays another seed)
 *   useTempDirs(prefix)  () => a fresh temp folder, removed after the test
 */
import { afterEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `ORGCTL_STRESS=1` runs the full sizes (npm run test:stress); the default keeps CI fast. */
export const STRESS = process.env.ORGCTL_STRESS === '1';
export const size = (dflt: number, stress: number): number => (STRESS ? stress : dflt);
/** The PRNG seed: fixed by default so a failure can be replayed; `ORGCTL_SEED=n` picks another. */
export const SEED = Number(process.env.ORGCTL_SEED ?? 20261128);

export interface Rng {
  /** a float in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast and deterministic for a given seed. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** Fresh temp folders for each test, removed after it. */
export function useTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
