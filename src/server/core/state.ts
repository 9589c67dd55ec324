import type { Role, SignupPolicy } from '../../shared/names.js';
import { collection, type Op, type Store } from '../store/store.js';
import type { TarballStore } from '../store/tarballs.js';
import { CoreError } from './errors.js';
import type { OutboxMessage } from './outbox.js';
import { k2, storeOps, type CollectionName, type Collections, type TypedOp } from './schema.js';
import { setList, setOf } from './multimap.js';
import { PackumentCache } from './packument-cache.js';
import { newId } from './secrets.js';
import type { AuditEvent, GrantRec, OrgRec, UserRec } from './types.js';

export const DAY = 86_400_000;
/** The implicit team of every org: all its members, never stored. */
export const DEVELOPERS = 'developers';

/** Whether a user's 2FA is on: TOTP enrolled and confirmed, or at least one security key. */
export function tfaOn(u: UserRec): boolean {
  return (!!u.tfa && !u.tfa.pending) || hasKeys(u);
}

export function hasKeys(u: UserRec): boolean {
  return (u.keys?.length ?? 0) > 0;
}

/**
 * Security keys live beside a 2FA record that is on (mode, recovery codes); a record without a
 * TOTP secret exists only while there is a key, and so does an authenticator app being added
 * beside the keys (`pendingSecret`, only on an on record without a secret).
 */
function tfaConsistent(u: UserRec): boolean {
  const t = u.tfa;
  if (!hasKeys(u)) return t?.secret !== null && t?.pendingSecret === undefined;
  return !!t && !t.pending && (t.pendingSecret === undefined || t.secret === null);
}

/** Which second factors a user has on: `totp`, `webauthn` (security keys). */
export function tfaMethods(u: UserRec): ('totp' | 'webauthn')[] {
  const out: ('totp' | 'webauthn')[] = [];
  if (u.tfa && !u.tfa.pending && u.tfa.secret !== null) out.push('totp');
  if (hasKeys(u)) out.push('webauthn');
  return out;
}

/** A notification's text (see messages.ts). */
export interface Message {
  subject: string;
  text: string;
  /** which notification, shown by `registry mail ls` (e.g. `tfa-removal`) */
  kind?: string;
}

/**
 * The core's state: the store, the indexes over it, the clock, and the one way to change it.
 * `commit` checks the invariants on the state the ops would leave, indexes them and hands them to
 * the store in the same tick as the caller's checks (no await between them); if the store fails
 * to write, it has undone the ops and the indexes are rebuilt to match. Nothing else commits.
 */
export class CoreState {
  // Indexes over the store's collections, kept in step by commit().
  private readonly orgMembers = new Map<string, Map<string, Role>>();
  private readonly userOrgs = new Map<string, Set<string>>();
  private readonly orgTeams = new Map<string, Map<string, Set<string>>>();
  private readonly userTokens = new Map<string, Set<string>>();
  private readonly orgAudit = new Map<string, string[]>();
  /** package → its published versions */
  private readonly pkgVersions = new Map<string, Set<string>>();
  /** package → `packageGrants` keys on it */
  private readonly pkgGrants = new Map<string, Set<string>>();
  /**
   * org → its member names sorted, and the roster's JSON, built on the first read after a
   * membership change: reads then cost O(members) without sorting, and the roster none at all.
   */
  private readonly sortedMembers = new Map<string, { names: string[]; rosterJson?: string }>();
  /** each package's packument JSON, kept until the package (or a user) changes */
  readonly packuments = new PackumentCache();
  private auditSeq = 0;
  /** called after a commit that queued a message (set by the MailQueue) */
  onQueued: () => void = () => {};
  /** how notifications reach users: by email (SMTP) or left in the outbox (set by the MailQueue) */
  notices: 'email' | 'outbox' = 'outbox';

  constructor(
    readonly store: Store,
    /** ms since the epoch; injected so tests control TOTP steps and expiry */
    readonly now: () => number,
    readonly tarballs: TarballStore,
    readonly signup: SignupPolicy = 'open',
  ) {
    this.rebuildIndexes();
  }

  // ---------------------------------------------------------------- typed reads

  get<C extends CollectionName>(c: C, k: string): Collections[C] | undefined {
    return this.all(c).get(k);
  }

