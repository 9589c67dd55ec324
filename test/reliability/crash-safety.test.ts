/**
 * Crash safety (issue 9, item 1), against the built `orgctl registry serve --data DIR`:
 *   - several rounds of: a stream of membership and 2FA changes from concurrent clients, SIGKILL
 *     at a random moment (seeded PRNG), restart on the same folder; every change the server
 *     acknowledged must be there, and each change that was in flight at the kill is either fully
 *     there or absent;
 *   - a store damaged by hand (cut short, bytes changed, wrong format) is refused at start with
 *     exit 2 and a clear message, and left byte for byte as it was.
 * ORGCTL_STRESS=1 runs 25 rounds instead of 3.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { call } from '../helpers/http.js';
import { runServe, spawnServe, type ServeProcess } from '../helpers/serve.js';
import { fileClock, totp } from '../helpers/clock.js';
import { SEED, rng, size, useTempDirs, type Rng } from '../helpers/reliability.js';

const ROUNDS = size(3, 25);
const LANES = 4;
const USERS_PER_LANE = 2;
const ORG = 'crashco';
const BOSS = { name: 'boss', token: 'npm_CrashBossToken00000000000000000001' };
const tempDir = useTempDirs('orgctl-crash-');

type Role = 'developer' | 'admin';
type Membership = { kind: 'none' } | { kind: 'invited'; role: Role } | { kind: 'member'; role: Role };
/** `secret` null: enrolment was started by a request whose answer was lost, so the secret is unknown */
type Tfa = { kind: 'off' } | { kind: 'pending'; secret: string | null } | { kind: 'on'; secret: string };

interface User {
  name: string;
  token: string;
  password: string;
  m: Membership;
  tfa: Tfa;
  /** the change in flight when the server died: its target state may or may not have landed */
  inflight: { m?: Membership; tfa?: Tfa } | null;
}

function seedFile(dir: string, users: User[]): string {
  const file = path.join(dir, 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [{ name: BOSS.name, token: BOSS.token }, ...users.map((u) => ({ name: u.name, token: u.token, password: u.password }))],
      orgs: [{ name: ORG, members: { [BOSS.name]: 'owner', ...Object.fromEntries(users.filter((u) => u.m.kind === 'member').map((u) => [u.name, 'developer'])) } }],
    }),
  );
  return file;
}

interface Op {
  label: string;
  target: { m?: Membership; tfa?: Tfa };
  send(url: string): Promise<{ status: number; body: any }>;
  /** the acknowledged state, from the answer */
  done(body: any): { m?: Membership; tfa?: Tfa };
}

/** The next change for `u`, chosen from its current state; `now` is the servers' time (for TOTP codes). */
function nextOp(r: Rng, u: User, now: () => number): Op {
  const asBoss = (url: string, method: string, body: unknown) => call(url, method, `/-/org/${ORG}/user`, { token: BOSS.token, body });
  const otp = () => (u.tfa.kind === 'on' ? totp(u.tfa.secret, now()) : undefined);
  if (r.chance(0.5)) {
    const m = u.m;
    if (m.kind === 'member' && r.chance(0.6)) {
      const role: Role = m.role === 'developer' ? 'admin' : 'developer';
      const target = { m: { kind: 'member', role } as Membership };
      return { label: `set ${u.name} ${role}`, target, send: (url) => asBoss(url, 'PUT', { user: u.name, role }), done: () => target };
    }
    if (m.kind === 'member') {
      const target = { m: { kind: 'none' } as Membership };
      return { label: `remove ${u.name}`, target, send: (url) => asBoss(url, 'DELETE', { user: u.name }), done: () => target };
    }
    if (m.kind === 'none') {
      const role: Role = r.pick(['developer', 'admin']);
      const target = { m: { kind: 'invited', role } as Membership };
      return { label: `invite ${u.name} ${role}`, target, send: (url) => asBoss(url, 'PUT', { user: u.name, role }), done: () => target };
    }
    const target = { m: { kind: 'member', role: m.role } as Membership };
    return { label: `${u.name} accepts`, target, send: (url) => call(url, 'POST', `/-/orgctl/v1/invitations/${ORG}/accept`, { token: u.token, otp: otp() }), done: () => target };
  }
  const profile = (url: string, tfa: unknown, code?: string) => call(url, 'POST', '/-/npm/v1/user', { token: u.token, otp: code, body: { tfa } });
  const t = u.tfa;
  if (t.kind === 'pending' && t.secret) {
    const secret = t.secret;
    const target = { tfa: { kind: 'on', secret } as Tfa };
    return { label: `${u.name} finishes 2FA`, target, send: (url) => profile(url, [totp(secret, now())]), done: () => target };
  }
  if (t.kind === 'on') {
    const target = { tfa: { kind: 'off' } as Tfa };
    return { label: `${u.name} disables 2FA`, target, send: (url) => profile(url, { password: u.password, mode: 'disable' }, otp()), done: () => target };
  }
  return {
    label: `${u.name} starts 2FA`,
    target: { tfa: { kind: 'pending', secret: null } },
    send: (url) => profile(url, { password: u.password, mode: 'auth-only' }),
    done: (body) => ({ tfa: { kind: 'pending', secret: new URL(body.tfa).searchParams.get('secret')! } }),
  };
}

