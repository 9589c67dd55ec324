import { isTfaMode, nameProblem, normalizeRole, type Role, type TfaMode } from '../../shared/names.js';
import type { Op, Store } from '../store/store.js';
import { CoreError, conflict, forbidden, invalid, notFound, unauthenticated } from './errors.js';
import { Backoff, type BackoffOptions } from './throttle.js';
import { PasswordPool, type PasswordPoolOptions } from './password-pool.js';
import {
  hashPassword,
  newId,
  newRecoveryCode,
  newToken,
  redactToken,
  safeEqual,
  sha256Hex,
  tokenKey,
  verifyPassword,
} from './secrets.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';
import { ipInCidrs, isValidCidr } from './cidr.js';
import { MemoryMailer, type Mailer } from './outbox.js';
import { article, invitationMessage, tfaRemovalMessage, tfaReminderMessage } from './messages.js';
import { k2, k3, type TypedOp } from './schema.js';
import { CoreState, DAY, DEVELOPERS, tfaOn } from './state.js';
import { MemoryTarballs, tarballKey, type TarballStore } from '../store/tarballs.js';
import { checkPackageName, checkTag, compareVersions, highest, isVersion, parsePublish, tarballFile } from './packages.js';
import type {
  Actor,
  AuditEvent,
  Credentials,
  InvitationRec,
  MemberRec,
  OrgRec,
  OrgsPermission,
  OtpUse,
  PackageRec,
  PackageVersionRec,
  RemovalRec,
  TeamRec,
  TfaRec,
  TokenRec,
  UserRec,
} from './types.js';

/**
 * The registry's rules: users, tokens, 2FA, OTP checks, orgs, memberships, teams, invitations, packages.
 * No HTTP here: methods take credentials and plain values, return plain values, and throw
 * CoreError. Every change is one store transaction, applied in the same tick as its checks (so no
 * concurrent request can slip between check and change) and awaited until durable.
 */
export interface CoreOptions {
  store: Store;
  /** ms since the epoch; injected so tests control TOTP steps and expiry */
  now?: () => number;
  /** growing delays after wrong passwords and OTPs, per account and source (docs §4.5) */
  throttle?: BackoffOptions;
  /** bounded password hashing (concurrency, per-address budget; a gate for tests) */
  passwords?: PasswordPoolOptions;
  /** where notifications go; default: kept in memory */
  mailer?: Mailer;
  /** where package tarballs go; default: kept in memory */
  tarballs?: TarballStore;
}

export const INVITATION_DAYS = 7;
export const REMOVAL_RECORD_DAYS = 90;
export const RECOVERY_CODES = 5;
const WEB_LOGIN_TTL = 10 * 60_000;
const PROFILE_FIELDS = ['email', 'fullname', 'homepage', 'freenode', 'twitter', 'github'] as const;

/** Why an OTP is asked for: `auth` (login, profile, tokens, governance) or `write` (other writes). */
type OtpNeed = 'auth' | 'write';

interface WebSession {
  loginId: string;
  doneId: string;
  created: number;
  create: boolean;
  token: string | null;
  user: string | null;
  /** a form is being checked: a second one waits its turn (409) instead of minting a second token */
  busy: boolean;
}

export interface Profile {
  name: string;
  email: string | null;
  email_verified: boolean;
  created: string;
  updated: string;
  tfa: { mode: TfaMode; pending: boolean } | null | false | string | string[];
  fullname: string | null;
  homepage: string | null;
  freenode: string | null;
  twitter: string | null;
  github: string | null;
  cidr_whitelist: null;
}

/** An invitation as the API shows it: the record plus whether it has expired. */
export interface InvitationView extends InvitationRec {
  expired: boolean;
}

export interface TokenView {
  key: string;
  token: string;
  name: string | null;
  description: string | null;
  created: string;
  updated: string;
  readonly: boolean;
  cidr_whitelist: string[] | null;
  expires: string | null;
}


export class RegistryCore {
  readonly store: Store;
  readonly now: () => number;
  /** wrong passwords per account and client address */
  private readonly pwSource: Backoff;
  /** wrong passwords per account, from addresses the account never logged in from (a backstop against spread-out guessing) */
  private readonly pwAccount: Backoff;
  /** wrong OTPs per account and source (the token, or the client address for passwords) */
  private readonly otpSource: Backoff;
  /** wrong OTPs per account, all sources: bounds guessing of a 6-digit code by someone who has the first factor */
  private readonly otpAccount: Backoff;
  /** account → addresses it logged in from with its password (bounded), exempt from `pwAccount` */
  private readonly knownAddresses = new Map<string, Set<string>>();
  readonly passwords: PasswordPool;
  private readonly webSessions = new Map<string, WebSession>();
  private readonly webByDone = new Map<string, WebSession>();
  /** `org:user` → ms until which a member who just left may still read the roster (npm org rm re-reads it) */
  private readonly justLeft = new Map<string, number>();
  readonly mailer: Mailer;
  readonly tarballs: TarballStore;
  private readonly state: CoreState;

  constructor(opts: CoreOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.mailer = opts.mailer ?? new MemoryMailer();
    this.tarballs = opts.tarballs ?? new MemoryTarballs();
    this.state = new CoreState(this.store, this.now, this.mailer, this.tarballs);
    const t = opts.throttle ?? {};
    const free = t.free ?? 5;
    this.pwSource = new Backoff(this.now, t);
    this.pwAccount = new Backoff(this.now, { ...t, free: free * 10 });
    this.otpSource = new Backoff(this.now, t);
    this.otpAccount = new Backoff(this.now, { ...t, free: free * 4 });
    this.passwords = new PasswordPool(opts.passwords);
  }

  // ---------------------------------------------------------------- lookups

  user(name: string): UserRec | undefined {
    return this.state.user(name);
  }

  org(name: string): OrgRec | undefined {
    return this.state.org(name);
  }

  roleIn(org: string, user: string): Role | undefined {
    return this.state.roleIn(org, user);
  }

  /** Members of `org` (name → role), or undefined if no such org. Read-only view. */
  members(org: string): ReadonlyMap<string, Role> | undefined {
    return this.state.members(org);
  }

  orgsOf(user: string): string[] {
    return this.state.orgsOf(user);
  }

  teamsOf(org: string, user: string): string[] {
    return this.state.teamsOf(org, user);
  }

  static tfaOn(u: UserRec): boolean {
    return tfaOn(u);
  }

  /**
   * Delivers stored notifications in the background, one flush at a time, then deletes them.
   * Call at start-up too: messages left by a crash are delivered then.
   */
  flushOutbox(): Promise<void> {
    return this.state.flushOutbox();
  }

  // ---------------------------------------------------------------- authentication and OTP

  /** The acting user, or null when the request carries no credential. Bad credentials throw. */
  async authenticate(cred: Credentials): Promise<Actor | null> {
    if (cred.bearer !== undefined) {
      const rec = this.state.all('tokens').get(tokenKey(cred.bearer));
      if (!rec) throw unauthenticated('Invalid or revoked token. Log in again.');
      if (rec.expires && Date.parse(rec.expires) <= this.now()) throw unauthenticated('This token has expired. Log in again or create a new token.');
      if (rec.cidr && !ipInCidrs(cred.ip, rec.cidr)) {
        throw new CoreError('ip', `This token may not be used from ${cred.ip}.`);
      }
      const user = this.user(rec.user);
      if (!user) throw unauthenticated('Invalid or revoked token. Log in again.');
      return { user, token: rec, via: 'token' };
    }
    if (cred.basic) {
      let user: UserRec;
      try {
        user = await this.checkPassword(cred.basic.user, cred.basic.password, cred.ip);
      } catch (e) {
        if (e instanceof CoreError && e.kind === 'unauthenticated') throw new CoreError('unauthenticated', e.message, { code: 'EAUTH' });
        throw e;
      }
      const actor: Actor = { user, token: null, via: 'password', password: user.password };
      // A password is a first factor only: with 2FA on, every Basic-auth request needs an OTP.
      return tfaOn(user) ? this.otpGate(actor, cred, 'auth') : actor;
    }
    return null;
  }

  async requireActor(cred: Credentials): Promise<Actor> {
    const actor = await this.authenticate(cred);
    if (!actor) throw new CoreError('unauthenticated', 'You must be logged in to do this. Run `orgctl login` or `npm login`.', { code: 'ENEEDAUTH' });
    return actor;
  }

  /**
   * Checks a user's password from client address `ip` and returns the user as it is once the check
   * is done. Throttled per account and address (docs §4.5); the hash runs in the bounded pool.
   */
  private async checkPassword(name: string, password: string, ip: string): Promise<UserRec> {
    const src = `${name}\n${ip}`;
    const known = this.knownAddresses.get(name)?.has(ip) ?? false;
    const wait = Math.max(this.pwSource.waitFor(src), known ? 0 : this.pwAccount.waitFor(name));
    if (wait > 0) throw new CoreError('rate_limited', `Too many failed password attempts for ${name}. Try again in ${wait} seconds.`, { retryAfter: wait });
    this.passwords.admit(ip);
    const before = this.user(name);
    // Count the attempt as a failure before the (slow) check, so guesses sent in parallel cannot
    // all be checked before the delay starts; a success takes it back.
    this.pwSource.fail(src);
    if (!known) this.pwAccount.fail(name);
    const ok = await this.passwords.run(ip, name, () => verifyPassword(password, before?.password ?? null));
    // Decided on the account as it is now: a password changed while we hashed no longer counts.
    const user = this.user(name);
    if (!ok || !before || !user || !sameHash(user.password, before.password)) throw new CoreError('unauthenticated', 'Incorrect username or password.', { code: 'EPASSWORD' });
    this.pwSource.succeed(src);
    if (!known) this.pwAccount.forgive(name);
    const addrs = setOf(this.knownAddresses, name);
    if (addrs.size >= 32) addrs.delete(addrs.values().next().value!);
    addrs.add(ip);
    return user;
  }

  /**
   * `actor` as the store has it now: the same user and token (401 when the token was revoked or
   * the password changed since it was checked). Every decision after an await starts here.
   */
  private reread(actor: Actor): Actor {
    const user = this.user(actor.user.name);
    if (!user) throw unauthenticated('Invalid or revoked token. Log in again.');
    let token = actor.token;
    if (token) {
      token = this.state.all('tokens').get(token.key) ?? null;
      if (!token) throw unauthenticated('Invalid or revoked token. Log in again.');
    }
    if (actor.password !== undefined && !sameHash(user.password, actor.password)) throw new CoreError('unauthenticated', 'Incorrect username or password.', { code: 'EPASSWORD' });
    return { ...actor, user, token };
  }