  has(c: CollectionName, k: string): boolean {
    return this.all(c).has(k);
  }

  /** A live read-only view of a collection. */
  all<C extends CollectionName>(c: C): ReadonlyMap<string, Collections[C]> {
    return collection(this.store.data, c) as Map<string, Collections[C]>;
  }

  // ---------------------------------------------------------------- lookups (store and indexes)

  user(name: string): UserRec | undefined {
    return this.get('users', name);
  }

  org(name: string): OrgRec | undefined {
    return this.get('orgs', name);
  }

  roleIn(org: string, user: string): Role | undefined {
    return this.orgMembers.get(org)?.get(user);
  }

  /** Members of `org` (name → role), or undefined if no such org. Read-only view. */
  members(org: string): ReadonlyMap<string, Role> | undefined {
    return this.orgMembers.get(org);
  }

  /** The member names of an existing `org`, sorted (a shared array: do not change it). */
  memberNames(org: string): readonly string[] {
    return this.membersView(org).names;
  }

  /** The sorted names of an existing org's members, and a slot for its roster JSON (both dropped by a membership change). */
  membersView(org: string): { names: string[]; rosterJson?: string } {
    let view = this.sortedMembers.get(org);
    if (!view) {
      view = { names: [...this.orgMembers.get(org)!.keys()].sort() };
      this.sortedMembers.set(org, view);
    }
    return view;
  }

  orgsOf(user: string): string[] {
    return [...(this.userOrgs.get(user) ?? [])].sort();
  }

  /** The teams of `org` (team → member names, `developers` empty: it means every member), or undefined. */
  teams(org: string): ReadonlyMap<string, ReadonlySet<string>> | undefined {
    return this.orgTeams.get(org);
  }

  teamsOf(org: string, user: string): string[] {
    const out: string[] = [];
    for (const [team, set] of this.orgTeams.get(org) ?? []) if (team !== DEVELOPERS && set.has(user)) out.push(team);
    return out.sort();
  }

  tokenKeysOf(user: string): ReadonlySet<string> {
    return this.userTokens.get(user) ?? new Set();
  }

  /** The published versions of `pkg` (empty when none). */
  versionsOf(pkg: string): ReadonlySet<string> {
    return this.pkgVersions.get(pkg) ?? new Set();
  }

  /** The team grants on `pkg` (from any org; callers filter by org). */
  grantsOn(pkg: string): GrantRec[] {
    return [...(this.pkgGrants.get(pkg) ?? [])].map((k) => this.get('packageGrants', k)!);
  }

  /** The keys of `org`'s audit events, oldest first. */
  auditKeysOf(org: string): readonly string[] {
    return this.orgAudit.get(org) ?? [];
  }

  /** The org whose scope `pkg` is in (`@org/name` with a known org), or null. */
  packageOrg(pkg: string): string | null {
    const m = /^@([^/]+)\/[^/]+$/.exec(pkg);
    return m && this.org(m[1]!) ? m[1]! : null;
  }

  /**
   * What holds `name` in the one namespace users, orgs and package scopes share (npm's rule): a
   * user, an org, a scope with packages in it (`@name/…`), or nothing (null).
   */
  nameHolder(name: string): 'user' | 'org' | 'scope' | null {
    if (this.has('users', name)) return 'user';
    if (this.has('orgs', name)) return 'org';
    const prefix = `@${name}/`;
    for (const pkg of this.all('packages').keys()) if (pkg.startsWith(prefix)) return 'scope';
    return null;
  }

  // ---------------------------------------------------------------- committing

  /**
   * Applies a transaction: indexes and memory now, durable when the promise resolves. If the store
   * fails to write it, the store has undone it, and the indexes are rebuilt to match.
   */
  async commit(ops: TypedOp[]): Promise<void> {
    this.checkInvariants(ops);
    this.index(ops);
    try {
      await this.store.commit(storeOps(ops));
    } catch (e) {
      this.rebuildIndexes();
      throw e;
    }
    if (ops.some((o) => o.c === 'outbox' && o.v?.state === 'queued' && !o.v.attempts)) this.onQueued();
  }

