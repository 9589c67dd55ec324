// Server throughput (issue 22), autocannon with 32 keep-alive connections, THROUGHPUT_SECONDS per
// server (in two interleaved halves), all in this run: a packument (`GET /@bench%2fpkg` with a member's token) from the
// reference registry, plain Verdaccio (htpasswd, the same package published to it), Verdaccio with
// orgctl's plugin and a bare node:http server answering the reference registry's bytes (the limit);
// then the roster of a 10,000-member org (`GET /-/org/big/user`) from the reference registry and
// from Verdaccio with the plugin.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { THROUGHPUT_SECONDS, TMP, budget, log, must, r1, r2, results, tables } from '../lib/common.mjs';
import { call, cpuMs, load } from '../lib/http.mjs';
import { OWNER_TOKEN, spawnServer, startRegistry } from '../lib/proc.mjs';
import { org, publishBody, users } from '../lib/seed.mjs';

const CONNECTIONS = 32;
const PKG = '@bench/pkg';
const PKG_PATH = '/@bench%2fpkg';
const PUB = 'npm_BenchPublisherToken00000000000001';
const READER = 'npm_BenchReaderToken0000000000000001';
const here = (f) => new URL(`../servers/${f}`, import.meta.url).pathname;

/** The owner, 9,999 members (org `big`), and `pub` (owner of `bench`, no 2FA) and `reader` (a developer of `bench`). */
const SEED = {
  users: [...users(false), { name: 'pub', email: 'pub@example.com', token: PUB }, { name: 'reader', email: 'reader@example.com', token: READER }],
  orgs: [org('big', 10_000), { name: 'bench', members: { pub: 'owner', reader: 'developer' } }],
};

async function publish(url, token) {
  const r = await call(url, 'PUT', PKG_PATH, { token, body: publishBody(PKG, '1.0.0') });
  must(r.status === 200 || r.status === 201, `publish ${PKG} to ${url}: ${r.status} ${r.body.slice(0, 300)}`);
  const read = await call(url, 'GET', PKG_PATH, { token: READER === token ? READER : token });
  must(read.status === 200, `read ${PKG}: ${read.status}`);
}

/**
 * Measures `targets` ({ key: [label, server, path, token] }) side by side: 1 s of warm-up each,
 * then two rounds of THROUGHPUT_SECONDS / 2 each, A B C … then … C B A, so a change in the
 * machine's load falls on every server alike; the server's CPU time per request from /proc.
 */
async function measure(targets) {
  const keys = Object.keys(targets);
  const acc = Object.fromEntries(keys.map((k) => [k, { requests: 0, seconds: 0, p50: [], p99: [], bytes: 0, cpu: 0 }]));
  for (const k of keys) await load(targets[k][1].url, targets[k][2], { seconds: 1, connections: CONNECTIONS, token: targets[k][3] });
  for (const order of [keys, [...keys].reverse()]) {
    for (const k of order) {
      const [label, server, path, token] = targets[k];
      log(`  ${label} …`);
      const c0 = cpuMs(server.pid);
      const l = await load(server.url, path, { seconds: THROUGHPUT_SECONDS / 2, connections: CONNECTIONS, token });
      const c1 = cpuMs(server.pid);
      must(l.errors === 0 && l.requests > 0, `${label}: ${l.errors} errors or non-2xx answers under load`);
      const a = acc[k];
      Object.assign(a, { requests: a.requests + l.requests, seconds: a.seconds + l.seconds, bytes: a.bytes + l.bytesPerRequest * l.requests, cpu: a.cpu + (c1 - c0) });
      a.p50.push(l.p50);
      a.p99.push(l.p99);
    }
  }
  return Object.fromEntries(
    keys.map((k) => {
      const a = acc[k];
      const cpuOk = cpuMs(targets[k][1].pid) !== null;
      return [k, { label: targets[k][0], rps: Math.round(a.requests / a.seconds), requests: a.requests, p50Ms: Math.max(...a.p50), p99Ms: Math.max(...a.p99), responseKiB: r1(a.bytes / a.requests / 1024), serverCpuMsPerRequest: cpuOk ? Math.round((a.cpu / a.requests) * 1000) / 1000 : null }];
    }),
  );
}