  /** Whether `need` asks `actor` for an OTP that this request has not given yet. */
  private otpNeeded(actor: Actor, need: OtpNeed): boolean {
    const u = actor.user;
    if (!tfaOn(u) || actor.otpChecked) return false;
    return !(need === 'write' && u.tfa!.mode !== 'auth-and-writes' && actor.via !== 'password');
  }

  /**
   * Demands a one-time password from `actor` when the rules ask for one:
   *   - `auth` (login, profile, tokens, governance): whenever 2FA is on;
   *   - `write` (other writes): when 2FA is on in auth-and-writes mode, or the credential is a password.
   * Returns the actor re-read from the store once that is done (see `reread`): callers decide on it.
   */
  async otpGate(actor: Actor, cred: Credentials, need: OtpNeed): Promise<Actor> {
    let a = this.reread(actor);
    if (!this.otpNeeded(a, need)) return a;
    await this.checkOtp(a, cred.otp, cred.ip);
    a = { ...this.reread(a), otpChecked: true };
    return a;
  }

  /**
   * Verifies an OTP or recovery code for the actor's user, read afresh here (a recovery code is
   * consumed in the same tick as it is found, so it works once however many requests race).
   * Throttled per account and source: the token, or the client address for a password.
   */
  private async checkOtp(actor: Actor, otp: string | undefined, ip: string): Promise<void> {
    const tok = actor.token;
    // A read-only token makes no change that needs a second factor, and must not spend (or lock)
    // its owner's OTP budget.
    if (tok?.readonly) throw forbidden('This token is read-only and cannot make changes.', 'EREADONLY');
    const code = (otp ?? '').replace(/\s+/g, '');
    if (!code) throw otpChallenge('This operation requires a one-time password from your authenticator app. Pass it with --otp.');
    const name = actor.user.name;
    const src = `${name}\n${tok ? `t:${tok.key}` : `a:${ip}`}`;
    const wait = Math.max(this.otpSource.waitFor(src), this.otpAccount.waitFor(name));
    if (wait > 0) {
      throw new CoreError('rate_limited', `Too many wrong one-time passwords for ${name}. Try again in ${wait} seconds.`, { retryAfter: wait });
    }
    const u = this.user(name)!;
    const tfa = u.tfa;
    if (!tfa || tfa.pending) throw conflict('Your two-factor settings changed while this request was processed. Try again.');
    const now = this.now();
    if (/^[0-9a-f]{64}$/i.test(code)) {
      const h = sha256Hex(code.toLowerCase());
      const idx = tfa.recovery.findIndex((r) => safeEqual(r, h));
      if (idx >= 0) {
        this.otpSource.succeed(src);
        const next: UserRec = { ...u, tfa: { ...tfa, recovery: tfa.recovery.filter((_, i) => i !== idx) }, updated: this.state.iso() };
        await this.state.commit([{ c: 'users', k: u.name, v: next }, this.state.auditOp(null, u.name, 'user.tfa.recovery-code-used')]);
        return;
      }
    } else {
      const step = matchTotp(tfa.secret, code, now);
      if (step !== null) {
        const uses = (this.state.all('otpUses').get(u.name) ?? []).filter((x) => x.until > now);
        const used = uses.find((x) => x.step === step);
        const tokKey = tok?.key ?? null;
        if (used) {
          if (tokKey !== null && used.tok === tokKey) return; // the same token may reuse its code (one --otp, many requests)
          throw otpChallenge('This one-time password has already been used. Wait for the next code from your authenticator app.');
        }
        this.otpSource.succeed(src);
        uses.push({ step, tok: tokKey, until: (step + 2) * 30_000 });
        await this.state.commit([{ c: 'otpUses', k: u.name, v: uses }]);
        return;
      }
    }
    this.otpSource.fail(src);
    this.otpAccount.fail(name);
    throw otpChallenge('The one-time password is wrong or has expired. Enter the current code from your authenticator app.');
  }

  /** Refuses writes with a read-only token, and org actions outside a granular token's orgs. */
  private tokenMayWrite(actor: Actor, org?: string): void {
    const t = actor.token;
    if (!t) return;
    if (t.readonly) throw forbidden('This token is read-only and cannot make changes.', 'EREADONLY');
    if (org !== undefined) {
      if (t.orgs && !t.orgs.includes(org)) throw forbidden(`This token may not act on org ${org}.`);
      if (t.orgsPermission && t.orgsPermission !== 'read-write') throw forbidden(`This token has ${t.orgsPermission} access to orgs and cannot change them.`, 'EREADONLY');
    }
  }

  /**
   * A granular token's package limits (npm 11 `token create --packages/--scopes/
   * --packages-and-scopes-permission`): `no-access` denies reads and writes of the packages it
   * covers, `read-only` denies writes; a package it does not cover may not be written, nor read in
   * an org's scope. Returns false for a read to treat as anonymous (a public package the token does
   * not cover), true otherwise; throws 403.
   */
  private tokenMayUsePackage(actor: Actor, pkg: string, want: 'read' | 'write'): boolean {
    const t = actor.token;
    if (!t) return true;
    const scope = /^@([^/]+)\//.exec(pkg)?.[1];
    const covered = (!t.packages && !t.scopes) || !!t.packages?.includes(pkg) || (scope !== undefined && !!t.scopes?.includes(scope));
    if (!covered) {
      if (want === 'write' || this.state.packageOrg(pkg) !== null) throw forbidden(`This token does not cover the package ${pkg}.`);
      return false;
    }
    if (t.packagesPermission === 'no-access') throw forbidden(`This token has no access to packages, so it cannot ${want === 'read' ? 'read' : 'change'} ${pkg}.`);
    if (t.packagesPermission === 'read-only' && want === 'write') throw forbidden('This token has read-only access to packages and cannot change them.', 'EREADONLY');
    return true;
  }

  private tokenMayRead(actor: Actor, org: string): void {
    const t = actor.token;
    if (!t) return;
    if (t.orgs && !t.orgs.includes(org)) throw forbidden(`This token may not act on org ${org}.`);
    if (t.orgsPermission === 'no-access') throw forbidden('This token has no access to orgs.');
  }

  // ---------------------------------------------------------------- accounts and login

  whoami(actor: Actor): { username: string } {
    return { username: actor.user.name };
  }

  private issueToken(user: string, extra: Partial<TokenRec> = {}): { token: string; rec: TokenRec; op: TypedOp } {
    const token = newToken();
    const at = this.state.iso();
    const rec: TokenRec = {
      key: tokenKey(token),
      user,
      redacted: redactToken(token),
      created: at,
      updated: at,
      readonly: false,
      cidr: null,
      name: null,
      description: null,
      expires: null,
      orgs: null,
      orgsPermission: null,
      session: true,
      ...extra,
    };
    return { token, rec, op: { c: 'tokens', k: rec.key, v: rec } };
  }

  /**
   * npm's legacy (couch) login: an unknown name creates the account; a known name checks the
   * password and, with 2FA on, an OTP. Returns a new session token.
   */
  async legacyLogin(cred: Credentials, body: { name?: unknown; password?: unknown; email?: unknown }, pathName: string): Promise<{ token: string; created: boolean }> {
    const name = body.name ?? pathName;
    if (name !== pathName) throw invalid('The name in the body does not match the name in the URL.');
    const problem = nameProblem('user', name);
    if (problem) throw invalid(problem);
    if (typeof body.password !== 'string' || body.password.length === 0) throw invalid('password is required');
    if (body.email !== undefined && body.email !== null && typeof body.email !== 'string') throw invalid('email must be a string');
    const existing = this.user(name as string);
    if (!existing) {
      return { token: await this.createAccount(name as string, body.password, (body.email as string | undefined) ?? null, cred.ip), created: true };
    }
    return { token: await this.passwordLogin(existing.name, body.password, cred), created: false };
  }

  /** A login with a password (and, with 2FA on, an OTP): a new session token. */
  private async passwordLogin(name: string, password: string, cred: Pick<Credentials, 'otp' | 'ip'>): Promise<string> {
    const user = await this.checkPassword(name, password, cred.ip);
    const actor = await this.otpGate({ user, token: null, via: 'password', password: user.password }, { ip: cred.ip, otp: cred.otp }, 'auth');
    const t = this.issueToken(actor.user.name);
    await this.state.commit([t.op]);
    return t.token;
  }

  private async createAccount(name: string, password: string, email: string | null, ip: string): Promise<string> {
    if (password.length < 8) throw invalid('Password must be at least 8 characters long.');
    const hash = await this.passwords.run(ip, name, () => hashPassword(password));
    if (this.user(name)) throw conflict(`User ${name} already exists.`); // created while we hashed
    const at = this.state.iso();
    const rec: UserRec = { name, email, emailVerified: false, password: hash, created: at, updated: at, tfa: null };
    const t = this.issueToken(name);
    await this.state.commit([{ c: 'users', k: name, v: rec }, t.op]);
    return t.token;
  }

  /** Starts a web login. The login id goes in the page URL; the done id only to the CLI. */
  startWebLogin(create: boolean): { loginId: string; doneId: string } {
    this.pruneWeb();
    const s: WebSession = { loginId: newId(), doneId: newId(), created: this.now(), create, token: null, user: null, busy: false };
    this.webSessions.set(s.loginId, s);
    this.webByDone.set(s.doneId, s);
    return { loginId: s.loginId, doneId: s.doneId };
  }

  webLoginPending(loginId: string): { create: boolean; done: boolean; user: string | null } | null {
    this.pruneWeb();
    const s = this.webSessions.get(loginId);
    return s ? { create: s.create, done: s.token !== null, user: s.user } : null;
  }

