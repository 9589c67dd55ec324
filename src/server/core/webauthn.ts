import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isTfaMode, keyNameProblem, type TfaMode } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { CoreError, conflict, forbidden, invalid, notFound } from './errors.js';
import type { TypedOp } from './schema.js';
import { newId, newRecoveryCodes, recoveryCodeHash, sha256Hex } from './secrets.js';
import { hasKeys, tfaMethods, tfaOn, type CoreState } from './state.js';
import type { Challenge } from './webauthn-challenges.js';
import { CHALLENGE_TTL, relyingParty } from './webauthn-challenges.js';
import type { Actor, Credentials, KeyRec, UserRec } from './types.js';

/** @simplewebauthn/server, loaded on first use (a CLI run or a registry without keys never loads it). */
const lib = () => import('@simplewebauthn/server');

const MAX_KEYS = 20;

/** A key as `profile security-keys ls` shows it (no credential material). */
export interface KeyView {
  name: string;
  created: string;
  lastUsed: string | null;
  transports: string[];
}

/** What the CLI's poll of a registration gets, once. */
export interface KeyAdded {
  key: KeyView;
  /** when the key turned 2FA on: the recovery codes, shown this once */
  recoveryCodes?: string[];
  /** the user's second factors now */
  tfaMethods: ('totp' | 'webauthn')[];
}

interface Registration {
  id: string;
  doneId: string;
  user: string;
  name: string;
  mode: TfaMode;
  created: number;
  challenge: string | null;
  result: KeyAdded | null;
}

const view = (k: KeyRec): KeyView => ({ name: k.name, created: k.created, lastUsed: k.lastUsed, transports: k.transports });

/**
 * Security keys (WebAuthn) as a second factor (docs/registry-api.md "Security keys"): adding a key
 * in the browser (a registration the CLI starts and polls), the assertion that answers a
 * second-factor challenge (`auth.challenges`), listing and removing keys. Verified with
 * @simplewebauthn/server against the relying party of the registry's public URL.
 */
