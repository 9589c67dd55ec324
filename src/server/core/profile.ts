import { isTfaMode, type TfaMode, isEmailAddress } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { CoreError, conflict, forbidden, invalid } from './errors.js';
import { hashPassword, newRecoveryCodes, recoveryCodeHash } from './secrets.js';
import { hasKeys, tfaMethods, tfaOn, type CoreState } from './state.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';
import { waitText } from './throttle.js';
import type { Actor, Credentials, OtpUse, TfaRec, UserRec } from './types.js';

export { RECOVERY_CODES } from './secrets.js';
const PROFILE_FIELDS = ['email', 'fullname', 'homepage', 'freenode', 'twitter', 'github'] as const;

export interface Profile {
  name: string;
  email: string | null;
  email_verified: boolean;
  created: string;
  updated: string;
  /**
   * With security keys, `methods` too (`totp`, `webauthn`), and `totpPending` while an
   * authenticator app is being added beside the keys.
   */
  tfa: { mode: TfaMode; pending: boolean; methods?: ('totp' | 'webauthn')[]; totpPending?: true } | null | false | string | string[];
  fullname: string | null;
  homepage: string | null;
  freenode: string | null;
  twitter: string | null;
  github: string | null;
  cidr_whitelist: null;
}

/** A user with security keys and no authenticator app (yet). */
function keyOnly(u: UserRec): boolean {
  return hasKeys(u) && !!u.tfa && !u.tfa.pending && u.tfa.secret === null;
}

function tfaView(u: UserRec): Profile['tfa'] {
  if (!u.tfa) return null;
  const base = { mode: u.tfa.mode, pending: u.tfa.pending };
  if (!hasKeys(u)) return base;
  return { ...base, methods: tfaMethods(u), ...(u.tfa.pendingSecret !== undefined ? { totpPending: true as const } : {}) };
}

/** The profile (`/-/npm/v1/user`): its fields, password changes and the 2FA state machine. */
export class Profiles {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
  ) {}

  profile(u: UserRec, tfaOverride?: Profile['tfa']): Profile {
    return {
      name: u.name,
      email: u.email,
      email_verified: u.emailVerified,
      created: u.created,
      updated: u.updated,
      tfa: tfaOverride !== undefined ? tfaOverride : tfaView(u),
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
    return this.state.orgsOf(user).filter((o) => this.state.org(o)?.requireTfa);
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
      if (f === 'email' && v !== null && !isEmailAddress(v as string)) throw invalid('email must be an email address');
      fields[f] = v as string | null;
    }
    let newPassword: string | null = null;
    let a = actor;
    if (body.password !== undefined && body.password !== null) {
      const p = body.password as { old?: unknown; new?: unknown };
      if (typeof p !== 'object' || typeof p.old !== 'string' || typeof p.new !== 'string') throw invalid('password must be {"old": "...", "new": "..."}');
      if (p.new.length < 8) throw invalid('Password must be at least 8 characters long.');
      const checked = await this.auth.checkPassword(actor.user.name, p.old, cred.ip);
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
    if (!changes(this.auth.reread(a).user)) return this.profile(this.auth.reread(a).user);
    a = await this.auth.otpGate(a, cred, 'auth');
    const hash = newPassword ? await this.auth.passwords.run(cred.ip, a.user.name, () => hashPassword(newPassword!)) : null;
    // After the last await: the password checked above must still be the account's (so a
    // concurrent change is never rolled back), and the fields apply to the current record.
    const current = this.auth.reread(a).user;
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
      const checked = await this.auth.checkPassword(actor.user.name, password, cred.ip);
      a = this.auth.reread({ ...actor, password: checked.password });
    } catch (e) {
      if (e instanceof CoreError && e.kind === 'unauthenticated') throw forbidden('Wrong password.', 'EPASSWORD');
      throw e;
    }
    // Changing an active 2FA setting needs the second factor; what is active is decided now and
    // again after the OTP check, on the account as it is then. A key-only user asking for their
    // current mode adds an authenticator app beside the keys: that needs the second factor too.
    const wasOn = tfaOn(a.user);
    const addTotp = (x: UserRec): boolean => mode !== 'disable' && keyOnly(x) && x.tfa!.mode === mode;
    const adding = addTotp(a.user);
    if (wasOn && (adding || !(mode !== 'disable' && a.user.tfa!.mode === mode))) a = await this.auth.otpGate(a, cred, 'auth');
    const u = a.user;
    if (tfaOn(u) !== wasOn || addTotp(u) !== adding) throw conflict('Your two-factor settings changed while this request was processed. Try again.');
    if (adding) {
      // The keys and recovery codes keep working while the app is pending; a new start replaces the secret.
      const secret = newTotpSecret();
      const next: UserRec = { ...u, tfa: { ...u.tfa!, pendingSecret: secret }, updated: this.state.iso() };
      await this.state.commit([{ c: 'users', k: u.name, v: next }]);
      return this.profile(next, totpUri(secret, u.name));
    }
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
      // Every second factor goes: TOTP and security keys.
      const next: UserRec = { ...u, tfa: null, ...(u.keys ? { keys: [] } : {}), updated: this.state.iso() };
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
    const u = this.auth.reread(actor).user;
    // Either a first enrolment (pending) or an authenticator app being added beside security keys.
    const adding = !!u.tfa && !u.tfa.pending && u.tfa.pendingSecret !== undefined;
    if (!u.tfa || (!u.tfa.pending && !adding)) throw conflict('Two-factor authentication is not being set up. Start enrolment first.');
    const code = String(tfa[0] ?? '').replace(/\s+/g, '');
    // Throttled like any OTP: per account and source, so a leaked token cannot lock its owner out.
    const src = `${u.name}\n${actor.token ? `t:${actor.token.key}` : 'enrol'}`;
    const wait = Math.max(this.auth.otpSource.waitFor(src), this.auth.otpAccount.waitFor(u.name));
    if (wait > 0) throw new CoreError('rate_limited', `Too many wrong codes. Try again in ${waitText(wait)}.`, { retryAfter: wait });
    const secret = adding ? u.tfa.pendingSecret! : u.tfa.secret;
    const step = secret === null ? null : matchTotp(secret, code, this.state.now());
    if (step === null) {
      this.auth.otpSource.fail(src);
      this.auth.otpAccount.fail(u.name);
      throw forbidden('The code is wrong or has expired. Enter the current code from your authenticator app.', 'EOTP_INVALID');
    }
    this.auth.otpSource.succeed(src);
    const uses: OtpUse[] = [{ step, tok: actor.token?.key ?? null, until: (step + 2) * 30_000 }];
    if (adding) {
      // The app joins the keys; the recovery codes issued with the first key stay valid, and none are issued.
      const { pendingSecret: _, ...rest } = u.tfa;
      const next: UserRec = { ...u, tfa: { ...rest, secret }, updated: this.state.iso() };
      await this.state.commit([{ c: 'users', k: u.name, v: next }, { c: 'otpUses', k: u.name, v: uses }, this.state.auditOp(null, u.name, 'user.tfa.totp-add', undefined, { mode: next.tfa!.mode })]);
      return this.profile(next, []);
    }
    const codes = newRecoveryCodes();
    const next: UserRec = { ...u, tfa: { ...u.tfa, pending: false, recovery: codes.map((c) => recoveryCodeHash(c)!) }, updated: this.state.iso() };
    await this.state.commit([{ c: 'users', k: u.name, v: next }, { c: 'otpUses', k: u.name, v: uses }, this.state.auditOp(null, u.name, 'user.tfa.enable', undefined, { mode: next.tfa!.mode })]);
    return this.profile(next, codes);
  }
}