  /**
   * The core's invariants, checked on the state `ops` would leave, before anything is applied (so
   * whatever path a change takes, it cannot commit a broken state): every member of an org that
   * requires 2FA has 2FA on (TOTP or a security key); a user's security keys sit beside a 2FA
   * record that is on; no user and org share a name; nobody without 2FA joins an org with a
   * scheduled 2FA requirement, which exists only for an org that does not require 2FA yet; a
   * package grant belongs to a team that exists, of the org whose scope the package is in.
   */
  private checkInvariants(ops: TypedOp[]): void {
    const after = new Map<string, unknown>();
    for (const o of ops) after.set(`${o.c}\n${o.k}`, o.v ?? null);
    const get = <C extends CollectionName>(c: C, k: string): Collections[C] | undefined => {
      const key = `${c}\n${k}`;
      return after.has(key) ? ((after.get(key) ?? undefined) as Collections[C] | undefined) : this.get(c, k);
    };
    const check = (org: string, user: string): void => {
      if (!get('orgs', org)?.requireTfa || !get('members', k2(org, user))) return;
      const u = get('users', user);
      if (u && tfaOn(u)) return;
      throw new CoreError('conflict', `This change would leave ${user}, a member of ${org}, without two-factor authentication, which ${org} requires. Nothing was changed; try again.`, { code: 'EINVARIANT' });
    };
    // A scheduled 2FA requirement: joining needs 2FA already; and it exists only for an org that does not require 2FA yet.
    const joinCheck = (org: string, user: string): void => {
      if (this.has('members', k2(org, user)) || !get('tfaSchedules', org)) return;
      const u = get('users', user);
      if (u && tfaOn(u)) return;
      throw new CoreError('conflict', `${org} requires two-factor authentication to join, and ${user} does not have it. Nothing was changed.`, { code: 'EINVARIANT' });
    };
    for (const o of ops) {
      if (o.c === 'tfaSchedules' && o.v && (!get('orgs', o.k) || get('orgs', o.k)!.requireTfa)) {
        throw new CoreError('conflict', `A 2FA requirement can be scheduled only for an org that exists and does not require 2FA yet (${o.k}). Nothing was changed.`, { code: 'EINVARIANT' });
      }
      if ((o.c === 'users' && o.v && get('orgs', o.k)) || (o.c === 'orgs' && o.v && get('users', o.k))) {
        throw new CoreError('conflict', `The name ${o.k} is taken: users and orgs share one namespace. Nothing was changed.`, { code: 'EINVARIANT' });
      }
      if (o.c === 'packageGrants' && o.v) {
        const g = o.v;
        if (!get('orgs', g.org) || (g.team !== DEVELOPERS && !get('teams', k2(g.org, g.team))) || !g.pkg.startsWith(`@${g.org}/`)) {
          throw new CoreError('conflict', `Team ${g.org}:${g.team} or its org is gone. Nothing was changed; try again.`, { code: 'EINVARIANT' });
        }
      }
      if (o.c === 'users' && o.v && !tfaConsistent(o.v)) {
        throw new CoreError('conflict', `This change would leave ${o.k}'s two-factor settings inconsistent. Nothing was changed; try again.`, { code: 'EINVARIANT' });
      }
      if (o.c === 'users' && o.v && !tfaOn(o.v)) {
        for (const org of this.userOrgs.get(o.k) ?? []) check(org, o.k);
      } else if (o.c === 'members' && o.v) {
        const i = o.k.indexOf(':');
        check(o.k.slice(0, i), o.k.slice(i + 1));
        joinCheck(o.k.slice(0, i), o.k.slice(i + 1));
      } else if (o.c === 'orgs' && o.v?.requireTfa) {
        for (const user of this.orgMembers.get(o.k)?.keys() ?? []) check(o.k, user);
      }
    }
  }

  private rebuildIndexes(): void {
    this.orgMembers.clear();
    this.userOrgs.clear();
    this.orgTeams.clear();
    this.userTokens.clear();
    this.orgAudit.clear();
    this.pkgVersions.clear();
    this.pkgGrants.clear();
    this.sortedMembers.clear();
    this.packuments.clear();
    for (const name of this.all('orgs').keys()) {
      this.orgMembers.set(name, new Map());
      this.orgTeams.set(name, new Map([[DEVELOPERS, new Set()]]));
    }
    const ops: TypedOp[] = [];
    for (const [k, v] of this.all('members')) ops.push({ c: 'members', k, v });
    for (const [k, v] of this.all('teams')) ops.push({ c: 'teams', k, v });
    for (const [k, v] of this.all('teamMembers')) ops.push({ c: 'teamMembers', k, v });
    for (const [k, v] of this.all('tokens')) ops.push({ c: 'tokens', k, v });
    for (const [k, v] of this.all('packageVersions')) ops.push({ c: 'packageVersions', k, v });
    for (const [k, v] of this.all('packageGrants')) ops.push({ c: 'packageGrants', k, v });
    for (const k of [...this.all('audit').keys()].sort()) ops.push({ c: 'audit', k, v: this.get('audit', k)! });
    this.index(ops);
    for (const k of this.all('audit').keys()) this.auditSeq = Math.max(this.auditSeq, Number(k));
  }

