/**
 * Issue 18 (4): the built CLI against a slow registry (a scripted server that holds its answer
 * until the test releases it). On a terminal a spinner on stderr names the registry while the
 * request waits, and is gone from the screen afterwards; in a pipe and with --json there is none.
 * Absence is shown by order, not by time: the held request without a spinner was sent before the
 * request of a terminal run whose spinner (250 ms after its own request) has already appeared.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { json, startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { ptyCli, runCli } from '../helpers/run-cli.js';
import { renderScreen } from '../helpers/screen.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A registry whose whoami answers wait in `held` until released; resolves `arrived(n)` when n came. */
async function slowRegistry() {
  const held: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  server = await startScriptedServer((_req, res) => {
    held.push(res);
    for (const w of waiters.filter((x) => held.length >= x.n)) w.resolve();
  });
  return {
    url: server.url,
    arrived: (n: number) => new Promise<void>((resolve) => (held.length >= n ? resolve() : waiters.push({ n, resolve }))),
    releaseAll: () => held.splice(0).forEach((res) => json(res, 200, { username: 'alice' })),
  };
}

const env = (url: string) => ({ ORGCTL_REGISTRY: url, ORGCTL_TOKEN: 'npm_progressTestToken', CI: undefined });
const SPINNER = /Waiting for 127\.0\.0\.1:\d+…/;

describe('a spinner while the registry is slow', () => {
  it('on a terminal: the spinner names the registry while the request waits, and is cleared when the answer comes', async () => {
    const reg = await slowRegistry();
    const s = ptyCli(['whoami'], { env: env(reg.url), cols: 80, rows: 24 });
    await s.expect(SPINNER);
    reg.releaseAll();
    const r = await s.wait();
    expect(r.code).toBe(0);
    const screen = renderScreen(r.raw, 80, 24).text().filter(Boolean);
    expect(screen).toEqual(['alice']);
  });

  it.each([
    ['in a pipe', false],
    ['with --json on a terminal', true],
  ])('%s: no spinner', async (_how, onTty) => {
    const reg = await slowRegistry();
    const quiet = onTty ? ptyCli(['whoami', '--json'], { env: env(reg.url), cols: 80, rows: 24 }) : undefined;
    const piped = onTty ? undefined : runCli(['whoami'], { env: env(reg.url) });
    await reg.arrived(1);
    // A terminal run sent after it: once its spinner shows, the first request has waited longer.
    const reference = ptyCli(['whoami'], { env: env(reg.url), cols: 80, rows: 24 });
    await reference.expect(SPINNER);
    reg.releaseAll();
    expect((await reference.wait()).code).toBe(0);
    if (quiet) {
      const r = await quiet.wait();
      expect(r.code).toBe(0);
      expect(r.raw).not.toMatch(SPINNER);
      expect(JSON.parse(r.output)).toMatchObject({ username: 'alice' });
    } else {
      expect(await piped).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    }
  });
});