export class WebAuthn {
  private readonly regs = new Map<string, Registration>();
  private readonly regsByDone = new Map<string, Registration>();

  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
    /** the registry's public URL (`--public-url`); without it, set by `listening` */
    publicUrl?: string,
  ) {
    if (publicUrl !== undefined) auth.challenges.rp = relyingParty(publicUrl);
  }

  /** When the server listens at `url`: without a configured public URL, that URL with host `localhost` is the relying party. */
  listening(url: string): void {
    if (this.auth.challenges.rp) return;
    const u = new URL(url);
    u.hostname = 'localhost';
    this.auth.challenges.rp = relyingParty(u.href);
  }

  /** For the start-up line: where security keys are bound. */
  relyingPartyDescription(): string {
    const rp = this.auth.challenges.rp;
    return rp ? `relying party ${rp.id}, pages at ${rp.base}` : 'off until the registry knows its public URL';
  }

  private rp() {
    const rp = this.auth.challenges.rp;
    if (!rp) throw conflict('This registry has no public URL yet, so it cannot use security keys.');
    return rp;
  }

  /**
   * `POST /-/orgctl/v1/webauthn/registrations` `{password, name, mode?}`: starts adding a key. The
   * password always (as for TOTP enrolment); with 2FA already on, the second factor too.
   */
  async startRegistration(actor: Actor, cred: Credentials, body: Record<string, unknown>): Promise<{ authUrl: string; doneUrl: string }> {
    const rp = this.rp();
    this.auth.tokenMayWrite(actor);
    const problem = keyNameProblem(body.name);
    if (problem) throw invalid(problem);
    const name = (body.name as string).trim();
    const mode = body.mode ?? 'auth-and-writes';
    if (!isTfaMode(mode)) throw invalid('mode must be auth-only or auth-and-writes');
    if (typeof body.password !== 'string') throw invalid('password is required');
    let a: Actor;
    try {
      const checked = await this.auth.checkPassword(actor.user.name, body.password, cred.ip);
      a = this.auth.reread({ ...actor, password: checked.password });
    } catch (e) {
      if (e instanceof CoreError && e.kind === 'unauthenticated') throw forbidden('Wrong password.', 'EPASSWORD');
      throw e;
    }
    if (tfaOn(a.user)) a = await this.auth.otpGate(a, cred, 'auth');
    this.checkNewKey(a.user, name);
    this.prune();
    // At most a few open registrations per user: a client that starts many cannot grow memory.
    const mine = [...this.regs.values()].filter((x) => x.user === a.user.name);
    for (const old of mine.slice(0, Math.max(0, mine.length - 4))) this.dropReg(old);
    const r: Registration = { id: newId(), doneId: newId(), user: a.user.name, name, mode, created: this.state.now(), challenge: null, result: null };
    this.regs.set(r.id, r);
    this.regsByDone.set(r.doneId, r);
    return { authUrl: `${rp.base}-/orgctl/webauthn/register/${r.id}`, doneUrl: `${rp.base}-/orgctl/v1/webauthn/registrations/${r.doneId}` };
  }

  private checkNewKey(u: UserRec, name: string): void {
    if (u.keys?.some((k) => k.name === name)) throw conflict(`You already have a security key named ${name}. Choose another name.`);
    if ((u.keys?.length ?? 0) >= MAX_KEYS) throw conflict(`You have ${MAX_KEYS} security keys, the most an account may have. Remove one first.`);
  }

  /** The registration page's state, or null when the link is unknown or expired. */
  registration(id: string): { user: string; name: string; done: boolean } | null {
    const r = this.liveReg(id);
    return r ? { user: r.user, name: r.name, done: r.result !== null } : null;
  }

  /** The options for `navigator.credentials.create` (a fresh challenge each time). */
  async registrationOptions(id: string): Promise<unknown> {
    const r = this.requireReg(id);
    const rp = this.rp();
    const u = this.state.user(r.user);
    if (!u) throw notFound('This link has expired. Run the command again.');
    const opts = await (await lib()).generateRegistrationOptions({
      rpName: 'orgctl registry',
      rpID: rp.id,
      userName: u.name,
      userID: new TextEncoder().encode(sha256Hex(`orgctl-user:${u.name}`).slice(0, 32)),
      attestationType: 'none',
      excludeCredentials: (u.keys ?? []).map((k) => ({ id: k.id, transports: k.transports as never })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    r.challenge = opts.challenge;
    return opts;
  }

  /** The browser's answer to `registrationOptions`: verified, then the key is stored. */
  async finishRegistration(id: string, response: unknown): Promise<KeyView> {
    const r = this.requireReg(id);
    if (r.result) throw conflict('This key is already added. Return to your terminal.');
    const challenge = r.challenge;
    // One answer per challenge: a replayed or second answer finds none.
    r.challenge = null;
    if (!challenge) throw conflict('No security key request is in progress on this page. Reload it and try again.');
    const rp = this.rp();
    let info;
    try {
      const v = await (await lib()).verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
      });
      if (!v.verified) throw new Error('not verified');
      info = v.registrationInfo;
    } catch (e) {
      throw forbidden(`The security key's answer could not be verified: ${(e as Error).message}`, 'EWEBAUTHN');
    }
    // After the await: decided on the account as it is now.
    const u = this.state.user(r.user);
    if (!u) throw notFound('This link has expired. Run the command again.');
    this.checkNewKey(u, r.name);
    const credId = info.credential.id;
    for (const other of this.state.all('users').values()) {
      if (other.keys?.some((k) => k.id === credId)) throw conflict('This security key is already registered.');
    }
    const now = this.state.iso();
    const key: KeyRec = {
      id: credId,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: [...(info.credential.transports ?? [])],
      name: r.name,
      created: now,
      lastUsed: null,
    };
    const first = !tfaOn(u);
    const codes = first ? newRecoveryCodes() : undefined;
    const next: UserRec = {
      ...u,
      keys: [...(u.keys ?? []), key],
      tfa: codes ? { mode: r.mode, pending: false, secret: null, recovery: codes.map((c) => recoveryCodeHash(c)!) } : u.tfa,
      updated: now,
    };
    const ops: TypedOp[] = [{ c: 'users', k: u.name, v: next }, this.state.auditOp(null, u.name, 'user.tfa.key-add', undefined, { name: r.name })];
    if (first) ops.push(this.state.auditOp(null, u.name, 'user.tfa.enable', undefined, { mode: r.mode, method: 'webauthn' }));
    await this.state.commit(ops);
    r.result = { key: view(key), ...(codes ? { recoveryCodes: codes } : {}), tfaMethods: tfaMethods(next) };
    return view(key);
  }

  /** The CLI's poll of a registration: null while pending, the result once, then 404. */
  pollRegistration(doneId: string): KeyAdded | null {
    const r = this.regsByDone.get(doneId);
    if (!r || this.state.now() - r.created > CHALLENGE_TTL) throw notFound('Unknown or expired security key session.');
    if (!r.result) return null;
    this.dropReg(r);
    return r.result;
  }

  // ---------------------------------------------------------------- assertions (second-factor challenges)

  /** The verify page's state, or null when the link is unknown or expired. */
  challenge(id: string): { user: string; done: boolean } | null {
    const c = this.auth.challenges.get(id);
    return c ? { user: c.user, done: c.code !== null } : null;
  }

  /** The options for `navigator.credentials.get` for a challenge (a fresh WebAuthn challenge each time). */
  async assertionOptions(id: string): Promise<unknown> {
    const c = this.requireChallenge(id);
    const rp = this.rp();
    const u = this.state.user(c.user);
    if (!u || !hasKeys(u)) throw conflict(`${c.user} has no security key.`);
    const opts = await (await lib()).generateAuthenticationOptions({
      rpID: rp.id,
      allowCredentials: u.keys!.map((k) => ({ id: k.id, transports: k.transports as never })),
      userVerification: 'preferred',
    });
    c.assertion = opts.challenge;
    return opts;
  }

  /** The browser's assertion: verified against the key (counter must grow); then the challenge's code exists. */
  async finishAssertion(id: string, response: unknown): Promise<void> {
    const c = this.requireChallenge(id);
    if (c.code) throw conflict('This request is already confirmed. Return to your terminal.');
    const expected = c.assertion;
    c.assertion = null;
    if (!expected) throw conflict('No security key request is in progress on this page. Reload it and try again.');
    const rp = this.rp();
    const credId = typeof (response as { id?: unknown })?.id === 'string' ? (response as { id: string }).id : '';
    const before = this.state.user(c.user)?.keys?.find((k) => k.id === credId);
    if (!before) throw forbidden('This security key is not registered to your account.', 'EWEBAUTHN');
    let newCounter: number;
    try {
      const v = await (await lib()).verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: expected,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: { id: before.id, publicKey: Buffer.from(before.publicKey, 'base64url'), counter: before.counter, transports: before.transports as never },
        requireUserVerification: false,
      });
      if (!v.verified) throw new Error('not verified');
      newCounter = v.authenticationInfo.newCounter;
    } catch (e) {
      throw forbidden(`The security key's answer could not be verified: ${(e as Error).message}`, 'EWEBAUTHN');
    }
    // After the await: the key as stored now (a parallel assertion may have moved its counter).
    const u = this.state.user(c.user);
    const idx = u?.keys?.findIndex((k) => k.id === credId) ?? -1;
    if (!u || idx < 0) throw forbidden('This security key is no longer registered to your account.', 'EWEBAUTHN');
    const now = u.keys![idx]!;
    if ((newCounter > 0 || now.counter > 0) && newCounter <= now.counter) {
      throw forbidden(`The security key's signature counter went back (${newCounter} after ${now.counter}): the key may be cloned. Refused.`, 'EWEBAUTHN');
    }
    const keys = u.keys!.map((k, i) => (i === idx ? { ...k, counter: newCounter, lastUsed: this.state.iso() } : k));
    await this.state.commit([{ c: 'users', k: u.name, v: { ...u, keys } }]);
    if (this.auth.challenges.get(id) === c && !c.code) this.auth.challenges.complete(c);
  }

  // ---------------------------------------------------------------- list, remove

  listKeys(actor: Actor): KeyView[] {
    return (this.auth.reread(actor).user.keys ?? []).map(view);
  }

  /**
   * `DELETE /-/orgctl/v1/webauthn/keys/:name`, with the second factor. Removing the last key of a
   * user without TOTP turns 2FA off: refused while they belong to an org that requires 2FA.
   */
  async removeKey(actor: Actor, cred: Credentials, name: string): Promise<{ removed: string; tfaMethods: ('totp' | 'webauthn')[] }> {
    this.auth.tokenMayWrite(actor);
    const find = (u: UserRec) => {
      const k = u.keys?.find((x) => x.name === name);
      if (!k) throw notFound(`You have no security key named ${name}.`);
      return k;
    };
    find(this.auth.reread(actor).user);
    const a = await this.auth.otpGate(actor, cred, 'auth');
    const u = a.user;
    const key = find(u);
    const keys = u.keys!.filter((k) => k !== key);
    const last = keys.length === 0 && u.tfa?.secret === null;
    if (last) {
      const orgs = this.state.orgsOf(u.name).filter((o) => this.state.org(o)?.requireTfa);
      if (orgs.length > 0) {
        throw forbidden(
          `${name} is your last second factor, and you belong to ${orgs.length === 1 ? 'an org that requires' : 'orgs that require'} two-factor authentication: ${orgs.join(', ')}. Add another key or leave ${orgs.length === 1 ? 'it' : 'them'} first.`,
          'ETFAREQUIRED',
        );
      }
    }
    const next: UserRec = { ...u, keys, ...(last ? { tfa: null } : {}), updated: this.state.iso() };
    const ops: TypedOp[] = [{ c: 'users', k: u.name, v: next }, this.state.auditOp(null, u.name, 'user.tfa.key-remove', undefined, { name })];
    if (last) ops.push({ c: 'otpUses', k: u.name, v: null }, this.state.auditOp(null, u.name, 'user.tfa.disable', undefined, { method: 'webauthn' }));
    await this.state.commit(ops);
    return { removed: name, tfaMethods: tfaMethods(next) };
  }

  private liveReg(id: string): Registration | undefined {
    const r = this.regs.get(id);
    return r && this.state.now() - r.created <= CHALLENGE_TTL ? r : undefined;
  }

  private requireReg(id: string): Registration {
    const r = this.liveReg(id);
    if (!r) throw notFound('This link has expired. Run the command again.');
    return r;
  }

  private requireChallenge(id: string): Challenge {
    const c = this.auth.challenges.get(id);
    if (!c) throw notFound('This link has expired. Run the command again.');
    return c;
  }

  private prune(): void {
    for (const r of this.regs.values()) if (this.state.now() - r.created > CHALLENGE_TTL) this.dropReg(r);
  }

  private dropReg(r: Registration): void {
    this.regs.delete(r.id);
    this.regsByDone.delete(r.doneId);
  }
}

