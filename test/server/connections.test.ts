// Slow or idle clients cannot make the server unreachable: timeouts on the node:http server and a
// cap on open connections per client address (docs/registry-api.md §1, "Connections").
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { openRegistry, type OpenRegistry } from '../../src/server/index.js';
import { CONNECTION_DEFAULTS } from '../../src/server/http/server.js';
import { loadSeed } from '../helpers/fixtures.js';
import { call } from '../helpers/http.js';
import { BASIC } from '../helpers/fixtures.js';

let reg: OpenRegistry | null = null;
const clients: Socket[] = [];
afterEach(async () => {
  for (const s of clients.splice(0)) s.destroy();
  await reg?.close();
  reg = null;
});

/** A connection from `localAddress` that sends nothing; `closed` resolves when the server closes it. */
function idleSocket(port: number, localAddress: string): { socket: Socket; connected: Promise<void>; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {}); // a reset by the server is expected for refused sockets
  clients.push(socket);
  return { socket, connected: new Promise((r) => socket.once('connect', () => r())), closed: new Promise((r) => socket.once('close', () => r())) };
}

/** Sends GET /-/ping on an open socket and resolves to the status line. */
function pingOn(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes('\r\n')) {
        socket.off('data', onData);
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before an answer: ${JSON.stringify(text)}`)));
    socket.write('GET /-/ping HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  });
}

/** Counts the server-side 'close' of every socket; `reached(n)` resolves once n have closed. */
function watchServerCloses(r: OpenRegistry): { reached(n: number): Promise<void> } {
  let closed = 0;
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  // Registered after the registry's own listener, so it runs after the registry has counted the close.
  r.http.server.on('connection', (s: Socket) =>
    s.once('close', () => {
      closed++;
      for (const w of waiting.splice(0)) (closed >= w.n ? w.resolve : () => waiting.push(w))();
    }),
  );
  return { reached: (n) => (closed >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))) };
}

describe('a per-address connection cap', () => {
  it('idle sockets beyond the cap from one address are closed at once; other addresses are still served', async () => {
    const CAP = 4;
    const EXTRA = 3;
    reg = await openRegistry({ seed: loadSeed(BASIC), http: { maxConnectionsPerAddress: CAP } });
    const url = await reg.http.listen(0, '127.0.0.1');
    const port = Number(new URL(url).port);
    const sockets = Array.from({ length: CAP + EXTRA }, () => idleSocket(port, '127.0.0.2'));
    await Promise.all(sockets.map((s) => s.connected));

    // Exactly EXTRA are closed by the server (the client closed none)...
    const closedOnes: number[] = [];
    sockets.forEach((s, i) => void s.closed.then(() => closedOnes.push(i)));
    await new Promise<void>((resolve) => sockets.forEach((s) => void s.closed.then(() => closedOnes.length === EXTRA && resolve())));
    // ...and the CAP others were accepted and still answer.
    const open = sockets.filter((_, i) => !closedOnes.includes(i));
    expect(open).toHaveLength(CAP);
    expect(await Promise.all(open.map((s) => pingOn(s.socket)))).toEqual(Array(CAP).fill('HTTP/1.1 200 OK'));

    // Another client address is served while 127.0.0.2 holds its CAP connections.
    expect((await call(url, 'GET', '/-/ping', { from: '127.0.0.1' })).status).toBe(200);
    // A new connection from 127.0.0.2 is refused.
    await expect(call(url, 'GET', '/-/ping', { from: '127.0.0.2' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(closedOnes).toHaveLength(EXTRA);
  });

  it('a closed connection frees its place', async () => {
    reg = await openRegistry({ seed: loadSeed(BASIC), http: { maxConnectionsPerAddress: 2 } });
    const url = await reg.http.listen(0, '127.0.0.1');
    const port = Number(new URL(url).port);
    const closes = watchServerCloses(reg);
    const [a, b] = [idleSocket(port, '127.0.0.2'), idleSocket(port, '127.0.0.2')];
    await Promise.all([a.connected, b.connected]);
    expect(await Promise.all([pingOn(a.socket), pingOn(b.socket)])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    await expect(call(url, 'GET', '/-/ping', { from: '127.0.0.2' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await closes.reached(1); // the refused one
    a.socket.destroy();
    await closes.reached(2); // the server has seen a's close
    expect((await call(url, 'GET', '/-/ping', { from: '127.0.0.2' })).status).toBe(200);
  });

});

describe('timeouts on the node:http server', () => {
  it('has the documented defaults', async () => {
    reg = await openRegistry({ seed: loadSeed(BASIC) });
    const s = reg.http.server;
    expect({ headersTimeout: s.headersTimeout, requestTimeout: s.requestTimeout, keepAliveTimeout: s.keepAliveTimeout, idleTimeout: s.timeout }).toEqual({
      headersTimeout: 15_000,
      requestTimeout: 120_000,
      keepAliveTimeout: 5_000,
      idleTimeout: 60_000,
    });
    expect(CONNECTION_DEFAULTS).toEqual({ headersTimeout: 15_000, requestTimeout: 120_000, keepAliveTimeout: 5_000, idleTimeout: 60_000, maxConnectionsPerAddress: 128 });
  });

  it('takes them from the options', async () => {
    reg = await openRegistry({ http: { headersTimeout: 1_000, requestTimeout: 2_000, keepAliveTimeout: 500, idleTimeout: 3_000 } });
    const s = reg.http.server;
    expect([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout, s.timeout]).toEqual([1_000, 2_000, 500, 3_000]);
  });
});