  /** The login page's form, sent from client address `ip`: checks the password and, with 2FA on, the OTP. */
  async completeWebLogin(loginId: string, form: { username?: string; password?: string; otp?: string }, ip: string): Promise<string> {
    const s = this.webSessions.get(loginId);
    if (!s || this.now() - s.created > WEB_LOGIN_TTL) throw notFound('This login link has expired. Run the login command again.');
    if (s.token) throw conflict('This login is already complete. Return to your terminal.');
    const name = (form.username ?? '').trim();
    const problem = nameProblem('user', name);
    if (problem) throw invalid(problem);
    if (!form.password) throw invalid('password is required');
    if (s.busy) throw conflict('This login form is already being checked. Wait for the answer.');
    s.busy = true;
    try {
      s.token = !this.user(name) && s.create ? await this.createAccount(name, form.password, null, ip) : await this.passwordLogin(name, form.password, { otp: form.otp, ip });
    } finally {
      s.busy = false;
    }
    s.user = name;
    return name;
  }

  /** The CLI's poll: null while pending; the token once (the session is then forgotten). */
  pollWebLogin(doneId: string): { token: string } | null {
    const s = this.webByDone.get(doneId);
    if (!s || this.now() - s.created > WEB_LOGIN_TTL) throw notFound('Unknown or expired login session.');
    if (!s.token) return null;
    this.webByDone.delete(doneId);
    this.webSessions.delete(s.loginId);
    return { token: s.token };
  }

  private pruneWeb(): void {
    const now = this.now();
    for (const [id, s] of this.webSessions) {
      if (now - s.created > WEB_LOGIN_TTL) {
        this.webSessions.delete(id);
        this.webByDone.delete(s.doneId);
      }
    }
  }

  /** `npm logout`: revokes a token. A token may revoke itself; otherwise it must be the caller's. */
  async revokeTokenValue(actor: Actor, cred: Credentials, token: string): Promise<void> {
    const key = tokenKey(token);
    const rec = this.state.all('tokens').get(key);
    if (!rec || rec.user !== actor.user.name) throw notFound('No such token.');
    if (actor.token?.key !== key) {
      // Revoking another token is a write like `token revoke`; a token revoking itself is a logout.
      if (actor.token?.readonly) throw forbidden('A read-only token cannot revoke other tokens.', 'EREADONLY');
      await this.otpGate(actor, cred, 'write');
    }
    if (!this.state.all('tokens').has(key)) return; // revoked meanwhile: the same outcome
    await this.state.commit([{ c: 'tokens', k: key, v: null }]);
  }

  // ---------------------------------------------------------------- tokens

  private tokenView(t: TokenRec): TokenView {
    return {
      key: t.key,
      token: t.redacted,
      name: t.name,
      description: t.description,
      created: t.created,
      updated: t.updated,
      readonly: t.readonly,
      cidr_whitelist: t.cidr,
      expires: t.expires,
    };
  }