  private index(ops: TypedOp[]): void {
    this.packuments.invalidate(ops);
    for (const o of ops) {
      const k = o.k;
      if (o.c === 'orgs') {
        if (o.v && !this.orgMembers.has(k)) {
          this.orgMembers.set(k, new Map());
          this.orgTeams.set(k, new Map([[DEVELOPERS, new Set()]]));
        } else if (!o.v) {
          this.orgMembers.delete(k);
          this.orgTeams.delete(k);
          this.sortedMembers.delete(k);
        }
      } else if (o.c === 'members') {
        const [org, user] = k.split(':') as [string, string];
        this.sortedMembers.delete(org);
        if (o.v) {
          this.orgMembers.get(org)?.set(user, o.v.role);
          setOf(this.userOrgs, user).add(org);
        } else {
          this.orgMembers.get(org)?.delete(user);
          this.userOrgs.get(user)?.delete(org);
        }
      } else if (o.c === 'teams') {
        const [org, team] = k.split(':') as [string, string];
        const teams = this.orgTeams.get(org);
        if (!teams) continue;
        if (o.v && !teams.has(team)) teams.set(team, new Set());
        else if (!o.v) teams.delete(team);
      } else if (o.c === 'teamMembers') {
        const [org, team, user] = k.split(':') as [string, string, string];
        const set = this.orgTeams.get(org)?.get(team);
        if (!set) continue;
        if (o.v) set.add(user);
        else set.delete(user);
      } else if (o.c === 'audit') {
        const org = o.v?.org;
        if (o.v && org) setList(this.orgAudit, org).push(k);
      } else if (o.c === 'packageVersions') {
        const rec = o.v ?? this.get('packageVersions', k);
        if (!rec) continue;
        if (o.v) setOf(this.pkgVersions, rec.name).add(rec.version);
        else {
          const set = this.pkgVersions.get(rec.name);
          set?.delete(rec.version);
          if (set?.size === 0) this.pkgVersions.delete(rec.name);
        }
      } else if (o.c === 'packageGrants') {
        const rec = o.v ?? this.get('packageGrants', k);
        if (!rec) continue;
        if (o.v) setOf(this.pkgGrants, rec.pkg).add(k);
        else this.pkgGrants.get(rec.pkg)?.delete(k);
      } else if (o.c === 'tokens') {
        const rec = o.v ?? this.get('tokens', k);
        if (!rec) continue;
        if (o.v) setOf(this.userTokens, rec.user).add(k);
        else this.userTokens.get(rec.user)?.delete(k);
      }
    }
  }

  // ---------------------------------------------------------------- op builders, outbox, clock

  iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  auditOp(org: string | null, actor: string, action: string, target?: string, detail?: Record<string, unknown>): TypedOp {
    const id = ++this.auditSeq;
    const ev: AuditEvent = { id, time: this.iso(), org, actor, action, ...(target ? { target } : {}), ...(detail ? { detail } : {}) };
    return { c: 'audit', k: String(id).padStart(12, '0'), v: ev };
  }

  /** A notification to `user`, stored (queued) in the same transaction as the change it reports. */
  outboxOp(user: string, msg: Message): TypedOp {
    const u = this.user(user);
    const created = this.iso();
    const m: OutboxMessage = {
      id: newId(12),
      user,
      to: u?.email ?? null,
      subject: msg.subject,
      text: msg.text,
      created,
      ...(msg.kind ? { kind: msg.kind } : {}),
      state: 'queued',
      attempts: 0,
      nextAttempt: created,
    };
    return { c: 'outbox', k: m.id, v: m };
  }
}