/** What the server holds now, read over HTTP. */
async function observe(url: string, users: User[]): Promise<Map<string, { m: Membership; tfa: Tfa['kind'] }>> {
  const roster = await call(url, 'GET', `/-/org/${ORG}/user`, { token: BOSS.token });
  const invites = await call(url, 'GET', `/-/orgctl/v1/orgs/${ORG}/invitations`, { token: BOSS.token });
  expect([roster.status, invites.status]).toEqual([200, 200]);
  const out = new Map<string, { m: Membership; tfa: Tfa['kind'] }>();
  for (const u of users) {
    const inv = (invites.body as { user: string; role: Role }[]).find((i) => i.user === u.name);
    const m: Membership = roster.body[u.name] ? { kind: 'member', role: roster.body[u.name] } : inv ? { kind: 'invited', role: inv.role } : { kind: 'none' };
    const p = await call(url, 'GET', '/-/npm/v1/user', { token: u.token });
    expect(p.status).toBe(200);
    out.set(u.name, { m, tfa: p.body.tfa === null ? 'off' : p.body.tfa.pending ? 'pending' : 'on' });
  }
  return out;
}

const sameM = (a: Membership, b: Membership) => JSON.stringify(a) === JSON.stringify(b);

describe(`SIGKILL during a stream of changes (${ROUNDS} rounds, seed ${SEED})`, () => {
  it('keeps every acknowledged change, applies in-flight ones fully or not at all, and always loads', async () => {
    const r = rng(SEED);
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const users: User[] = Array.from({ length: LANES * USERS_PER_LANE }, (_, i) => ({
      name: `user${i}`,
      token: `npm_CrashUser${i}Token`.padEnd(40, '0'),
      password: `user${i}-password`,
      m: i % 2 === 0 ? { kind: 'member', role: 'developer' } : { kind: 'none' },
      tfa: { kind: 'off' },
      inflight: null,
    }));
    const seed = seedFile(dir, users);
    // one time for every server of the run (a restart keeps it); each round starts a new TOTP step
    const clock = fileClock(path.join(dir, 'clock'));
    let acked = 0;
    let lost = 0;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      clock.nextStep();
      const s: ServeProcess = await spawnServe(['--data', data, '--seed', seed], { clock });
      let killed = false;
      const lane = async (mine: User[]) => {
        while (!killed) {
          const u = r.pick(mine);
          const op = nextOp(r, u, clock.now);
          u.inflight = op.target;
          let res: { status: number; body: any };
          try {
            res = await op.send(s.url);
          } catch {
            lost++;
            return; // the server died with this change in flight
          }
          u.inflight = null;
          if (res.status >= 300) {
            problems.push(`round ${round}: ${op.label} answered ${res.status} ${JSON.stringify(res.body)}`);
            return;
          }
          const next = op.done(res.body);
          if (next.m) u.m = next.m;
          if (next.tfa) u.tfa = next.tfa;
          acked++;
        }
      };
      const lanes = Array.from({ length: LANES }, (_, i) => lane(users.slice(i * USERS_PER_LANE, (i + 1) * USERS_PER_LANE)));
      await new Promise((res) => setTimeout(res, 400 + r.int(800)));
      killed = true;
      s.child.kill('SIGKILL');
      expect(await s.exited).toBe('SIGKILL');
      await Promise.all(lanes);
      expect(problems).toEqual([]);

      // restart on the same folder: it must load, and hold every acknowledged change
      const again = await spawnServe(['--data', data], { clock });
      try {
        const seen = await observe(again.url, users);
        for (const u of users) {
          const got = seen.get(u.name)!;
          const inM = u.inflight?.m;
          if (!sameM(got.m, u.m) && !(inM && sameM(got.m, inM))) problems.push(`round ${round}: ${u.name} membership ${JSON.stringify(got.m)}, acknowledged ${JSON.stringify(u.m)}`);
          else u.m = got.m;
          const inT = u.inflight?.tfa;
          // the in-flight change landed (a restarted enrolment's new secret is then unknown), or did not
          if (inT && got.tfa === inT.kind) u.tfa = inT;
          else if (got.tfa !== u.tfa.kind) problems.push(`round ${round}: ${u.name} 2FA ${got.tfa}, acknowledged ${u.tfa.kind}`);
          u.inflight = null;
        }
        expect(problems).toEqual([]);
      } finally {
        expect(await again.stop('SIGTERM')).toBe(0);
      }
    }
    // the stream really ran: changes were acknowledged, and the kills caught changes in flight
    expect(acked).toBeGreaterThan(ROUNDS * 5);
    expect(lost).toBeGreaterThan(0);
  }, size(60_000, 900_000));
});

