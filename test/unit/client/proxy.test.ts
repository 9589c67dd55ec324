import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { RegistryClient } from '../../../src/client/client.js';
import { NetworkError } from '../../../src/client/errors.js';
import { json, startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { testClock } from '../../helpers/clock.js';

/** A minimal forward proxy: tunnels CONNECT and forwards absolute-form requests, all to `target`. */
async function startProxy(targetPort: number): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    json(res, 200, { via: 'proxy-forward' });
  });
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const upstream = connect(targetPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

let target: ScriptedServer | undefined;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy?.close();
  await target?.close();
});

function client(registry: string, env: NodeJS.ProcessEnv) {
  const c = new RegistryClient({ registry, env, clock: testClock(), retry: { attempts: 1 } });
  clients.push(c);
  return c;
}

describe('proxies', () => {
  it('sends requests through HTTP_PROXY (the target host only resolves via the proxy)', async () => {
    target = await startScriptedServer((_req, res) => json(res, 200, { username: 'via-tunnel' }));
    proxy = await startProxy(Number(new URL(target.url).port));
    const body = await client('http://registry.orgctl-test.invalid:8080/', { HTTP_PROXY: proxy.url }).request('GET', '-/whoami');
    // undici tunnels through the proxy with CONNECT, so the target server answers.
    expect(body).toEqual({ username: 'via-tunnel' });
    expect(proxy.seen).toEqual(['CONNECT registry.orgctl-test.invalid:8080']);
    expect(target.requests[0]!.url).toBe('/-/whoami');
  });

  it('NO_PROXY bypasses the proxy for matching hosts', async () => {
    target = await startScriptedServer((_req, res) => json(res, 200, {}));
    proxy = await startProxy(Number(new URL(target.url).port));
    const err = await client('http://registry.orgctl-test.invalid:8080/', {
      HTTP_PROXY: proxy.url,
      NO_PROXY: 'registry.orgctl-test.invalid',
    })
      .request('GET', '-/whoami')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(proxy.seen).toEqual([]);
  });

  it('never proxies loopback hosts', async () => {
    target = await startScriptedServer((_req, res) => json(res, 200, { direct: true }));
    proxy = await startProxy(1);
    await expect(client(target.url, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }).request('GET', '-/whoami')).resolves.toEqual({ direct: true });
    expect(proxy.seen).toEqual([]);
    expect(target.requests).toHaveLength(1);
  });
});
