/**
 * Concurrency (issue 9, item 2): 100 membership changes and invitation accepts on one org, sent
 * at once by several clients (each with its own connection pool and token), some of them twice
 * and some racing on the same member. Every change must be applied exactly once (answers and
 * audit events agree), the roster, teams and invitations must be consistent, no update may be
 * lost, and the same state must come back from the data folder after a restart.
 * ORGCTL_STRESS=1 runs 10x as many.
 */
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { call } from '../helpers/http.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { SEED, size, useTempDirs } from '../helpers/reliability.js';

const N = size(1, 10); // scale: 100 changes by default
const ORG = 'busy';
const tempDir = useTempDirs('orgctl-conc-');
const tok = (name: string) => `npm_Conc${name}Token`.padEnd(40, '0');
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

// who does what: 10N racing role changes (5N members, 3 requests each... see below), 25N single role
// changes, 20N removals (each sent twice), 30N accepts (each sent twice), 20N team adds from two admins
const RACED = names('race', 5 * N);
const PROMOTED = names('prom', 20 * N);
const REMOVED = names('gone', 20 * N);
const INVITEES = names('invt', 30 * N);
const TEAMED = names('team', 20 * N);
const BYSTANDERS = names('stay', 5 * N);

/** One client: its own credential. */
function client(url: string, token: string) {
  return { send: (method: string, p: string, body?: unknown) => call(url, method, p, { token, body }) };
}

