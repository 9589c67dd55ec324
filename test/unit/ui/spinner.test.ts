/**
 * Issue 18 (4): a spinner on stderr for network waits longer than 250 ms, only where progress is
 * shown (stderr a TTY, not CI, not --json). Timers and the spinner are fakes the test drives and
 * reads, so no test waits; one test draws the real (ora) spinner.
 */
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { systemIO, type IO, type ProcessLike } from '../../../src/ui/io.js';
import { SLOW_WAIT_MS, spinnerForSlowWaits, withSpinner, type Spinner, type WaitTimers } from '../../../src/ui/spinner.js';
import { testIO } from '../../helpers/test-io.js';

/** Timers the test fires by hand, and a spinner that records its life. */
function fakes() {
  const set: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const events: string[] = [];
  const timers: WaitTimers = {
    set: (fn, ms) => {
      set.push({ fn, ms, cleared: false });
      return set.length - 1;
    },
    clear: (h) => void (set[h as number]!.cleared = true),
  };
  const start = async (_io: IO, text: string): Promise<Spinner> => {
    events.push(`start ${text}`);
    return { update: () => undefined, stop: () => void events.push('stop') };
  };
  return { opts: { timers, start }, set, events, fire: () => set.filter((t) => !t.cleared).forEach((t) => t.fn()) };
}

/** A promise the test settles. */
function gate<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('spinnerForSlowWaits', () => {
  it('a wait that ends before 250 ms shows nothing; its timer is cleared', async () => {
    const f = fakes();
    const wrap = spinnerForSlowWaits(testIO({ stderrTTY: true }), 'Waiting for registry.example…', f.opts);
    const g = gate<string>();
    const result = wrap(g.promise);
    expect(f.set.map((x) => x.ms)).toEqual([SLOW_WAIT_MS]);
    expect(SLOW_WAIT_MS).toBe(250);
    g.resolve('done');
    await expect(result).resolves.toBe('done');
    expect(f.set[0]!.cleared).toBe(true);
    expect(f.events).toEqual([]);
  });

  it('a slow wait gets a spinner, stopped when it ends, also when it fails', async () => {
    const f = fakes();
    const wrap = spinnerForSlowWaits(testIO({ stderrTTY: true }), 'Waiting for registry.example…', f.opts);
    const ok = gate<string>();
    const p = wrap(ok.promise);
    f.fire();
    expect(f.events).toEqual(['start Waiting for registry.example…']);
    ok.resolve('done');
    await expect(p).resolves.toBe('done');
    expect(f.events).toEqual(['start Waiting for registry.example…', 'stop']);
    const bad = gate<string>();
    const q = wrap(bad.promise);
    f.fire();
    bad.reject(new Error('ECONNRESET'));
    await expect(q).rejects.toThrow('ECONNRESET');
    expect(f.events.slice(2)).toEqual(['start Waiting for registry.example…', 'stop']);
  });

  it('overlapping waits share one spinner, which stops when the last one ends', async () => {
    const f = fakes();
    const wrap = spinnerForSlowWaits(testIO({ stderrTTY: true }), 'Waiting…', f.opts);
    const a = gate<number>();
    const b = gate<number>();
    const pa = wrap(a.promise);
    const pb = wrap(b.promise);
    expect(f.set).toHaveLength(1);
    f.fire();
    a.resolve(1);
    await pa;
    expect(f.events).toEqual(['start Waiting…']);
    b.resolve(2);
    await pb;
    expect(f.events).toEqual(['start Waiting…', 'stop']);
  });

  it('no spinner of its own while another spinner (the web login wait) is on the stream', async () => {
    const io = testIO({ stderrTTY: true });
    const f = fakes();
    const wrap = spinnerForSlowWaits(io, 'Waiting for registry.example…', f.opts);
    await withSpinner(io, 'Waiting for the login to complete in your browser…', async () => {
      const g = gate<number>();
      const p = wrap(g.promise);
      f.fire();
      g.resolve(1);
      await p;
    });
    expect(f.events).toEqual([]);
    expect(io.stderrText()).toContain('Waiting for the login'); // the real spinner drew
  });

  it.each([
    ['stderr is not a terminal (a pipe)', testIO({ stderrTTY: false })],
    ['under CI', testIO({ stderrTTY: true, env: { CI: '1' } })],
  ])('%s: no timer, nothing shown', async (_why, io) => {
    const f = fakes();
    const wrap = spinnerForSlowWaits(io, 'Waiting…', f.opts);
    await expect(wrap(Promise.resolve(7))).resolves.toBe(7);
    expect(f.set).toEqual([]);
    expect(io.stderrText()).toBe('');
  });
});

describe('progress (spinners) is off with --json, even on a terminal', () => {
  const tty = () => Object.assign(new PassThrough(), { isTTY: true });
  const proc = (): ProcessLike => ({ stdin: tty(), stdout: tty(), stderr: tty(), env: {}, argv: [], cwd: () => '/', on: () => undefined, exit: () => undefined as never });
  it('systemIO', () => {
    expect(systemIO(proc()).progressEnabled()).toBe(true);
    expect(systemIO(proc(), { json: true }).progressEnabled()).toBe(false);
  });
});