describe('a store damaged by hand is refused at start (exit 2), never replaced', () => {
  const baseDir = mkdtempSync(path.join(tmpdir(), 'orgctl-crash-base-'));
  afterAll(() => rmSync(baseDir, { recursive: true, force: true }));
  const sha = (f: string) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
  const checksum = (json: string) => createHash('sha256').update(json).digest('hex').slice(0, 16);

  // one damaged-by-hand candidate: a snapshot (clean stop), journal lines after it, then a crash
  let base: { seed: string; state: string; journal: string };
  beforeAll(async () => {
    const dir = baseDir;
    const data = path.join(dir, 'data');
    const seed = seedFile(dir, [{ name: 'user0', token: 'npm_CrashUser0Token'.padEnd(40, '0'), password: 'user0-password', m: { kind: 'member', role: 'developer' }, tfa: { kind: 'off' }, inflight: null }]);
    let s = await spawnServe(['--data', data, '--seed', seed]);
    expect(await s.stop('SIGTERM')).toBe(0);
    s = await spawnServe(['--data', data]);
    expect((await call(s.url, 'PUT', `/-/org/${ORG}/user`, { token: BOSS.token, body: { user: 'user0', role: 'admin' } })).status).toBe(201);
    expect((await call(s.url, 'PUT', `/-/org/${ORG}/team`, { token: BOSS.token, body: { name: 'web' } })).status).toBe(201);
    s.child.kill('SIGKILL');
    await s.exited;
    base = { seed, state: readFileSync(path.join(data, 'state.json'), 'utf8'), journal: readFileSync(path.join(data, 'journal.log'), 'utf8') };
    expect(base.journal.split('\n')).toHaveLength(3);
  });

  it.each<[string, (state: string, journal: string, r: Rng) => { state?: string; journal?: string }, RegExp]>([
    ['state.json cut short', (st, _j, r) => ({ state: st.slice(0, 1 + r.int(st.length - 2)) }), /state\.json is not valid JSON .*refusing to start/],
    ['state.json with a NUL byte in it', (st) => ({ state: st.replace('"boss"', '"bo\u0000ss"') }), /state\.json is not valid JSON/],
    ['state.json of another format', (st) => ({ state: st.replace('"orgctl-registry"', '"something-else"') }), /is not an orgctl registry store/],
    ['state.json of another version', (st) => ({ state: st.replace('"version":1', '"version":9') }), /store format version 9/],
    ['state.json with a damaged collection', (st) => ({ state: st.replace('"collections":{"', '"collections":{"bad":7,"') }), /does not match its checksum/],
    ['state.json edited by hand, still valid JSON', (st) => ({ state: st.replace('"boss"', '"bass"') }), /does not match its checksum/],
    ['a journal line with one byte changed', (_s, j) => ({ journal: j.replace('"admin"', '"ADMIN"') }), /journal\.log line 1 is damaged \(checksum mismatch\); refusing to start/],
    ['a journal line cut short before another line', (_s, j) => ({ journal: j.slice(0, j.indexOf('\n') - 5) + '\n' + j.slice(j.indexOf('\n') + 1) }), /journal\.log line 1 is damaged/],
    ['a journal line with a good checksum but no ops', (_s, j) => ({ journal: `${checksum('{"x":1}')} {"x":1}\n${j}` }), /journal\.log line 1 has no ops/],
  ])('%s', async (_label, damage, message) => {
    const data = path.join(tempDir(), 'data');
    mkdirSync(data, { mode: 0o700 });
    const statePath = path.join(data, 'state.json');
    const journalPath = path.join(data, 'journal.log');
    const d = damage(base.state, base.journal, rng(SEED));
    expect(d.state !== undefined ? d.state !== base.state : d.journal !== base.journal).toBe(true); // the damage did change a file
    writeFileSync(statePath, d.state ?? base.state);
    writeFileSync(journalPath, d.journal ?? base.journal);
    const before = [sha(statePath), sha(journalPath)];
    const res = await runServe(['--data', data, '--seed', base.seed]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^orgctl: /);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect([sha(statePath), sha(journalPath)]).toEqual(before); // left exactly as it was
    expect(existsSync(path.join(data, 'lock'))).toBe(false);
  });

  it('a journal whose last line was torn by the crash loads, keeping every complete line', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const seed = seedFile(dir, []);
    const s = await spawnServe(['--data', data, '--seed', seed]);
    expect((await call(s.url, 'PUT', `/-/org/${ORG}/team`, { token: BOSS.token, body: { name: 'kept' } })).status).toBe(201);
    s.child.kill('SIGKILL');
    await s.exited;
    const journalPath = path.join(data, 'journal.log');
    const line = `${checksum('{"ops":[{"c":"teams","k":"crashco:torn","v":{}}]}')} {"ops":[{"c":"teams","k":"crashco:torn","v":{}}]}`;
    writeFileSync(journalPath, readFileSync(journalPath, 'utf8') + line.slice(0, 40)); // no newline: never acknowledged
    const again = await spawnServe(['--data', data]);
    try {
      for (let i = 0; i < 100 && !/listening/.test(again.stderr()); i++) await new Promise((res) => setTimeout(res, 20));
      expect(again.stderr()).toMatch(/warning: dropped an incomplete last journal record \(40 bytes\)/);
      expect((await call(again.url, 'GET', `/-/org/${ORG}/team?format=cli`, { token: BOSS.token })).body).toEqual([`${ORG}:developers`, `${ORG}:kept`]);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