describe(`concurrent changes on one org (seed ${SEED})`, () => {
  it('applies each change exactly once, keeps roster, teams and invitations consistent, loses no update', async () => {
    const members = [...RACED, ...PROMOTED, ...REMOVED, ...TEAMED, ...BYSTANDERS];
    const seed = {
      users: ['boss', 'adm1', 'adm2', ...members, ...INVITEES].map((name) => ({ name, token: tok(name) })),
      orgs: [{ name: ORG, members: { boss: 'owner', adm1: 'admin', adm2: 'admin', ...Object.fromEntries(members.map((m) => [m, 'developer'])) }, teams: { squad: [] } }],
    };
    const dataDir = path.join(tempDir(), 'data');
    // Every client is on 127.0.0.1, and with ORGCTL_STRESS=1 they hold hundreds of connections at once.
    let reg: TestRegistry = await startRegistry({ seed, dataDir, http: { maxConnectionsPerAddress: 0 } });
    const boss = client(reg.url, tok('boss'));
    const admins = [client(reg.url, tok('adm1')), client(reg.url, tok('adm2'))];
    const invitees = new Map(INVITEES.map((u) => [u, client(reg.url, tok(u))]));
    try {
      const inv = await boss.send('POST', `/-/orgctl/v1/orgs/${ORG}/invitations`, { invitations: INVITEES.map((user) => ({ user, role: 'developer' })) });
      expect([inv.status, inv.body.invited.length, inv.body.failed]).toEqual([200, INVITEES.length, []]);

      const roles = ['admin', 'owner', 'developer'] as const;
      const jobs: { kind: string; user: string; run: () => Promise<{ status: number; body: any }> }[] = [
        ...RACED.flatMap((user) => roles.map((role) => ({ kind: 'race', user, run: () => boss.send('PUT', `/-/org/${ORG}/user`, { user, role }) }))),
        ...PROMOTED.map((user) => ({ kind: 'promote', user, run: () => boss.send('PUT', `/-/org/${ORG}/user`, { user, role: 'admin' }) })),
        ...REMOVED.flatMap((user) => [1, 2].map(() => ({ kind: 'remove', user, run: () => boss.send('DELETE', `/-/org/${ORG}/user`, { user }) }))),
        ...INVITEES.flatMap((user) => [1, 2].map(() => ({ kind: 'accept', user, run: () => invitees.get(user)!.send('POST', `/-/orgctl/v1/invitations/${ORG}/accept`) }))),
        ...TEAMED.map((user, i) => ({ kind: 'team', user, run: () => admins[i % 2]!.send('PUT', `/-/team/${ORG}/squad/user`, { user }) })),
      ];
      // interleave the kinds, then fire everything at once
      jobs.sort((a, b) => (a.user.slice(4) + a.kind < b.user.slice(4) + b.kind ? -1 : 1));
      const results = await Promise.all(jobs.map(async (j) => ({ ...j, res: await j.run() })));
      expect(results.filter((r) => r.res.status >= 500)).toEqual([]);

      const ok = (kind: string, user: string) => results.filter((r) => r.kind === kind && r.user === user && r.res.status < 300).length;
      const refused = (kind: string, user: string) => results.filter((r) => r.kind === kind && r.user === user && r.res.status >= 400).map((r) => r.res.status);
      for (const u of RACED) expect([u, ok('race', u)]).toEqual([u, 3]);
      for (const u of PROMOTED) expect([u, ok('promote', u)]).toEqual([u, 1]);
      for (const u of REMOVED) expect([u, ok('remove', u), refused('remove', u)]).toEqual([u, 1, [404]]);
      for (const u of INVITEES) {
        expect([u, ok('accept', u)]).toEqual([u, 1]);
        expect(refused('accept', u)).toHaveLength(1);
        expect([404, 409]).toContain(refused('accept', u)[0]);
      }
      for (const u of TEAMED) expect([u, ok('team', u)]).toEqual([u, 1]);

      const check = async (c: ReturnType<typeof client>) => {
        const roster = (await c.send('GET', `/-/org/${ORG}/user`)).body as Record<string, string>;
        const audit = ((await c.send('GET', `/-/orgctl/v1/orgs/${ORG}/audit?limit=100000`)).body as { action: string; target?: string; detail?: any; id: number }[]).reverse();
        const events = (action: string, user: string) => audit.filter((e) => e.action === action && e.target === user);
        // the racing role changes form one chain from developer to the final role: none was lost
        for (const u of RACED) {
          const chain = events('org.member.set', u);
          expect(chain[0]?.detail.from).toBe('developer');
          for (let i = 1; i < chain.length; i++) expect(chain[i]!.detail.from).toBe(chain[i - 1]!.detail.to);
          expect(chain.length ? chain[chain.length - 1]!.detail.to : 'developer').toBe(roster[u]);
        }
        for (const u of PROMOTED) expect([u, roster[u], events('org.member.set', u).length]).toEqual([u, 'admin', 1]);
        for (const u of REMOVED) expect([u, roster[u], events('org.member.remove', u).length]).toEqual([u, undefined, 1]);
        for (const u of INVITEES) expect([u, roster[u], events('org.invite.accept', u).length]).toEqual([u, 'developer', 1]);
        for (const u of [...TEAMED, ...BYSTANDERS]) expect([u, roster[u]]).toEqual([u, 'developer']);
        expect(Object.keys(roster).length).toBe(3 + members.length - REMOVED.length + INVITEES.length);
        // teams agree with the roster: every add landed, nobody removed is left in a team
        expect((await c.send('GET', `/-/team/${ORG}/squad/user?format=cli`)).body).toEqual([...TEAMED].sort());
        expect((await c.send('GET', `/-/team/${ORG}/developers/user?format=cli`)).body).toEqual(Object.keys(roster).sort());
        for (const u of TEAMED) expect(events('org.team.add', u).length).toBe(1);
        const detailed = (await c.send('GET', `/-/orgctl/v1/orgs/${ORG}/members`)).body as { user: string; role: string }[];
        expect(Object.fromEntries(detailed.map((m) => [m.user, m.role]))).toEqual(roster);
        expect((await c.send('GET', `/-/orgctl/v1/orgs/${ORG}/invitations`)).body).toEqual([]);
        return roster;
      };
      const before = await check(boss);

      // the same state comes back from the data folder
      await reg.close();
      reg = await startRegistry({ dataDir });
      const again = client(reg.url, tok('boss'));
      expect(await check(again)).toEqual(before);
    } finally {
      await reg.close();
    }
  }, size(30_000, 300_000));
});
