/** Startup is a feature: cheap invocations must not load the heavy modules. */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { ROOT } from '../helpers/fixtures.js';

const HEAVY = ['undici', 'conf', '@inquirer', 'ora', 'otplib', 'qrcode-terminal'];

async function importsOf(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const r = await runCli(args, { env, nodeArgs: ['--import', join(ROOT, 'test', 'helpers', 'trace-imports.mjs')] });
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('IMPORT '))
    .map((l) => l.slice('IMPORT '.length));
}

const heavyIn = (urls: string[]) => HEAVY.filter((h) => urls.some((u) => u.includes(`/node_modules/${h}/`)));

describe('lazy imports', () => {
  it.each([[['--version']], [['--help']], [['whoami', '--help']], [['whoami']]])('`orgctl %j` loads none of the heavy modules', async (args) => {
    const urls = await importsOf(args);
    expect(urls.some((u) => u.endsWith('/dist/main.js'))).toBe(true); // the tracer works
    expect(heavyIn(urls)).toEqual([]);
  });

  it('`orgctl --version` alone loads neither commander nor any command', async () => {
    const urls = await importsOf(['--version']);
    expect(urls.filter((u) => u.includes('/node_modules/') || u.includes('/dist/commands/'))).toEqual([]);
  });

  it('a command loads only what it uses: the token store (conf) to look for a token, undici only behind a proxy', async () => {
    const noToken = heavyIn(await importsOf(['whoami'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/' }));
    expect(noToken).toEqual(['conf']); // looked in the store, found nothing, never built a client
    const withToken = heavyIn(await importsOf(['whoami'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/', ORGCTL_TOKEN: 'x' }));
    expect(withToken).toEqual([]); // ORGCTL_TOKEN wins, so the store is never opened; node:http sends the request
    const proxied = heavyIn(await importsOf(['whoami'], { ORGCTL_REGISTRY: 'https://registry.orgctl-test.invalid/', ORGCTL_TOKEN: 'x', HTTPS_PROXY: 'http://127.0.0.1:9' }));
    expect(proxied).toEqual(['undici']); // the proxy agent is undici's
  });

  it('a subcommand loads its own modules, not its siblings\'', async () => {
    const urls = await importsOf(['org', 'ls', 'acme'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/', ORGCTL_TOKEN: 'x' });
    expect(urls.some((u) => u.endsWith('/commands/org/ls.js'))).toBe(true);
    for (const sibling of ['/commands/org/2fa/enforce.js', '/commands/org/invite.js', '/commands/team/index.js', '/commands/login.js']) {
      expect(urls.filter((u) => u.endsWith(sibling))).toEqual([]);
    }
    expect(heavyIn(urls)).toEqual([]);
  });

  it('org ls (piped --json, the memory budget) loads neither the help topics nor node:util, and commander by require(); help loads the topics', async () => {
    const urls = await importsOf(['org', 'ls', 'acme', '--json'], { ORGCTL_REGISTRY: 'http://127.0.0.1:9/', ORGCTL_TOKEN: 'x' });
    expect(urls.some((u) => u.endsWith('/commands/org/ls.js'))).toBe(true);
    expect(urls.filter((u) => u.endsWith('/commands/help.js') || u === 'node:util')).toEqual([]);
    // import() of commander's CommonJS entry would have Node scan it for exports (~1 MiB)
    expect(urls.filter((u) => u.includes('/node_modules/commander/'))).toEqual([]);
    expect((await importsOf(['help', 'environment'])).filter((u) => u.endsWith('/commands/help.js')).length).toBeGreaterThan(0);
  });

  it('global flags before and between the subcommands do not make it load the siblings', async () => {
    const urls = await importsOf(['--registry', 'http://127.0.0.1:9/', 'org', '--otp', '123456', '2fa', '--json', 'status', 'acme'], { ORGCTL_TOKEN: 'x' });
    expect(urls.some((u) => u.endsWith('/commands/org/2fa/status.js'))).toBe(true);
    for (const sibling of ['/commands/org/2fa/enforce.js', '/commands/org/ls.js', '/commands/team/index.js', '/commands/login.js']) {
      expect(urls.filter((u) => u.endsWith(sibling))).toEqual([]);
    }
  });
});
