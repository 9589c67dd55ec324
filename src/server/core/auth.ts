import { CoreError, conflict, forbidden, unauthenticated } from './errors.js';
import { PasswordPool, type PasswordPoolOptions } from './password-pool.js';
import { isImportedHash, verifyImported } from './htpasswd.js';
import { hashPassword, recoveryCodeHash, safeEqual, tokenKey, verifyPassword } from './secrets.js';
import { setOf } from './multimap.js';
import { hasKeys, tfaOn, type CoreState } from './state.js';
import { Backoff, waitText, type BackoffOptions } from './throttle.js';
import { matchTotp } from './totp.js';
import { ipInCidrs } from './cidr.js';
import { WebAuthChallenges } from './webauthn-challenges.js';
import type { Actor, Credentials, UserRec } from './types.js';

/** Why an OTP is asked for: `auth` (login, profile, tokens, governance) or `write` (other writes). */
/**
 * What a request needs an OTP for: `auth` (login, profile, tokens, governance), `write` (other
 * writes, by the user's 2FA mode), `package-2fa` (a write to a package whose 2FA setting demands
 * one from everybody: npm's `publish_requires_tfa`).
 */
export type OtpNeed = 'auth' | 'write' | 'package-2fa';

/**
 * Who is acting, and may they: credentials (tokens, passwords, OTPs and recovery codes), the
 * throttles on guessing them (docs §4.5), bounded password hashing, and a token's limits. Every
 * decision after an await starts from `reread`; `otpGate` returns the actor re-read once the OTP
 * is checked, and callers decide on that.
 */
export class Auth {
  /** wrong passwords per account and client address */
  private readonly pwSource: Backoff;
  /** wrong passwords per account, from addresses the account never logged in from (a backstop against spread-out guessing) */
  private readonly pwAccount: Backoff;
  /** wrong OTPs per account and source (the token, or the client address for passwords); also 2FA enrolment codes */
  readonly otpSource: Backoff;
  /** wrong OTPs per account, all sources: bounds guessing of a 6-digit code by someone who has the first factor */
  readonly otpAccount: Backoff;
  /** account → addresses it logged in from with its password (bounded), exempt from `pwAccount` */
  private readonly knownAddresses = new Map<string, Set<string>>();
  readonly passwords: PasswordPool;
  /** second-factor challenges answered with a security key in the browser (npm's authUrl/doneUrl) */
  readonly challenges: WebAuthChallenges;

  constructor(
    private readonly state: CoreState,
    throttle: BackoffOptions = {},
    passwords?: PasswordPoolOptions,
  ) {
    const t = throttle;
    const free = t.free ?? 5;
    this.pwSource = new Backoff(state.now, t);
    this.pwAccount = new Backoff(state.now, { ...t, free: free * 10 });
    this.otpSource = new Backoff(state.now, t);
    this.otpAccount = new Backoff(state.now, { ...t, free: free * 4 });
    this.passwords = new PasswordPool(passwords);
    this.challenges = new WebAuthChallenges(state.now);
  }

