// Security round 2, finding 4: a flood of Basic-auth guesses (random names, so no per-account
// delay applies; 64 client addresses, so the per-address budget does not stop it either) must not
// queue durable writes behind password hashing. Budget: a token write's median latency under the
// flood <= 10x its quiet median.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TMP, budget, log, median, must, r1, r2, results, rows } from '../lib/common.mjs';
import { rawRequest } from '../lib/http.mjs';
import { startRegistry } from '../lib/proc.mjs';

export async function flood() {
  log('a token write, quiet and under a flood of Basic-auth guesses …');
  const seedFile = join(TMP, 'flood-seed.json');
  const token = 'npm_BenchFloodOwnerToken0000000000001';
  writeFileSync(seedFile, JSON.stringify({ users: [{ name: 'fo', token }], orgs: [{ name: 'flood', members: { fo: 'owner' } }] }));
  const reg = await startRegistry({ dataDir: join(TMP, 'flood-data'), seedFile });
  let n = 0;
  const write = async () => {
    const t0 = performance.now();
    const status = await rawRequest(reg.url, { method: 'PUT', path: '/-/org/flood/team', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `t${++n}` }) });
    must(status === 201, `team create answered ${status}`);
    return performance.now() - t0;
  };
  const writes = async (count) => {
    const out = [];
    for (let i = 0; i < count; i++) out.push(await write());
    return out;
  };
  try {
    await writes(5);
    const quiet = await writes(30);
    let stop = false;
    let guesses = 0;
    const refused = { 401: 0, 429: 0, other: 0 };
    const attackers = Array.from({ length: 64 }, async (_, i) => {
      while (!stop) {
        const name = `rnd${i}x${guesses++}`;
        const status = await rawRequest(reg.url, { path: '/-/whoami', headers: { authorization: `Basic ${Buffer.from(`${name}:guess`).toString('base64')}` }, localAddress: `127.0.2.${i + 1}` });
        refused[status === 401 || status === 429 ? status : 'other']++;
      }
    });
    const underFlood = await writes(30);
    stop = true;
    await Promise.all(attackers);
    const q = median(quiet);
    const f = median(underFlood);
    results.cases.flood = { quietMedianMs: r1(q), floodMedianMs: r1(f), ratio: r2(f / q), guesses, answers: refused };
    rows.push(['token write, quiet', { median: r1(q), rssMiB: null }, null]);
    rows.push(['token write, under a flood of 64 Basic-auth guessers', { median: r1(f), rssMiB: null }, null]);
    budget('token write under a Basic-auth flood <= 10x its quiet latency', f / q <= 10, `${r1(f)} ms vs ${r1(q)} ms = ${r2(f / q)}x (${guesses} guesses: ${refused[401]} checked, ${refused[429]} refused at once)`);
  } finally {
    await reg.stop();
  }
}
