/**
 * Issue 18a item 7: prose wraps to the terminal's width at word boundaries, so no word is broken
 * (`…told by e` / `mail.`), and group helps wrap too. The built CLI on a pseudo-terminal of a given
 * width; the test reads the bytes the CLI wrote (no terminal wrapping happens in them).
 */
import { describe, expect, it } from '@jest/globals';
import { registryPerFile } from '../helpers/registry.js';
import { ALICE } from '../helpers/fixtures.js';
import { ptyCli } from '../helpers/run-cli.js';

const ctx = registryPerFile();
const lines = (output: string) => output.split('\n');
const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

describe('wrapping to the terminal width', () => {
  it.each([['org'], ['org 2fa'], ['registry'], ['team'], ['org 2fa enforce']])('`orgctl %s --help` at 60 columns: no line is wider (example commands excepted)', async (path) => {
    const r = await ptyCli([...path.split(' '), '--help'], { cols: 60 }).wait();
    expect(r.code).toBe(0);
    // example command lines are code, copied as they are; everything else fits
    const wide = lines(r.output).filter((l) => [...l].length > 60 && !l.startsWith('  $ '));
    expect(wide).toEqual([]);
  });

  it('`orgctl help environment` at 50 columns: no line is wider, every variable still listed', async () => {
    const r = await ptyCli(['help', 'environment'], { cols: 50 }).wait();
    expect(r.code).toBe(0);
    expect(lines(r.output).filter((l) => [...l].length > 50)).toEqual([]);
    expect(r.output).toMatch(/^ {2}ORGCTL_TIMEOUT\n {6}seconds to wait/m); // too narrow to stand beside: under the name
  });

  it('the enforce preview (stdout on a terminal of 80 columns): every line fits, and its sentences are whole', async () => {
    const r = await ptyCli(['org', '2fa', 'enforce', 'acme', '--dry-run'], { cols: 80, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: ALICE.token } }).wait();
    expect(r.code).toBe(0);
    expect(lines(r.output).filter((l) => [...l].length > 80)).toEqual([]);
    expect(words(r.output)).toContain("They lose access to acme's packages at once, leave every team, and get a notice written to the registry's outbox");
  });

  it('errors and hints wrap too (stderr on a terminal of 40 columns)', async () => {
    const r = await ptyCli(['whoami'], { cols: 40, env: { ORGCTL_REGISTRY: ctx.url, ORGCTL_TOKEN: 'npm_notAValidToken0000' } }).wait();
    expect(r.code).toBe(4);
    expect(lines(r.output).filter((l) => [...l].length > 40)).toEqual([]);
    expect(words(r.output)).toContain('The token in ORGCTL_TOKEN was refused: set a valid one, or unset it to use your `orgctl login`.');
  });
});