  /** The acting user, or null when the request carries no credential. Bad credentials throw. */
  async authenticate(cred: Credentials): Promise<Actor | null> {
    if (cred.bearer !== undefined) return this.tokenActor(cred.bearer, cred.ip);
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

  /**
   * The actor behind a bearer token, synchronously (no password to hash): for hosts whose next
   * step must run in the same tick (Verdaccio's web API routes).
   */
  tokenActor(bearer: string, ip: string): Actor {
    const rec = this.state.all('tokens').get(tokenKey(bearer));
    if (!rec) throw unauthenticated('Invalid or revoked token. Log in again.');
    if (rec.expires && Date.parse(rec.expires) <= this.state.now()) throw unauthenticated('This token has expired. Log in again or create a new token.');
    if (rec.cidr && !ipInCidrs(ip, rec.cidr)) {
      throw new CoreError('ip', `This token may not be used from ${ip}.`);
    }
    const user = this.state.user(rec.user);
    if (!user) throw unauthenticated('Invalid or revoked token. Log in again.');
    refuseDisabled(user);
    return { user, token: rec, via: 'token' };
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
  async checkPassword(name: string, password: string, ip: string): Promise<UserRec> {
    const src = `${name}\n${ip}`;
    const known = this.knownAddresses.get(name)?.has(ip) ?? false;
    const wait = Math.max(this.pwSource.waitFor(src), known ? 0 : this.pwAccount.waitFor(name));
    if (wait > 0) throw new CoreError('rate_limited', `Too many failed password attempts for ${name}. Try again in ${waitText(wait)}.`, { retryAfter: wait });
    this.passwords.admit(ip);
    const before = this.state.user(name);
    // Count the attempt as a failure before the (slow) check, so guesses sent in parallel cannot
    // all be checked before the delay starts; a success takes it back.
    this.pwSource.fail(src);
    if (!known) this.pwAccount.fail(name);
    const ok = await this.passwords.run(ip, name, () => checkHash(password, before?.password ?? null));
    // Decided on the account as it is now: a password changed while we hashed no longer counts.
    const user = this.state.user(name);
    if (!ok || !before || !user || !sameHash(user.password, before.password)) throw new CoreError('unauthenticated', 'Incorrect username or password.', { code: 'EPASSWORD' });
    this.pwSource.succeed(src);
    if (!known) this.pwAccount.forgive(name);
    const addrs = setOf(this.knownAddresses, name);
    if (addrs.size >= 32) addrs.delete(addrs.values().next().value!);
    addrs.add(ip);
    // Only after the password is right: a disabled account says so to its owner, not to guessers.
    refuseDisabled(user);
    return isImportedHash(user.password) ? this.upgradeImported(user, password, ip) : user;
  }

  /**
   * After a successful check against a hash imported from htpasswd: the same password hashed
   * with scrypt replaces it (audit `user.password.upgrade`). Decided again after the hash: if the
   * stored hash changed meanwhile (a login racing this one upgraded it, or the password was
   * changed), the password is checked against the new hash once more. A busy password pool
   * leaves the upgrade to the next login.
   */
  private async upgradeImported(user: UserRec, password: string, ip: string): Promise<UserRec> {
    let hash: string;
    try {
      hash = await this.passwords.run(ip, user.name, () => hashPassword(password));
    } catch (e) {
      if (e instanceof CoreError && e.kind === 'rate_limited') return user;
      throw e;
    }
    const now = this.state.user(user.name);
    if (now && sameHash(now.password, user.password)) {
      const next: UserRec = { ...now, password: hash, updated: this.state.iso() };
      await this.state.commit([{ c: 'users', k: now.name, v: next }, this.state.auditOp(null, now.name, 'user.password.upgrade', undefined, { from: 'htpasswd' })]);
      return this.state.user(user.name) ?? next;
    }
    const ok = now ? await this.passwords.run(ip, user.name, () => checkHash(password, now.password)) : false;
    const after = this.state.user(user.name);
    if (!ok || !now || !after || !sameHash(after.password, now.password)) throw new CoreError('unauthenticated', 'Incorrect username or password.', { code: 'EPASSWORD' });
    return after;
  }

  /**
   * `actor` as the store has it now: the same user and token (401 when the token was revoked or
   * the password changed since it was checked). Every decision after an await starts here.
   */
  reread(actor: Actor): Actor {
    const user = this.state.user(actor.user.name);
    if (!user) throw unauthenticated('Invalid or revoked token. Log in again.');
    refuseDisabled(user);
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
    if (need === 'package-2fa' && !tfaOn(u)) {
      throw forbidden(`${u.name} has no two-factor authentication, and this package requires it for every change. Turn it on first (orgctl profile enable-2fa).`, 'EOTP2FAREQUIRED');
    }
    if (!tfaOn(u) || actor.otpChecked) return false;
    if (need === 'package-2fa') return true;
    return !(need === 'write' && u.tfa!.mode !== 'auth-and-writes' && actor.via !== 'password');
  }

  /**
   * Demands a one-time password from `actor` when the rules ask for one:
   *   - `auth` (login, profile, tokens, governance): whenever 2FA is on;
   *   - `write` (other writes): when 2FA is on in auth-and-writes mode, or the credential is a password;
   *   - `package-2fa`: always (and without 2FA on, 403).
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
    const name = actor.user.name;
    const spender = tok ? `t:${tok.key}` : `a:${ip}`;
    const src = `${name}\n${spender}`;
    if (!code) throw this.challenge(actor.user, spender, 'This operation requires a one-time password from your authenticator app. Pass it with --otp.');
    const wait = Math.max(this.otpSource.waitFor(src), this.otpAccount.waitFor(name));
    if (wait > 0) {
      throw new CoreError('rate_limited', `Too many wrong one-time passwords for ${name}. Try again in ${waitText(wait)}.`, { retryAfter: wait });
    }
    const u = this.state.user(name)!;
    const tfa = u.tfa;
    if (!tfa || tfa.pending) throw conflict('Your two-factor settings changed while this request was processed. Try again.');
    const now = this.state.now();
    const h = code.startsWith('wa_') ? null : recoveryCodeHash(code);
    if (code.startsWith('wa_')) {
      // The one-time code of a security-key challenge: from the token (or address) it was opened for, once.
      if (this.challenges.consume(name, spender, code)) {
        this.otpSource.succeed(src);
        return;
      }
    } else if (h !== null) {
      const idx = tfa.recovery.findIndex((r) => safeEqual(r, h));
      if (idx >= 0) {
        this.otpSource.succeed(src);
        const next: UserRec = { ...u, tfa: { ...tfa, recovery: tfa.recovery.filter((_, i) => i !== idx) }, updated: this.state.iso() };
        await this.state.commit([{ c: 'users', k: u.name, v: next }, this.state.auditOp(null, u.name, 'user.tfa.recovery-code-used')]);
        return;
      }
    } else {
      const step = tfa.secret === null ? null : matchTotp(tfa.secret, code, now);
      if (step !== null) {
        const uses = (this.state.all('otpUses').get(u.name) ?? []).filter((x) => x.until > now);
        const used = uses.find((x) => x.step === step);
        const tokKey = tok?.key ?? null;
        if (used) {
          if (tokKey !== null && used.tok === tokKey) return; // the same token may reuse its code (one --otp, many requests)
          throw this.challenge(u, spender, 'This one-time password has already been used. Wait for the next code from your authenticator app.');
        }
        this.otpSource.succeed(src);
        uses.push({ step, tok: tokKey, until: (step + 2) * 30_000 });
        await this.state.commit([{ c: 'otpUses', k: u.name, v: uses }]);
        return;
      }
    }
    this.otpSource.fail(src);
    this.otpAccount.fail(name);
    throw this.challenge(u, spender, 'The one-time password is wrong or has expired. Enter the current code from your authenticator app.');
  }

  /**
   * The 401 that asks for the second factor. A user with security keys also gets npm's web-auth
   * shape: `authUrl` (a page that asks for the key) and `doneUrl` (polled for a one-time code that
   * `spender` then sends as the OTP).
   */
  private challenge(u: UserRec, spender: string, totpMessage: string): CoreError {
    const urls = hasKeys(u) ? this.challenges.open(u.name, spender) : null;
    if (!urls) return otpChallenge(totpMessage);
    const totp = u.tfa?.secret ? ' or pass a one-time password from your authenticator app with --otp' : ' (or pass a recovery code with --otp)';
    return new CoreError('otp', `This operation requires your security key: open ${urls.authUrl} in a browser and confirm with the key${totp}.`, { extra: urls });
  }

  /** Refuses writes with a read-only token, and org actions outside a granular token's orgs. */
  tokenMayWrite(actor: Actor, org?: string): void {
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
  tokenMayUsePackage(actor: Actor, pkg: string, want: 'read' | 'write'): boolean {
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

  tokenMayRead(actor: Actor, org: string): void {
    const t = actor.token;
    if (!t) return;
    if (t.orgs && !t.orgs.includes(org)) throw forbidden(`This token may not act on org ${org}.`);
    if (t.orgsPermission === 'no-access') throw forbidden('This token has no access to orgs.');
  }
}

/**
 * A disabled account (operator command `registry users disable`) authenticates with nothing: its
 * tokens stay stored but are refused, and so is its password, with 401 EDISABLED.
 */
function refuseDisabled(user: UserRec): void {
  if (user.disabled) throw new CoreError('unauthenticated', `The account ${user.name} is disabled by the registry's operator. Ask them to enable it.`, { code: 'EDISABLED' });
}

/** Checks a password against a stored hash: scrypt, or one imported from htpasswd. */
function checkHash(password: string, stored: string | null): Promise<boolean> {
  return isImportedHash(stored) ? verifyImported(password, stored!) : verifyPassword(password, stored);
}

/** Whether two stored password hashes are the same (constant-time, as every secret comparison). */
function sameHash(a: string | null | undefined, b: string | null | undefined): boolean {
  return safeEqual(a ?? '', b ?? '');
}

function otpChallenge(message: string): CoreError {
  return new CoreError('otp', message);
}