export async function throughput() {
  log(`throughput: autocannon, ${CONNECTIONS} keep-alive connections, ${THROUGHPUT_SECONDS} s per server …`);
  const seedFile = join(TMP, 'throughput-seed.json');
  writeFileSync(seedFile, JSON.stringify(SEED));
  const stops = [];
  try {
    const ref = await startRegistry({ dataDir: join(TMP, 'throughput-ref'), seedFile });
    stops.push(ref.stop);
    await publish(ref.url, PUB);
    const bytes = await call(ref.url, 'GET', PKG_PATH, { token: READER });
    writeFileSync(join(TMP, 'packument.json'), bytes.body);
    const bare = await spawnServer([here('bare.mjs'), join(TMP, 'packument.json'), bytes.headers['content-type']]);
    stops.push(bare.stop);

    const plainDir = join(TMP, 'verdaccio-plain');
    mkdirSync(plainDir);
    const plain = await spawnServer([here('verdaccio.mjs'), 'plain', plainDir]);
    stops.push(plain.stop);
    const tokens = {};
    for (const name of ['pub', 'reader']) {
      const r = await call(plain.url, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { _id: `org.couchdb.user:${name}`, name, password: `${name}-password-1`, type: 'user', roles: [] } });
      must(r.status === 201 && r.json.token, `Verdaccio adduser ${name}: ${r.status}`);
      tokens[name] = r.json.token;
    }
    await publish(plain.url, tokens.pub);

    const pluginDir = join(TMP, 'verdaccio-plugin');
    mkdirSync(pluginDir);
    const plugin = await spawnServer([here('verdaccio.mjs'), 'plugin', pluginDir, seedFile]);
    stops.push(plugin.stop);
    await publish(plugin.url, PUB);

    const p = await measure({
      ref: ['reference registry', ref, PKG_PATH, READER],
      plain: ['plain Verdaccio 6.8.0', plain, PKG_PATH, tokens.reader],
      plugin: ['Verdaccio 6.8.0 + orgctl plugin', plugin, PKG_PATH, READER],
      bare: ['bare node:http, same bytes', bare, PKG_PATH, READER],
    });
    const roster = await measure({
      ref: ['roster 10,000, reference registry', ref, '/-/org/big/user', OWNER_TOKEN],
      plugin: ['roster 10,000, Verdaccio + plugin', plugin, '/-/org/big/user', OWNER_TOKEN],
    });
    results.cases.throughput = { connections: CONNECTIONS, seconds: THROUGHPUT_SECONDS, packument: p, roster };
    const t = [['server (autocannon)', 'req/s', 'vs plain Verdaccio', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'response KiB']];
    for (const x of Object.values(p)) t.push([`packument: ${x.label}`, x.rps, `${r2(x.rps / p.plain.rps)}x`, x.p50Ms, x.p99Ms, x.serverCpuMsPerRequest, x.responseKiB]);
    for (const x of Object.values(roster)) t.push([x.label, x.rps, '', x.p50Ms, x.p99Ms, x.serverCpuMsPerRequest, x.responseKiB]);
    tables.push({ table: t, note: `${CONNECTIONS} keep-alive connections, ${THROUGHPUT_SECONDS} s each (two halves, ABCD then DCBA) after 1 s of warm-up, loopback; one load generator process sharing the 2 cores` });
    const vs = (a, b) => `${a.rps} vs ${b.rps} req/s = ${r2(a.rps / b.rps)}x`;
    budget('packument: reference registry >= 2x plain Verdaccio', p.ref.rps >= 2 * p.plain.rps, vs(p.ref, p.plain));
    budget('packument: reference registry >= 0.5x bare node:http', p.ref.rps >= 0.5 * p.bare.rps, vs(p.ref, p.bare));
    budget('packument: Verdaccio + plugin >= 0.9x plain Verdaccio', p.plugin.rps >= 0.9 * p.plain.rps, vs(p.plugin, p.plain));
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
