// Self-tests of the harness the npm CLI tests rely on (no registry needed).
import { afterEach, describe, expect, it } from '@jest/globals';
import { NpmClient, nerfDart } from '../helpers/npm.js';
import { cleanTerminalOutput, runPty, spawnPty } from '../helpers/pty.js';

describe('pty driver', () => {
  it('gives the command a terminal on stdin and stdout, relays answers and the exit code', async () => {
    const script = [
      "const rl = require('node:readline').createInterface({ input: process.stdin, output: process.stdout });",
      "console.log('tty=' + Boolean(process.stdin.isTTY && process.stdout.isTTY) + ' cols=' + process.stdout.columns);",
      "rl.question('Name: ', (a) => { rl.question('Again: ', (b) => { console.log('got <' + a + '|' + b + '>'); rl.close(); process.exitCode = 7; }); });",
    ].join('\n');
    const r = await runPty(process.execPath, ['-e', script], [
      { expect: /Name: $/, send: 'first answer' },
      { expect: /Again: $/, send: 'second' },
      { expect: /got </ },
    ]);
    expect(r.code).toBe(7);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain('tty=true cols=200\n');
    expect(r.output).toContain('got <first answer|second>\n');
  });

  it('kills a command that outlives its deadline', async () => {
    const s = spawnPty(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 1000 });
    const r = await s.wait();
    expect([r.timedOut, r.code]).toEqual([true, 143]); // 128 + SIGTERM, sent at the deadline
  });

  it('rejects expect() with the transcript when the command exits first', async () => {
    const s = spawnPty(process.execPath, ['-e', "console.log('bye')"]);
    await expect(s.expect(/never printed/)).rejects.toThrow(/before output matched[\s\S]*bye/);
    expect((await s.wait()).code).toBe(0);
  });

  it('cleans terminal output', () => {
    expect(cleanTerminalOutput('\x1b[1Ga\x1b[0Jb\r\nc\x1b[36mcyan\x1b[39m\r\n')).toBe('ab\nccyan\n');
  });
});

describe('npm isolation', () => {
  let client: NpmClient | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await client?.cleanup();
  });

  it('uses its own userconfig/cache, no retries, and ignores inherited npm_config_* variables', async () => {
    process.env.npm_config_yes = 'true';
    process.env.NPM_CONFIG_FETCH_TIMEOUT = '1';
    client = await NpmClient.create('http://127.0.0.1:9/', { token: 'npm_HarnessToken' });
    const r = await client.run(['config', 'get', 'yes', 'fetch-retries', 'registry', 'userconfig', 'fetch-timeout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'yes=null',
        'fetch-retries=0',
        'registry=http://127.0.0.1:9/',
        `userconfig=${client.userconfig}`,
        'fetch-timeout=20000',
        '',
      ].join('\n'),
    );
    expect(await client.token()).toBe('npm_HarnessToken');
    expect(nerfDart('http://127.0.0.1:9/')).toBe('//127.0.0.1:9/');
    expect(nerfDart('http://127.0.0.1:9/reg')).toBe('//127.0.0.1:9/reg/');
  });
});
