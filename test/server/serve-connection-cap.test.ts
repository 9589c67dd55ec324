// `orgctl registry serve --max-connections-per-address` reaches the server (built CLI).
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { runServe, spawnServe, type ServeProcess } from '../helpers/serve.js';
import { call } from '../helpers/http.js';

let serve: ServeProcess | null = null;
let held: Socket | null = null;
afterEach(async () => {
  held?.destroy();
  held = null;
  await serve?.stop();
  serve = null;
});

describe('registry serve --max-connections-per-address', () => {
  it('with 1, a second connection from the same address is closed; another address is served', async () => {
    serve = await spawnServe(['--max-connections-per-address', '1']);
    const url = new URL(serve.url);
    held = connect({ host: url.hostname, port: Number(url.port), localAddress: '127.0.0.2' });
    held.on('error', () => {});
    // A ping answered on the held connection: the server has accepted and counted it.
    const status = await new Promise<string>((resolve) => {
      held!.once('data', (d) => resolve(d.toString('latin1').split('\r\n')[0]!));
      held!.write('GET /-/ping HTTP/1.1\r\nhost: x\r\n\r\n');
    });
    expect(status).toBe('HTTP/1.1 200 OK');
    await expect(call(serve.url, 'GET', '/-/ping', { from: '127.0.0.2' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await call(serve.url, 'GET', '/-/ping', { from: '127.0.0.1' })).status).toBe(200);
  });

  it('a value that is not a whole number is a usage error (exit 2)', async () => {
    const r = await runServe(['--max-connections-per-address', 'lots']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--max-connections-per-address must be a whole number (0 for no cap), got "lots"')]);
  });
});
