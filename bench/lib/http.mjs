// Loopback HTTP for the bench: JSON requests, autocannon load, and what /proc says about a server.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { OWNER_TOKEN } from './proc.mjs';

function loopback(url, path) {
  const target = new URL(path, url);
  if (target.hostname !== '127.0.0.1') throw new Error('bench: loopback only');
  return target;
}

/** One request on a fresh connection; resolves to { status, body (text) } (status 0 on a network error). */
export function request(url, { method = 'GET', path = '/', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve) => {
    const req = http.request(loopback(url, path), { method, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, body: text, headers: res.headers }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/** A request with a bearer token and a JSON body; resolves to { status, body (parsed when JSON) }. */
export async function call(url, method, path, { token, body } = {}) {
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const r = await request(url, { method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let parsed = r.body;
  try {
    parsed = JSON.parse(r.body);
  } catch {}
  return { ...r, json: parsed };
}

export async function getJson(url, path, token = OWNER_TOKEN) {
  const r = await call(url, 'GET', path, { token });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 500)}`);
  return r.json;
}

/** One status-only request from `localAddress` (for the flood case). */
export const rawRequest = async (url, opts) => (await request(url, opts)).status;

/** utime + stime of a process in ms (Linux /proc), or null elsewhere. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** { rssMiB, peakMiB } of a process now (VmRSS, VmHWM), or nulls off Linux. */
export function memOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1]);
    return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
  } catch {
    return { rssMiB: null, peakMiB: null };
  }
}

/** Bytes under a folder. */
export function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

export function storeFingerprint(dir) {
  return ['state.json', 'journal.log']
    .map((f) => {
      try {
        const s = statSync(join(dir, f));
        return `${f}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}:-`;
      }
    })
    .join(' ');
}

let autocannon = null;
/**
 * Bounded loopback load with autocannon: `connections` keep-alive connections sending requests
 * back to back for `seconds`. Returns { requests, rps, errors (network errors + non-2xx),
 * p50 / p99 latency ms, bytesPerRequest }.
 */
export async function load(url, path, { seconds, connections, token = OWNER_TOKEN }) {
  autocannon ??= (await import('autocannon')).default;
  const target = loopback(url, path);
  const r = await autocannon({ url: target.href, connections, duration: seconds, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const requests = r.requests.total;
  return {
    requests,
    seconds: r.duration || seconds,
    rps: Math.round(requests / (r.duration || seconds)),
    errors: r.errors + r.timeouts + r.non2xx,
    p50: r.latency.p50,
    p99: r.latency.p99,
    bytesPerRequest: requests ? r.throughput.total / requests : 0,
  };
}