  listTokens(actor: Actor, page: number, perPage: number): { objects: TokenView[]; total: number } {
    const all = [...(this.state.tokenKeysOf(actor.user.name))]
      .map((k) => this.state.all('tokens').get(k)!)
      .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.key < b.key ? -1 : 1));
    return { objects: all.slice(page * perPage, page * perPage + perPage).map((t) => this.tokenView(t)), total: all.length };
  }

  /** `npm token create`, npm 10 (`readonly`, `cidr_whitelist`) and npm 11 (granular) bodies. */
  async createToken(actor: Actor, cred: Credentials, body: Record<string, unknown>): Promise<TokenView & { token: string }> {
    if (typeof body.password !== 'string') throw invalid('password is required to create a token');
    if (actor.token?.readonly) throw forbidden('A read-only token cannot create tokens.', 'EREADONLY');
    const checked = await this.checkPassword(actor.user.name, body.password, cred.ip);
    const cidrRaw = body.cidr_whitelist ?? null;
    const cidr = Array.isArray(cidrRaw) && cidrRaw.length === 0 ? null : cidrRaw; // [] means no limit
    if (cidr !== null && (!Array.isArray(cidr) || !cidr.every(isValidCidr))) throw invalid('cidr_whitelist must be a list of IPv4 CIDR ranges like 192.168.0.0/16');
    const str = (v: unknown, field: string): string | null => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string' || v.length > 1000) throw invalid(`${field} must be a string`);
      return v;
    };
    const name = str(body.name, 'name');
    const description = str(body.description, 'description');
    let expires: string | null = null;
    if (body.expires !== undefined && body.expires !== null) {
      const days = Number(body.expires);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw invalid('expires must be a number of days between 1 and 3650');
      expires = this.state.iso(this.now() + days * DAY);
    }
    let orgs: string[] | null = null;
    if (body.orgs !== undefined && body.orgs !== null) {
      if (!Array.isArray(body.orgs) || !body.orgs.every((o) => nameProblem('org', typeof o === 'string' ? o.replace(/^@/, '') : o) === null)) {
        throw invalid('orgs must be a list of org names');
      }
      orgs = (body.orgs as string[]).map((o) => o.replace(/^@/, ''));
    }
    const perms = ['read-write', 'read-only', 'no-access'];
    const op = body.orgs_permission;
    if (op !== undefined && op !== null && !perms.includes(op as string)) throw invalid('orgs_permission must be read-write, read-only or no-access');
    const pp = body.packages_and_scopes_permission;
    if (pp !== undefined && pp !== null && !perms.includes(pp as string)) throw invalid('packages_and_scopes_permission must be read-write, read-only or no-access');
    const readonly = body.readonly === true || (pp === 'read-only' && (op === undefined || op === null || op !== 'read-write'));
    const packages = tokenPackageList(body.packages, 'packages', (p) => checkPackageName(p));
    const scopes = tokenPackageList(body.scopes, 'scopes', (sc) => {
      const problem = nameProblem('org', sc.replace(/^@/, ''));
      if (problem) throw invalid(`scopes: ${problem}`);
    });
    const packagesAll = body.packages_all === true;
    await this.otpGate({ ...actor, password: checked.password }, cred, 'auth');
    const t = this.issueToken(actor.user.name, {
      readonly,
      cidr: cidr as string[] | null,
      name,
      description,
      expires,
      orgs,
      orgsPermission: (op as OrgsPermission | undefined) ?? null,
      packagesPermission: (pp as OrgsPermission | undefined) ?? null,
      packages: packagesAll ? null : packages,
      scopes: packagesAll ? null : scopes?.map((sc) => sc.replace(/^@/, '')) ?? null,
      session: false,
    });
    await this.state.commit([t.op]);
    return { ...this.tokenView(t.rec), token: t.token };
  }

  /** Deletes one of the caller's tokens by key (or by its value, as npm may send it). */
  async deleteToken(actor: Actor, cred: Credentials, keyOrToken: string): Promise<void> {
    const tokens = this.state.all('tokens');
    let rec = tokens.get(keyOrToken);
    if (!rec && keyOrToken.length < 200) rec = tokens.get(tokenKey(keyOrToken));
    if (!rec || rec.user !== actor.user.name) throw notFound('No such token.');
    const self = actor.token?.key === rec.key;
    if (actor.token && actor.token.readonly && !self) throw forbidden('A read-only token cannot revoke other tokens.', 'EREADONLY');
    // A token revoking itself is a logout and needs no second factor (as `revokeTokenValue`).
    if (!self) await this.otpGate(actor, cred, 'write');
    if (!tokens.has(rec.key)) return; // revoked meanwhile: the same outcome
    await this.state.commit([{ c: 'tokens', k: rec.key, v: null }]);
  }

  // ---------------------------------------------------------------- profile and 2FA

  profile(u: UserRec, tfaOverride?: Profile['tfa']): Profile {
    return {
      name: u.name,
      email: u.email,
      email_verified: u.emailVerified,
      created: u.created,
      updated: u.updated,
      tfa: tfaOverride !== undefined ? tfaOverride : u.tfa ? { mode: u.tfa.mode, pending: u.tfa.pending } : null,
      fullname: u.fullname ?? null,
      homepage: u.homepage ?? null,
      freenode: u.freenode ?? null,
      twitter: u.twitter ?? null,
      github: u.github ?? null,
      cidr_whitelist: null,
    };
  }

  /** Orgs that require 2FA and have `user` as a member. */
  tfaOrgsOf(user: string): string[] {
    return this.orgsOf(user).filter((o) => this.org(o)?.requireTfa);
  }

  /** `POST /-/npm/v1/user`: profile fields, password change, or one step of the 2FA state machine. */
  async updateProfile(actor: Actor, cred: Credentials, body: Record<string, unknown>): Promise<Profile> {
    if (actor.token?.readonly) throw forbidden('This token is read-only and cannot make changes.', 'EREADONLY');
    if (body.tfa !== undefined) {
      const others = Object.keys(body).filter((k) => k !== 'tfa');
      if (others.length > 0) throw invalid('Send 2FA changes on their own, without other profile fields.');
      return this.updateTfa(actor, cred, body.tfa);
    }
    const unknown = Object.keys(body).filter((k) => !(PROFILE_FIELDS as readonly string[]).includes(k) && k !== 'password');
    if (unknown.length > 0) throw invalid(`Unknown profile field: ${unknown[0]}`);
    const fields: Partial<Record<(typeof PROFILE_FIELDS)[number], string | null>> = {};
    for (const f of PROFILE_FIELDS) {
      if (!Object.hasOwn(body, f)) continue;
      const v = body[f];
      if (v !== null && (typeof v !== 'string' || v.length > 1000)) throw invalid(`${f} must be a string`);
      if (f === 'email' && v !== null && !/^[^\s@]+@[^\s@]+$/.test(v as string)) throw invalid('email must be an email address');
      fields[f] = v as string | null;
    }
    let newPassword: string | null = null;
    let a = actor;
    if (body.password !== undefined && body.password !== null) {
      const p = body.password as { old?: unknown; new?: unknown };
      if (typeof p !== 'object' || typeof p.old !== 'string' || typeof p.new !== 'string') throw invalid('password must be {"old": "...", "new": "..."}');
      if (p.new.length < 8) throw invalid('Password must be at least 8 characters long.');
      const checked = await this.checkPassword(actor.user.name, p.old, cred.ip);
      a = { ...actor, password: checked.password };
      newPassword = p.new;
    }
    // The changes, worked out on the account as it is when they commit.
    const changes = (u: UserRec): UserRec | null => {
      const next: UserRec = { ...u };
      let changed = newPassword !== null;
      for (const [f, v] of Object.entries(fields) as [(typeof PROFILE_FIELDS)[number], string | null][]) {
        if (f === 'email') {
          if (v === null && u.email === null) continue; // npm resends the current (empty) email
          if (v === null) throw invalid('email must be an email address');
          if (v !== u.email) {
            next.email = v;
            next.emailVerified = false;
            changed = true;
          }
        } else if ((u[f] ?? null) !== v) {
          next[f] = v;
          changed = true;
        }
      }
      return changed ? next : null;
    };
    if (!changes(this.reread(a).user)) return this.profile(this.reread(a).user);
    a = await this.otpGate(a, cred, 'auth');
    const hash = newPassword ? await this.passwords.run(cred.ip, a.user.name, () => hashPassword(newPassword!)) : null;
    // After the last await: the password checked above must still be the account's (so a
    // concurrent change is never rolled back), and the fields apply to the current record.
    const current = this.reread(a).user;
    const next = changes(current);
    if (!next) return this.profile(current);
    if (hash) next.password = hash;
    next.updated = this.state.iso();
    await this.state.commit([{ c: 'users', k: current.name, v: next }, ...(hash ? [this.state.auditOp(null, current.name, 'user.password.change')] : [])]);
    return this.profile(next);
  }

  private async updateTfa(actor: Actor, cred: Credentials, tfa: unknown): Promise<Profile> {
    if (Array.isArray(tfa)) return this.finishTfaEnrolment(actor, tfa);
    if (typeof tfa !== 'object' || tfa === null) throw invalid('tfa must be {"password", "mode"} or ["<code>"]');
    const { password, mode } = tfa as { password?: unknown; mode?: unknown };
    if (typeof password !== 'string') throw invalid('tfa.password is required');
    if (mode !== 'disable' && !isTfaMode(mode)) throw invalid('tfa.mode must be auth-only, auth-and-writes or disable');
    let a: Actor;
    try {
      const checked = await this.checkPassword(actor.user.name, password, cred.ip);
      a = this.reread({ ...actor, password: checked.password });
    } catch (e) {
      if (e instanceof CoreError && e.kind === 'unauthenticated') throw forbidden('Wrong password.', 'EPASSWORD');
      throw e;
    }
    // Changing an active 2FA setting needs the second factor; what is active is decided now and
    // again after the OTP check, on the account as it is then.
    const wasOn = tfaOn(a.user);
    if (wasOn && !(mode !== 'disable' && a.user.tfa!.mode === mode)) a = await this.otpGate(a, cred, 'auth');
    const u = a.user;
    if (tfaOn(u) !== wasOn) throw conflict('Your two-factor settings changed while this request was processed. Try again.');
    if (mode === 'disable') {
      if (!u.tfa) return this.profile(u, false);
      if (!u.tfa.pending) {
        const orgs = this.tfaOrgsOf(u.name);
        if (orgs.length > 0) {
          throw forbidden(
            `You cannot disable two-factor authentication while you belong to ${orgs.length === 1 ? 'an org that requires' : 'orgs that require'} it: ${orgs.join(', ')}. Leave ${orgs.length === 1 ? 'it' : 'them'} first.`,
            'ETFAREQUIRED',
          );
        }
      }
      const next: UserRec = { ...u, tfa: null, updated: this.state.iso() };
      await this.state.commit([{ c: 'users', k: u.name, v: next }, { c: 'otpUses', k: u.name, v: null }, this.state.auditOp(null, u.name, u.tfa.pending ? 'user.tfa.reset' : 'user.tfa.disable')]);
      return this.profile(next, false);
    }
    if (u.tfa && !u.tfa.pending) {
      if (u.tfa.mode === mode) return this.profile(u);
      const next: UserRec = { ...u, tfa: { ...u.tfa, mode }, updated: this.state.iso() };
      await this.state.commit([{ c: 'users', k: u.name, v: next }, this.state.auditOp(null, u.name, 'user.tfa.mode', undefined, { mode })]);
      return this.profile(next, { mode, pending: false });
    }
    // Off or pending: (re)start enrolment with a fresh secret.
    const secret = newTotpSecret();
    const pending: TfaRec = { mode, pending: true, secret, recovery: [] };
    const next: UserRec = { ...u, tfa: pending, updated: this.state.iso() };
    await this.state.commit([{ c: 'users', k: u.name, v: next }]);
    return this.profile(next, totpUri(secret, u.name));
  }

  /** Finishing enrolment: one valid code from the new secret; answers the recovery codes once. */
  private async finishTfaEnrolment(actor: Actor, tfa: unknown[]): Promise<Profile> {
    const u = this.reread(actor).user;
    if (!u.tfa || !u.tfa.pending) throw conflict('Two-factor authentication is not being set up. Start enrolment first.');
    const code = String(tfa[0] ?? '').replace(/\s+/g, '');
    // Throttled like any OTP: per account and source, so a leaked token cannot lock its owner out.
    const src = `${u.name}\n${actor.token ? `t:${actor.token.key}` : 'enrol'}`;
    const wait = Math.max(this.otpSource.waitFor(src), this.otpAccount.waitFor(u.name));
    if (wait > 0) throw new CoreError('rate_limited', `Too many wrong codes. Try again in ${wait} seconds.`, { retryAfter: wait });
    const step = matchTotp(u.tfa.secret, code, this.now());
    if (step === null) {
      this.otpSource.fail(src);
      this.otpAccount.fail(u.name);
      throw forbidden('The code is wrong or has expired. Enter the current code from your authenticator app.', 'EOTP_INVALID');
    }
    this.otpSource.succeed(src);
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const next: UserRec = { ...u, tfa: { ...u.tfa, pending: false, recovery: codes.map(sha256Hex) }, updated: this.state.iso() };
    const uses: OtpUse[] = [{ step, tok: actor.token?.key ?? null, until: (step + 2) * 30_000 }];
    await this.state.commit([{ c: 'users', k: u.name, v: next }, { c: 'otpUses', k: u.name, v: uses }, this.state.auditOp(null, u.name, 'user.tfa.enable', undefined, { mode: next.tfa!.mode })]);
    return this.profile(next, codes);
  }

  // ---------------------------------------------------------------- orgs and members

  private requireOrg(org: string): OrgRec {
    const problem = nameProblem('org', org);
    if (problem) throw invalid(problem);
    const rec = this.org(org);
    if (!rec) throw notFound(`Org ${org} not found.`);
    return rec;
  }

  private requireMember(actor: Actor, org: string): Role {
    const role = this.roleIn(org, actor.user.name);
    if (!role) throw forbidden(`You are not a member of ${org}.`);
    return role;
  }

  /**
   * The roster: user → role, sorted by name. Any member may read it, and so may a member who left
   * by themself in the last minute: `npm org rm <org> <self>` reads it to count who is left.
   */
  roster(actor: Actor, org: string): Record<string, Role> {
    this.rosterAccess(actor, org);
    return this.rosterOf(org);
  }

  /** `roster()` as JSON text (the HTTP body), serialized once per membership change. */
  rosterJson(actor: Actor, org: string): string {
    this.rosterAccess(actor, org);
    const view = this.state.membersView(org);
    return (view.rosterJson ??= JSON.stringify(this.rosterOf(org)));
  }

  private rosterAccess(actor: Actor, org: string): void {
    this.requireOrg(org);
    this.tokenMayRead(actor, org);
    const left = this.justLeft.get(k2(org, actor.user.name));
    if (left === undefined || left < this.now()) this.requireMember(actor, org);
  }

  private rosterOf(org: string): Record<string, Role> {
    const members = this.state.members(org)!;
    const out: Record<string, Role> = {};
    for (const name of this.state.memberNames(org)) out[name] = members.get(name)!;
    return out;
  }

  /** Owners only, OTP when the owner has 2FA, token allowed to write to the org. */
  private async governance(actor: Actor, cred: Credentials, org: string, allowed: Role[]): Promise<Role> {
    const check = (a: Actor): Role => {
      this.requireOrg(org);
      const role = this.requireMember(a, org);
      if (!allowed.includes(role)) {
        throw forbidden(`Only ${allowed.length === 1 ? `${allowed[0]}s` : allowed.map((r) => `${r}s`).join(' and ')} of ${org} can do this; you are ${article(role)} ${role}.`);
      }
      this.tokenMayWrite(a, org);
      return role;
    };
    check(actor);
    // Again after the OTP check: an owner removed or demoted meanwhile acts no more.
    return check(await this.otpGate(actor, cred, 'auth'));
  }

  private ownerCount(org: string): number {
    let n = 0;
    for (const r of this.state.members(org)!.values()) if (r === 'owner') n++;
    return n;
  }

  /**
   * `PUT /-/org/:org/user`: changes a member's role, or invites a non-member (a pending
   * invitation valid for 7 days; `size` counts current members only).
   */
  async setMember(actor: Actor, cred: Credentials, org: string, body: { user?: unknown; role?: unknown }): Promise<{ org: { name: string; size: number }; user: string; role: Role; pending: boolean }> {
    const name = bodyUser(body);
    const role = body.role === undefined || body.role === null ? 'developer' : normalizeRole(body.role);
    if (!role) throw invalid('role must be one of owner, admin or developer');
    await this.governance(actor, cred, org, ['owner']);
    const target = this.user(name);
    if (!target) throw notFound(`User ${name} not found.`);
    const current = this.roleIn(org, name);
    const size = () => this.state.members(org)!.size;
    if (current) {
      if (current === role) return { org: { name: org, size: size() }, user: name, role, pending: false };
      if (current === 'owner' && this.ownerCount(org) === 1) throw conflict(`${name} is the last owner of ${org} and cannot be demoted. Make someone else an owner first.`);
      const rec = this.state.all('members').get(k2(org, name))!;
      await this.state.commit([
        { c: 'members', k: k2(org, name), v: { ...rec, role } },
        this.state.auditOp(org, actor.user.name, 'org.member.set', name, { from: current, to: role }),
        ...(current === 'owner' ? this.issuerLeftOps(org, name, actor.user.name, 'issuer_demoted') : []),
      ]);
      return { org: { name: org, size: size() }, user: name, role, pending: false };
    }
    const at = this.now();
    const existing = this.state.all('invitations').get(k2(org, name));
    if (existing && Date.parse(existing.expires) > at) {
      // Already invited (perhaps to be reinstated): keep its teams and expiry, take the new role.
      if (existing.role !== role || existing.by !== actor.user.name) {
        // The invitation is now this owner's to answer for (see issuerLeftOps).
        await this.state.commit([{ c: 'invitations', k: k2(org, name), v: { ...existing, role, by: actor.user.name } }, this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: existing.teams, reinstate: existing.reinstate })]);
      }
      return { org: { name: org, size: size() }, user: name, role, pending: true };
    }
    const inv: InvitationRec = {
      org,
      user: name,
      role,
      teams: [],
      created: this.state.iso(at),
      expires: this.state.iso(at + INVITATION_DAYS * DAY),
      by: actor.user.name,
      reinstate: false,
    };
    await this.state.commit([
      { c: 'invitations', k: k2(org, name), v: inv },
      this.state.outboxOp(name, invitationMessage({ org, user: name, by: actor.user.name, role, teams: [], reinstate: false, expires: inv.expires })),
      this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: [], reinstate: false }),
    ]);
    return { org: { name: org, size: size() }, user: name, role, pending: true };
  }

  /**
   * `DELETE /-/org/:org/user`: owners remove anyone; any member may remove themself (leave).
   * Removes from every team and keeps a removal record (role, teams) for 90 days.
   */
  async removeMember(actor: Actor, cred: Credentials, org: string, body: { user?: unknown }): Promise<{ user: string; org: string; userCount: number }> {
    const name = bodyUser(body);
    const self = name === actor.user.name;
    if (self) {
      const check = (a: Actor) => {
        this.requireOrg(org);
        this.requireMember(a, org);
        this.tokenMayWrite(a, org);
      };
      check(actor);
      check(await this.otpGate(actor, cred, 'auth'));
    } else {
      await this.governance(actor, cred, org, ['owner']);
    }
    const role = this.roleIn(org, name);
    if (!role) {
      const inv = this.state.all('invitations').get(k2(org, name));
      if (inv) {
        await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, actor.user.name, 'org.invite.revoke', name)]);
        return { user: name, org, userCount: this.state.members(org)!.size };
      }
      throw notFound(`${name} is not a member of ${org}.`);
    }
    if (role === 'owner' && this.ownerCount(org) === 1) throw conflict(`${name} is the last owner of ${org} and cannot be removed. Make someone else an owner first.`);
    const ops = this.removalOps(org, name, role, actor.user.name, self ? 'left' : 'removed');
    await this.state.commit(ops);
    if (self) {
      for (const [k, until] of this.justLeft) if (until < this.now()) this.justLeft.delete(k);
      this.justLeft.set(k2(org, name), this.now() + 60_000);
    }
    return { user: name, org, userCount: this.state.members(org)!.size };
  }

  /**
   * Pending invitations to `org` issued by `issuer`, who is no longer an owner (removed, left or
   * demoted): revoked in the same transaction, each with an audit event. Only owners invite, so
   * an invitation must not outlive its issuer's right to give it.
   */
  private issuerLeftOps(org: string, issuer: string, by: string, reason: 'issuer_removed' | 'issuer_demoted'): TypedOp[] {
    const ops: TypedOp[] = [];
    for (const [k, inv] of this.state.all('invitations')) {
      if (inv.org === org && inv.by === issuer) ops.push({ c: 'invitations', k, v: null }, this.state.auditOp(org, by, 'org.invite.revoke', inv.user, { reason, issuer }));
    }
    return ops;
  }

  /** The ops that take `user` out of `org` and all its teams, with a removal record. */
  removalOps(org: string, user: string, role: Role, by: string, reason: string): TypedOp[] {
    const teams = this.teamsOf(org, user);
    const at = this.now();
    const ops: TypedOp[] = [{ c: 'members', k: k2(org, user), v: null }];
    for (const t of teams) ops.push({ c: 'teamMembers', k: k3(org, t, user), v: null });
    if (reason !== 'left') {
      const rec: RemovalRec = { org, user, role, teams, removedAt: this.state.iso(at), by, reason, expires: this.state.iso(at + REMOVAL_RECORD_DAYS * DAY) };
      ops.push({ c: 'removals', k: k2(org, user), v: rec });
    }
    ops.push(this.state.auditOp(org, by, 'org.member.remove', user, { role, teams, reason }));
    if (role === 'owner') ops.push(...this.issuerLeftOps(org, user, by, 'issuer_removed'));
    return ops;
  }

  // ---------------------------------------------------------------- teams

  private requireTeam(org: string, team: string): ReadonlySet<string> {
    checkTeamName(team);
    const set = this.state.teams(org)?.get(team);
    if (!set) throw notFound(`Team ${org}:${team} not found.`);
    return set;
  }

  listTeams(actor: Actor, org: string): string[] {
    this.requireOrg(org);
    this.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    return [...this.state.teams(org)!.keys()].sort().map((t) => `${org}:${t}`);
  }

  teamMembers(actor: Actor, org: string, team: string): string[] {
    checkTeamName(team); // input before org, membership and OTP (docs §2.6)
    this.requireOrg(org);
    this.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    this.requireTeam(org, team);
    if (team === DEVELOPERS) return [...this.state.memberNames(org)];
    return [...this.state.teams(org)!.get(team)!].sort();
  }

  async createTeam(actor: Actor, cred: Credentials, org: string, body: { name?: unknown; description?: unknown }): Promise<{ name: string; description: string | null; created: string }> {
    const team = typeof body.name === 'string' ? body.name.replace(/^@?[^:]*:/, '') : body.name;
    const problem = nameProblem('team', team);
    if (problem) throw invalid(problem);
    if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > 1000)) {
      throw invalid('description must be a string');
    }
    await this.governance(actor, cred, org, ['owner', 'admin']);
    if (this.state.teams(org)!.has(team as string)) throw conflict(`Team ${org}:${team} already exists.`);
    const rec: TeamRec = { description: (body.description as string | undefined) ?? null, created: this.state.iso() };
    await this.state.commit([{ c: 'teams', k: k2(org, team as string), v: rec }, this.state.auditOp(org, actor.user.name, 'org.team.create', team as string)]);
    return { name: `${org}:${team}`, description: rec.description, created: rec.created };
  }

  async destroyTeam(actor: Actor, cred: Credentials, org: string, team: string): Promise<void> {
    checkTeamName(team);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (team === DEVELOPERS) throw conflict(`The ${DEVELOPERS} team holds every member of ${org} and cannot be destroyed.`);
    const ops: TypedOp[] = [{ c: 'teams', k: k2(org, team), v: null }];
    for (const u of set) ops.push({ c: 'teamMembers', k: k3(org, team, u), v: null });
    ops.push(this.state.auditOp(org, actor.user.name, 'org.team.destroy', team));
    await this.state.commit(ops);
  }

  async addTeamMember(actor: Actor, cred: Credentials, org: string, team: string, body: { user?: unknown }): Promise<void> {
    checkTeamName(team);
    const user = bodyUser(body);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (!this.roleIn(org, user)) throw notFound(`${user} is not a member of ${org}; add them to the org first.`);
    if (team === DEVELOPERS || set.has(user)) return;
    await this.state.commit([{ c: 'teamMembers', k: k3(org, team, user), v: { added: this.state.iso() } }, this.state.auditOp(org, actor.user.name, 'org.team.add', user, { team })]);
  }

  async removeTeamMember(actor: Actor, cred: Credentials, org: string, team: string, body: { user?: unknown }): Promise<void> {
    checkTeamName(team);
    const user = bodyUser(body);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (team === DEVELOPERS) throw conflict(`Every member of ${org} is in the ${DEVELOPERS} team; remove them from the org instead.`);
    if (!set.has(user)) throw notFound(`${user} is not in team ${org}:${team}.`);
    await this.state.commit([{ c: 'teamMembers', k: k3(org, team, user), v: null }, this.state.auditOp(org, actor.user.name, 'org.team.remove', user, { team })]);
  }

  // ---------------------------------------------------------------- org 2FA policy (extensions)

  private requireRole(actor: Actor, org: string, allowed: Role[]): Role {
    this.requireOrg(org);
    this.tokenMayRead(actor, org);
    const role = this.requireMember(actor, org);
    if (!allowed.includes(role)) throw forbidden(`Only ${allowed.map((r) => `${r}s`).join(' and ')} of ${org} can see this; you are ${article(role)} ${role}.`);
    return role;
  }

  /** Members with role, teams and, for owners and admins, 2FA state (null for others). */
  detailedMembers(actor: Actor, org: string): { user: string; role: Role; twoFactor: boolean | null; teams: string[] }[] {
    this.requireOrg(org);
    this.tokenMayRead(actor, org);
    const myRole = this.requireMember(actor, org);
    const seeTfa = myRole === 'owner' || myRole === 'admin';
    const teamsByUser = new Map<string, string[]>();
    for (const [team, set] of this.state.teams(org)!) {
      if (team === DEVELOPERS) continue;
      for (const u of set) (teamsByUser.get(u) ?? teamsByUser.set(u, []).get(u)!).push(team);
    }
    const members = this.state.members(org)!;
    return this.state.memberNames(org).map((user) => ({
      user,
      role: members.get(user)!,
      twoFactor: seeTfa ? tfaOn(this.user(user)!) : null,
      teams: (teamsByUser.get(user) ?? []).sort(),
    }));
  }

  private withoutTfa(org: string): { user: string; role: Role; teams: string[] }[] {
    const members = this.state.members(org)!;
    const out: { user: string; role: Role; teams: string[] }[] = [];
    for (const user of this.state.memberNames(org)) {
      if (!tfaOn(this.user(user)!)) out.push({ user, role: members.get(user)!, teams: this.teamsOf(org, user) });
    }
    return out;
  }

  /** Whether 2FA is required, how many members, who has no 2FA. Owners and admins. */
  tfaStatus(actor: Actor, org: string): { org: string; required: boolean; since: string | null; members: number; withoutTwoFactor: string[] } {
    this.requireRole(actor, org, ['owner', 'admin']);
    const rec = this.org(org)!;
    return { org, required: rec.requireTfa, since: rec.tfaRequiredSince, members: this.state.members(org)!.size, withoutTwoFactor: this.withoutTfa(org).map((m) => m.user) };
  }

  /** Who enforcement would remove, with role and teams. Owners and admins. */
  tfaPreview(actor: Actor, org: string): { org: string; required: boolean; wouldRemove: { user: string; role: Role; teams: string[] }[] } {
    this.requireRole(actor, org, ['owner', 'admin']);
    return { org, required: this.org(org)!.requireTfa, wouldRemove: this.withoutTfa(org) };
  }

  /**
   * Requires 2FA for `org` and removes every member without it, in one all-or-nothing transaction:
   * membership, teams, a removal record each (90 days), a notification each, audit events.
   * The owner must have 2FA. `maxRemovals` refuses (409, nothing changed) when more would go.
   */
  async requireTfa(actor: Actor, cred: Credentials, org: string, opts: { maxRemovals?: number } = {}): Promise<{ org: string; required: true; alreadyRequired: boolean; removed: { user: string; role: Role; teams: string[] }[] }> {
    const check = (a: Actor) => {
      this.requireOrg(org);
      const role = this.requireMember(a, org);
      if (role !== 'owner') throw forbidden(`Only owners of ${org} can require 2FA; you are ${article(role)} ${role}.`);
      if (!tfaOn(a.user)) {
        throw forbidden(`You must turn on two-factor authentication before you can require it for ${org}. Run \`orgctl profile enable-2fa\`.`, 'ETFAOWNER');
      }
      this.tokenMayWrite(a, org);
    };
    check(this.reread(actor));
    check(await this.otpGate(actor, cred, 'auth'));
    const rec = this.org(org)!;
    const removed = this.withoutTfa(org);
    if (opts.maxRemovals !== undefined && removed.length > opts.maxRemovals) {
      throw new CoreError('conflict', `Requiring 2FA would remove ${removed.length} members of ${org}, more than the limit of ${opts.maxRemovals}. Nothing was changed.`, {
        code: 'EMAXREMOVALS',
        extra: { wouldRemove: removed.length },
      });
    }
    const by = actor.user.name;
    const ops: TypedOp[] = [];
    if (!rec.requireTfa) ops.push({ c: 'orgs', k: org, v: { ...rec, requireTfa: true, tfaRequiredSince: this.state.iso() } });
    for (const m of removed) {
      ops.push(...this.removalOps(org, m.user, m.role, by, 'tfa_noncompliance'));
      ops.push(this.state.outboxOp(m.user, tfaRemovalMessage({ org, user: m.user, role: m.role, teams: m.teams, recordDays: REMOVAL_RECORD_DAYS })));
    }
    if (!rec.requireTfa || removed.length > 0) ops.push(this.state.auditOp(org, by, 'org.tfa.require', undefined, { removed: removed.map((m) => m.user) }));
    if (ops.length > 0) await this.state.commit(ops);
    return { org, required: true, alreadyRequired: rec.requireTfa, removed };
  }

  /** Lifts the requirement. Owners, with an OTP. */
  async liftTfa(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; required: false; wasRequired: boolean }> {
    await this.governance(actor, cred, org, ['owner']);
    const rec = this.org(org)!;
    if (rec.requireTfa) {
      await this.state.commit([{ c: 'orgs', k: org, v: { ...rec, requireTfa: false, tfaRequiredSince: null } }, this.state.auditOp(org, actor.user.name, 'org.tfa.disable')]);
    }
    return { org, required: false, wasRequired: rec.requireTfa };
  }

  /** Notifies every member without 2FA that it will be required. Owners and admins. */
  async remindTfa(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; notified: string[] }> {
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const users = this.withoutTfa(org).map((m) => m.user);
    if (users.length === 0) return { org, notified: [] };
    const ops: TypedOp[] = users.map((u) => this.state.outboxOp(u, tfaReminderMessage({ org, user: u })));
    ops.push(this.state.auditOp(org, actor.user.name, 'org.tfa.remind', undefined, { users }));
    await this.state.commit(ops);
    return { org, notified: users };
  }

  /** Removal records that have not expired, newest first. Owners. */
  removals(actor: Actor, org: string): RemovalRec[] {
    this.requireRole(actor, org, ['owner']);
    const now = this.now();
    const out: RemovalRec[] = [];
    for (const [k, r] of this.state.all('removals')) if (k.startsWith(`${org}:`) && Date.parse(r.expires) > now) out.push(r);
    return out.sort((a, b) => (a.removedAt > b.removedAt ? -1 : a.removedAt < b.removedAt ? 1 : a.user < b.user ? -1 : 1));
  }

  /** The org's audit events, newest first. Owners and admins. */
  audit(actor: Actor, org: string, opts: { since?: number; limit?: number } = {}): AuditEvent[] {
    this.requireRole(actor, org, ['owner', 'admin']);
    const keys = this.state.auditKeysOf(org) ?? [];
    const events = this.state.all('audit');
    const out: AuditEvent[] = [];
    const limit = opts.limit ?? 1000;
    for (let i = keys.length - 1; i >= 0 && out.length < limit; i--) {
      const ev = events.get(keys[i]!);
      if (!ev) continue;
      if (opts.since !== undefined && Date.parse(ev.time) < opts.since) break;
      out.push(ev);
    }
    return out;
  }

  /** Notifications written so far, when the mailer keeps them in memory (tests, no --data). */
  async outboxIdle(): Promise<void> {
    await this.state.outboxIdle();
  }

  // ---------------------------------------------------------------- invitations (extensions)

  private invitationView(inv: InvitationRec): InvitationView {
    return { org: inv.org, user: inv.user, role: inv.role, teams: inv.teams, created: inv.created, expires: inv.expires, expired: Date.parse(inv.expires) <= this.now(), reinstate: inv.reinstate, by: inv.by };
  }

  /**
   * Invites users in one transaction; each request succeeds or is reported in `failed`, and the
   * others still go through. `reinstate` takes role and teams from the user's removal record;
   * `reinstateAll` invites everyone with a removal record. Owners only; OTP when 2FA is on.
   */
  async invite(
    actor: Actor,
    cred: Credentials,
    org: string,
    req: { invitations?: unknown; reinstateAll?: unknown },
  ): Promise<{ org: string; invited: InvitationView[]; failed: { user: string; error: string; code: string }[] }> {
    let list: { user?: unknown; role?: unknown; teams?: unknown; reinstate?: unknown }[];
    if (req.reinstateAll === true) {
      list = [];
    } else if (Array.isArray(req.invitations) && req.invitations.length > 0 && req.invitations.length <= 10_000) {
      list = req.invitations.map((x) => (typeof x === 'object' && x !== null ? x : { user: x }));
    } else {
      throw invalid('invitations must be a list of 1 to 10000 {"user", "role"?, "teams"?, "reinstate"?}, or set reinstateAll');
    }
    await this.governance(actor, cred, org, ['owner']);
    const now = this.now();
    const removals = this.state.all('removals');
    if (req.reinstateAll === true) {
      for (const [k, r] of removals) if (k.startsWith(`${org}:`) && Date.parse(r.expires) > now) list.push({ user: r.user, reinstate: true });
      list.sort((a, b) => ((a.user as string) < (b.user as string) ? -1 : 1));
    }
    const invited: InvitationView[] = [];
    const failed: { user: string; error: string; code: string }[] = [];
    const ops: TypedOp[] = [];
    const seen = new Set<string>();
    const teams = this.state.teams(org)!;
    for (const item of list) {
      const user = typeof item.user === 'string' ? item.user.replace(/^@/, '') : item.user;
      const shown = typeof user === 'string' ? user.slice(0, 214) : String(user);
      const fail = (error: string, code: string) => failed.push({ user: shown, error, code });
      const p = nameProblem('user', user);
      if (p) {
        fail(p, 'EBADNAME');
        continue;
      }
      const name = user as string;
      if (seen.has(name)) {
        fail('listed more than once', 'EDUPLICATE');
        continue;
      }
      seen.add(name);
      if (!this.user(name)) {
        fail(`no such user`, 'ENOUSER');
        continue;
      }
      if (this.roleIn(org, name)) {
        fail(`already a member of ${org}`, 'EMEMBER');
        continue;
      }
      const existing = this.state.all('invitations').get(k2(org, name));
      if (existing && Date.parse(existing.expires) > now) {
        fail(`already invited (until ${existing.expires})`, 'EINVITED');
        continue;
      }
      let role: Role | null;
      let inviteTeams: string[];
      const reinstate = item.reinstate === true;
      if (reinstate) {
        const rec = removals.get(k2(org, name));
        if (!rec || Date.parse(rec.expires) <= now) {
          fail(`no removal record for ${name} in ${org} (records are kept ${REMOVAL_RECORD_DAYS} days)`, 'ENORECORD');
          continue;
        }
        role = rec.role;
        inviteTeams = rec.teams.filter((t) => teams.has(t));
      } else {
        role = item.role === undefined || item.role === null ? 'developer' : normalizeRole(item.role);
        if (!role) {
          fail(`bad role ${JSON.stringify(item.role)}: use owner, admin or developer`, 'EBADROLE');
          continue;
        }
        const t = item.teams ?? [];
        if (!Array.isArray(t) || !t.every((x) => typeof x === 'string')) {
          fail('teams must be a list of team names', 'EBADTEAM');
          continue;
        }
        const missing = (t as string[]).filter((x) => !teams.has(x));
        if (missing.length > 0) {
          fail(`no such team in ${org}: ${missing.join(', ')}`, 'EBADTEAM');
          continue;
        }
        inviteTeams = [...new Set((t as string[]).filter((x) => x !== DEVELOPERS))].sort();
      }
      const inv: InvitationRec = { org, user: name, role, teams: inviteTeams, created: this.state.iso(now), expires: this.state.iso(now + INVITATION_DAYS * DAY), by: actor.user.name, reinstate };
      ops.push({ c: 'invitations', k: k2(org, name), v: inv });
      ops.push(this.state.outboxOp(name, invitationMessage({ org, user: name, by: actor.user.name, role, teams: inviteTeams, reinstate, expires: inv.expires, orgRequiresTfa: this.org(org)!.requireTfa })));
      ops.push(this.state.auditOp(org, actor.user.name, 'org.invite.create', name, { role, teams: inviteTeams, reinstate }));
      invited.push(this.invitationView(inv));
    }
    if (ops.length > 0) await this.state.commit(ops);
    return { org, invited, failed };
  }

  /** Pending and expired invitations of an org. Owners and admins. */
  orgInvitations(actor: Actor, org: string): InvitationView[] {
    this.requireRole(actor, org, ['owner', 'admin']);
    const out: InvitationView[] = [];
    for (const [k, inv] of this.state.all('invitations')) if (k.startsWith(`${org}:`)) out.push(this.invitationView(inv));
    return out.sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  /** Revokes a pending (or expired) invitation. Owners only; OTP when 2FA is on. */
  async revokeInvitation(actor: Actor, cred: Credentials, org: string, user: string): Promise<{ org: string; user: string; revoked: true }> {
    const p = nameProblem('user', user);
    if (p) throw invalid(p);
    await this.governance(actor, cred, org, ['owner']);
    if (!this.state.all('invitations').has(k2(org, user))) throw notFound(`${user} has no invitation to ${org}.`);
    await this.state.commit([{ c: 'invitations', k: k2(org, user), v: null }, this.state.auditOp(org, actor.user.name, 'org.invite.revoke', user)]);
    return { org, user, revoked: true };
  }

  /** The caller's pending invitations (expired ones are left out). */
  myInvitations(actor: Actor): InvitationView[] {
    const out: InvitationView[] = [];
    const now = this.now();
    const suffix = `:${actor.user.name}`;
    for (const [k, inv] of this.state.all('invitations')) {
      if (k.endsWith(suffix) && inv.user === actor.user.name && Date.parse(inv.expires) > now) out.push(this.invitationView(inv));
    }
    return out.sort((a, b) => (a.org < b.org ? -1 : 1));
  }

  private pendingInvitation(actor: Actor, org: string): InvitationRec {
    this.requireOrg(org);
    const inv = this.state.all('invitations').get(k2(org, actor.user.name));
    if (!inv) throw notFound(`You have no invitation to ${org} (it may have been revoked or declined).`);
    if (Date.parse(inv.expires) <= this.now()) throw new CoreError('not_found', `Your invitation to ${org} expired on ${inv.expires}. Ask an owner of ${org} to invite you again.`, { code: 'EEXPIRED' });
    return inv;
  }

  /**
   * Joins with the invitation's role and teams (those that still exist). Refused (403, the
   * invitation stays) when the org requires 2FA and the invitee has none.
   */
  async acceptInvitation(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; role: Role; teams: string[] }> {
    const check = (a: Actor): InvitationRec => {
      this.tokenMayWrite(a, org);
      const inv = this.pendingInvitation(a, org);
      if (this.org(org)!.requireTfa && !tfaOn(a.user)) {
        throw forbidden(`${org} requires two-factor authentication. Turn it on (orgctl profile enable-2fa), then accept the invitation again; it stays pending until ${inv.expires}.`, 'ETFAREQUIRED');
      }
      return inv;
    };
    check(this.reread(actor));
    // Decided again on the state after the OTP check: the invitation, the org's 2FA rule, our 2FA.
    const inv = check(await this.otpGate(actor, cred, 'auth'));
    const name = actor.user.name;
    if (this.roleIn(org, inv.by) !== 'owner') {
      // Only owners invite: an invitation whose issuer is no longer one grants nothing (stores
      // from before issuerLeftOps may still hold such invitations).
      await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, name, 'org.invite.revoke', name, { reason: 'issuer_removed', issuer: inv.by })]);
      throw forbidden(`Your invitation to ${org} is no longer valid: ${inv.by}, who sent it, is no longer an owner of ${org}. Ask a current owner to invite you again.`, 'EINVITEVOID');
    }
    if (this.roleIn(org, name)) {
      await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }]);
      throw conflict(`You are already a member of ${org}.`);
    }
    const teams = inv.teams.filter((t) => this.state.teams(org)!.has(t));
    const at = this.state.iso();
    const ops: TypedOp[] = [
      { c: 'invitations', k: k2(org, name), v: null },
      { c: 'members', k: k2(org, name), v: { role: inv.role, joined: at } satisfies MemberRec },
      ...teams.map((t): TypedOp => ({ c: 'teamMembers', k: k3(org, t, name), v: { added: at } })),
      this.state.auditOp(org, name, 'org.invite.accept', name, { role: inv.role, teams, reinstate: inv.reinstate }),
    ];
    if (this.state.all('removals').has(k2(org, name))) ops.push({ c: 'removals', k: k2(org, name), v: null });
    await this.state.commit(ops);
    return { org, role: inv.role, teams };
  }

  async declineInvitation(actor: Actor, cred: Credentials, org: string): Promise<{ org: string; declined: true }> {
    this.requireOrg(org);
    const name = actor.user.name;
    if (!this.state.all('invitations').has(k2(org, name))) throw notFound(`You have no invitation to ${org}.`);
    this.tokenMayWrite(actor, org);
    this.tokenMayWrite(await this.otpGate(actor, cred, 'auth'), org);
    if (!this.state.all('invitations').has(k2(org, name))) throw notFound(`You have no invitation to ${org}.`);
    await this.state.commit([{ c: 'invitations', k: k2(org, name), v: null }, this.state.auditOp(org, name, 'org.invite.decline', name)]);
    return { org, declined: true };
  }

  // ---------------------------------------------------------------- packages (a host registry that serves them)

  /** The org whose scope `pkg` is in (`@org/name` with a known org), or null. */
  packageOrg(pkg: string): string | null {
    const m = /^@([^/]+)\/[^/]+$/.exec(pkg);
    return m && this.org(m[1]!) ? m[1]! : null;
  }

  /**
   * May `actor` (null: anonymous) read or write (publish, unpublish, tag) the package `pkg`? The
   * packages of a known org's scope are for its current members only, decided from the live store,
   * so a removal takes effect at once, for tokens issued before it too. A read-only token writes
   * nothing. Throws CoreError; returns the org, or null when the scope is not an org (the host
   * registry's own rules then decide). The OTP for writes is `otpGate(actor, cred, 'write')`.
   */
  packageAccess(actor: Actor | null, pkg: string, want: 'read' | 'write'): string | null {
    if (actor && !this.tokenMayUsePackage(actor, pkg, want)) actor = null; // a read outside the token's packages: as anonymous
    if (want === 'write' && actor) this.tokenMayWrite(actor);
    const org = this.state.packageOrg(pkg);
    if (org === null) return null;
    if (!actor) throw new CoreError('unauthenticated', `Log in to use the packages of org ${org}.`, { code: 'ENEEDAUTH' });
    if (this.roleIn(org, actor.user.name) === undefined) throw forbidden(`${actor.user.name} is not a member of org ${org}.`);
    return org;
  }

  /**
   * `packageAccess(actor, pkg, 'write')` plus the maintainer rule: outside an org's scope, a
   * package that exists (`maintainers`: the names recorded for it; null while it does not exist)
   * is changed by its maintainers only. Used for this registry's packages and by hosts that keep
   * packages themselves (the Verdaccio plugin).
   */
  packageWrite(actor: Actor | null, pkg: string, maintainers: readonly string[] | null): string | null {
    const org = this.packageAccess(actor, pkg, 'write');
    if (org !== null || maintainers === null) return org;
    if (!actor) throw new CoreError('unauthenticated', `Log in to change ${pkg}.`, { code: 'ENEEDAUTH' });
    if (!maintainers.includes(actor.user.name)) throw forbidden(`You are not a maintainer of ${pkg}.`);
    return null;
  }

  // ---------------------------------------------------------------- packages (served by this registry)

  private packageRec(pkg: string): PackageRec | undefined {
    return this.state.all('packages').get(pkg);
  }

  private versionRec(pkg: string, version: string): PackageVersionRec | undefined {
    return this.state.all('packageVersions').get(`${pkg}@${version}`);
  }

  /** A package `actor` (null: anonymous) may read: org scope → current members; others → anyone. */
  private readablePackage(actor: Actor | null, pkg: string): PackageRec {
    checkPackageName(pkg);
    this.packageAccess(actor, pkg, 'read');
    const rec = this.packageRec(pkg);
    if (!rec) throw notFound(`Package ${pkg} not found.`);
    return rec;
  }

  /**
   * May `actor` change `pkg` (publish, tag, unpublish)? A read-only token never; an org's scope:
   * its current members; another package: its maintainers, or anyone logged in while it does not
   * exist yet. Returns the org (for audit events) or null. Synchronous, so callers re-check after
   * each await.
   */
  private writablePackage(actor: Actor, pkg: string): { org: string | null; rec: PackageRec | undefined } {
    const rec = this.packageRec(pkg);
    return { org: this.packageWrite(actor, pkg, rec?.maintainers ?? null), rec };
  }

  /** `writablePackage` for a package that must exist (404), read at revision `rev` when given (409). */
  private writableExisting(actor: Actor, pkg: string, rev?: string): PackageRec {
    const { rec } = this.writablePackage(actor, pkg);
    if (!rec) throw notFound(`Package ${pkg} not found.`);
    if (rev !== undefined) this.checkRev(rec, rev);
    return rec;
  }

  private revOf(rec: PackageRec): string {
    return `${rec.rev}-${sha256Hex(`${rec.name}:${rec.rev}:${rec.created}`).slice(0, 32)}`;
  }

  private checkRev(rec: PackageRec, rev: string): void {
    if (rev !== this.revOf(rec)) throw conflict(`Package ${rec.name} changed since revision ${rev.slice(0, 40)} was read (it is now ${this.revOf(rec)}). Try again.`);
  }

  /** npm's packument: every version, its tarball at `<base><pkg>/-/<name>-<version>.tgz`. */
  packument(actor: Actor | null, pkg: string, base: string): Record<string, unknown> {
    const rec = this.readablePackage(actor, pkg);
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = { created: rec.created, modified: rec.modified };
    const list = [...(this.state.versionsOf(pkg))].sort(compareVersions);
    for (const v of list) {
      const r = this.versionRec(pkg, v)!;
      versions[v] = {
        ...r.manifest,
        _id: `${pkg}@${v}`,
        _npmUser: { name: r.publishedBy, email: this.user(r.publishedBy)?.email ?? undefined },
        dist: { shasum: r.shasum, integrity: r.integrity, tarball: `${base}${pkg}/-/${tarballFile(pkg, v)}` },
      };
      time[v] = r.published;
    }
    const latest = rec.distTags.latest ? this.versionRec(pkg, rec.distTags.latest) : undefined;
    return {
      _id: pkg,
      _rev: this.revOf(rec),
      name: pkg,
      description: (latest?.manifest.description as string | undefined) ?? '',
      'dist-tags': rec.distTags,
      versions,
      time,
      maintainers: rec.maintainers.map((name) => ({ name, email: this.user(name)?.email ?? undefined })),
    };
  }

  /** The dist-tags of a package `actor` may read. */
  distTags(actor: Actor | null, pkg: string): Record<string, string> {
    return { ...this.readablePackage(actor, pkg).distTags };
  }

  /** The bytes of `<name>-<version>.tgz`, checked like a packument read (live membership). */
  async tarball(actor: Actor | null, pkg: string, file: string): Promise<Buffer> {
    this.readablePackage(actor, pkg);
    const prefix = `${tarballFile(pkg, '')}`.slice(0, -4); // `<name>-`
    const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -4) : '';
    const r = isVersion(version) ? this.versionRec(pkg, version) : undefined;
    if (!r) throw notFound(`${pkg} has no tarball ${file.slice(0, 100)}.`);
    const data = await this.tarballs.get(r.blob);
    if (!data) throw new Error(`tarball of ${pkg}@${version} is missing from the tarball store`);
    return data;
  }

  /**
   * `npm publish`: one new version of `pkg` from npm's publish body. The tarball is stored (and
   * durable) before the metadata that points at it is committed.
   */
  async publish(actor: Actor, cred: Credentials, pkg: string, body: Record<string, unknown>): Promise<{ ok: true; id: string; rev: string }> {
    checkPackageName(pkg);
    const p = parsePublish(pkg, body);
    const gate = () => {
      const w = this.writablePackage(actor, pkg);
      if (this.versionRec(pkg, p.version)) throw conflict(`Cannot publish over the previously published version ${p.version} of ${pkg}.`);
      return w;
    };
    gate();
    await this.otpGate(actor, cred, 'write');
    const blob = tarballKey(p.data);
    await this.tarballs.put(blob, p.data);
    actor = this.reread(actor);
    const { org, rec } = gate(); // again: the checks and the commit share one tick
    const at = this.state.iso();
    const distTags = { ...(rec?.distTags ?? {}), ...p.tags };
    if (!distTags.latest) distTags.latest = p.version;
    const next: PackageRec = rec
      ? { ...rec, distTags, rev: rec.rev + 1, modified: at }
      : { name: pkg, maintainers: [actor.user.name], distTags, rev: 1, created: at, modified: at };
    const ver: PackageVersionRec = { name: pkg, version: p.version, manifest: p.manifest, shasum: p.shasum, integrity: p.integrity, blob, size: p.data.length, publishedBy: actor.user.name, published: at };
    const ops: TypedOp[] = [
      { c: 'packages', k: pkg, v: next },
      { c: 'packageVersions', k: `${pkg}@${p.version}`, v: ver },
    ];
    if (org) ops.push(this.state.auditOp(org, actor.user.name, 'package.publish', pkg, { version: p.version, tags: Object.keys(p.tags) }));
    await this.state.commit(ops);
    return { ok: true, id: pkg, rev: this.revOf(next) };
  }

  /** `npm dist-tag add`: points `tag` at an existing version. */
  async setDistTag(actor: Actor, cred: Credentials, pkg: string, tag: string, version: unknown): Promise<Record<string, string>> {
    checkPackageName(pkg);
    checkTag(tag);
    if (!isVersion(version)) throw invalid('The body must be a JSON string holding a version, e.g. "1.0.0".');
    const check = () => {
      const rec = this.writableExisting(actor, pkg);
      if (!this.versionRec(pkg, version)) throw notFound(`${pkg} has no version ${version}.`);
      return rec;
    };
    check();
    actor = await this.otpGate(actor, cred, 'write');
    const rec = check();
    const next: PackageRec = { ...rec, distTags: { ...rec.distTags, [tag]: version }, rev: rec.rev + 1, modified: this.state.iso() };
    await this.state.commit([{ c: 'packages', k: pkg, v: next }]);
    return { ...next.distTags };
  }

  /** `npm dist-tag rm`. `latest` cannot be removed. */
  async removeDistTag(actor: Actor, cred: Credentials, pkg: string, tag: string): Promise<Record<string, string>> {
    checkPackageName(pkg);
    checkTag(tag);
    if (tag === 'latest') throw invalid('The latest tag cannot be removed; point it at another version instead.');
    const check = () => {
      const rec = this.writableExisting(actor, pkg);
      if (rec.distTags[tag] === undefined) throw notFound(`${tag} is not a dist-tag of ${pkg}.`);
      return rec;
    };
    check();
    actor = await this.otpGate(actor, cred, 'write');
    const rec = check();
    const distTags = { ...rec.distTags };
    delete distTags[tag];
    const next: PackageRec = { ...rec, distTags, rev: rec.rev + 1, modified: this.state.iso() };
    await this.state.commit([{ c: 'packages', k: pkg, v: next }]);
    return { ...distTags };
  }

  /**
   * Unpublish, npm's way: `PUT /<pkg>/-rev/<rev>` with the packument minus the versions to remove
   * (`keep` = the versions left in the body). Versions cannot be added here, only removed; tags
   * that pointed at removed versions go, and `latest` moves to the highest version left.
   */
  async unpublishVersions(actor: Actor, cred: Credentials, pkg: string, rev: string, body: Record<string, unknown>): Promise<{ ok: true; id: string; rev: string }> {
    checkPackageName(pkg);
    const versions = body.versions;
    if (typeof versions !== 'object' || versions === null || Array.isArray(versions)) throw invalid('versions must be an object of the versions to keep.');
    const keep = Object.keys(versions);
    const check = () => {
      const rec = this.writableExisting(actor, pkg, rev);
      const have = this.state.versionsOf(pkg);
      const added = keep.find((v) => !have.has(v));
      if (added !== undefined) throw invalid(`${pkg} has no version ${added.slice(0, 100)}; publish adds versions, this request only removes them.`);
      return rec;
    };
    check();
    actor = await this.otpGate(actor, cred, 'write');
    const rec = check();
    const gone = [...(this.state.versionsOf(pkg))].filter((v) => !keep.includes(v));
    const next = await this.removeVersions(actor, rec, gone);
    return { ok: true, id: pkg, rev: next ? this.revOf(next) : '0-0' };
  }

  /**
   * `DELETE /<pkg>/-/<file>/-rev/<rev>`, the last step of npm's version unpublish: removes that
   * version if it is still there; answers ok if it is already gone.
   */
  async unpublishTarball(actor: Actor, cred: Credentials, pkg: string, file: string, rev: string): Promise<{ ok: true }> {
    checkPackageName(pkg);
    const prefix = tarballFile(pkg, '').slice(0, -4);
    const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -4) : '';
    if (!isVersion(version)) throw notFound(`${pkg} has no tarball ${file.slice(0, 100)}.`);
    const check = () => this.writableExisting(actor, pkg, rev);
    check();
    if (!this.versionRec(pkg, version)) return { ok: true };
    actor = await this.otpGate(actor, cred, 'write');
    const rec = check();
    if (this.versionRec(pkg, version)) await this.removeVersions(actor, rec, [version]);
    return { ok: true };
  }

  /** `npm unpublish <pkg> --force`: every version, the tags and the package itself. */
  async unpublishPackage(actor: Actor, cred: Credentials, pkg: string, rev: string): Promise<{ ok: true }> {
    checkPackageName(pkg);
    const check = () => this.writableExisting(actor, pkg, rev);
    check();
    actor = await this.otpGate(actor, cred, 'write');
    const rec = check();
    await this.removeVersions(actor, rec, [...(this.state.versionsOf(pkg))], true);
    return { ok: true };
  }

  /** One transaction removing `gone` (all of them, or `whole`: the package too); then their tarballs. */
  private async removeVersions(actor: Actor, rec: PackageRec, gone: string[], whole = false): Promise<PackageRec | null> {
    const pkg = rec.name;
    const left = [...(this.state.versionsOf(pkg))].filter((v) => !gone.includes(v));
    const blobs = gone.map((v) => this.versionRec(pkg, v)!.blob);
    const ops: TypedOp[] = gone.map((v) => ({ c: 'packageVersions', k: `${pkg}@${v}`, v: null }));
    let next: PackageRec | null = null;
    if (whole || left.length === 0) ops.push({ c: 'packages', k: pkg, v: null });
    else {
      const distTags: Record<string, string> = {};
      for (const [t, v] of Object.entries(rec.distTags)) if (!gone.includes(v)) distTags[t] = v;
      if (!distTags.latest) distTags.latest = highest(left)!;
      next = { ...rec, distTags, rev: rec.rev + 1, modified: this.state.iso() };
      ops.push({ c: 'packages', k: pkg, v: next });
    }
    const org = this.state.packageOrg(pkg);
    if (org) ops.push(this.state.auditOp(org, actor.user.name, 'package.unpublish', pkg, next ? { versions: gone } : { versions: gone, package: true }));
    await this.state.commit(ops);
    // Only now that nothing points at them (a crash before this leaves unreferenced files, no harm).
    const inUse = new Set([...this.state.all('packageVersions').values()].map((r) => r.blob));
    for (const b of new Set(blobs)) if (!inUse.has(b)) await this.tarballs.delete(b).catch(() => {});
    return next;
  }

  // ---------------------------------------------------------------- seeding

  /** Applies a validated seed as one transaction (see seed.ts). */
  async applySeedOps(ops: Op[]): Promise<void> {
    await this.state.commit(ops as TypedOp[]); // seed.ts builds them from a validated seed
  }
}

function setOf<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  return s;
}

function checkTeamName(team: string): void {
  const problem = nameProblem('team', team);
  if (problem) throw invalid(problem);
}

/** The `user` of a request body: one leading `@` dropped, checked against the name rules. */
function bodyUser(body: { user?: unknown }): string {
  const user = typeof body.user === 'string' ? body.user.replace(/^@/, '') : body.user;
  const problem = nameProblem('user', user);
  if (problem) throw invalid(problem);
  return user as string;
}

/** A granular token's `packages` or `scopes` list: absent → null; otherwise 1 to 1000 checked names. */
function tokenPackageList(v: unknown, field: string, check: (name: string) => void): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || !v.every((x) => typeof x === 'string')) throw invalid(`${field} must be a list of names`);
  for (const x of v as string[]) check(x);
  return [...new Set(v as string[])];
}

/** Whether two stored password hashes are the same (constant-time, as every secret comparison). */
function sameHash(a: string | null | undefined, b: string | null | undefined): boolean {
  return safeEqual(a ?? '', b ?? '');
}

function otpChallenge(message: string): CoreError {
  return new CoreError('otp', message);
}
