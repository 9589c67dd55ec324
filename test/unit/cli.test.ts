/** The whole CLI in-process through main(proc): exit codes, stdout/stderr split, no stack traces. */
import { describe, expect, it } from '@jest/globals';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/main.js';
import type { ProcessLike } from '../../src/ui/io.js';
import { VERSION } from '../../src/version.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const w = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const proc = {
    stdin: new PassThrough(),
    stdout: w((s) => (out += s)),
    stderr: w((s) => (err += s)),
    env: { HOME: '/nonexistent-home', ...env },
    argv: ['node', 'orgctl', ...args],
    cwd: () => '/',
    exitCode: undefined as number | undefined,
    on: () => proc,
    exit: () => {
      throw new Error('process.exit must not be called');
    },
  };
  await main(proc as unknown as ProcessLike);
  return { code: proc.exitCode ?? 0, out, err };
}

describe('main', () => {
  it('--version prints the version on stdout and exits 0', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await run(['--help']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const s of ['login', 'whoami', 'logout', 'Exit codes:', '4  authentication needed']) expect(r.out).toContain(s);
  });

  it('an unknown command is a usage error (exit 2) on stderr', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it('no registry configured: exit 2, one line plus the hint, nothing on stdout', async () => {
    const r = await run(['whoami', '--json']);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'orgctl: no registry configured.\nSet one with --registry <url>, the ORGCTL_REGISTRY environment variable, or `registry=<url>` in an .npmrc file.\n',
    });
  });

  it('an invalid --registry is a usage error naming the flag', async () => {
    const r = await run(['whoami', '--registry', 'ftp://x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('(from --registry)');
  });
});
