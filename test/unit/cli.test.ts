/** The whole CLI in-process through main(proc): exit codes, stdout/stderr split, no stack traces. */
import { describe, expect, it } from '@jest/globals';
import { runMain } from '../helpers/main.js';
import { VERSION } from '../../src/version.js';

const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await runMain(args, { env: { HOME: '/nonexistent-home', ...env } });
  return { code: r.code, out: r.stdout, err: r.stderr };
};

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
