import { nameProblem } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { conflict, forbidden, invalid, notFound, unauthenticated } from './errors.js';
import { hashPassword } from './secrets.js';
import type { CoreState } from './state.js';
import { issueToken } from './tokens.js';
import type { Actor, Credentials, UserRec } from './types.js';

/** Accounts and logins: npm's legacy (couch) login, account creation, password logins. */
export class Accounts {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
  ) {}

  whoami(actor: Actor): { username: string } {
    return { username: actor.user.name };
  }

  /**
   * `GET /-/user/org.couchdb.user:<name>` for someone logged in (`npm owner add` reads it): the
   * name, and the email to that user only (a maintainer's email shows in packuments once added).
   */
  publicUser(actor: Actor, name: string): { _id: string; name: string; email?: string | null } {
    const problem = nameProblem('user', name);
    if (problem) throw invalid(problem);
    const u = this.state.user(name);
    if (!u || u.disabled) throw notFound(`There is no user ${name}.`);
    return { _id: `org.couchdb.user:${u.name}`, name: u.name, ...(u.name === actor.user.name ? { email: u.email } : {}) };
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
    const existing = this.state.user(name as string);
    if (!existing) {
      return { token: await this.createAccount(name as string, body.password, (body.email as string | undefined) ?? null, cred.ip), created: true };
    }
    return { token: await this.passwordLogin(existing.name, body.password, cred), created: false };
  }

  /** A login with a password (and, with 2FA on, an OTP): a new session token. */
  async passwordLogin(name: string, password: string, cred: Pick<Credentials, 'otp' | 'ip'>): Promise<string> {
    const user = await this.auth.checkPassword(name, password, cred.ip);
    const actor = await this.auth.otpGate({ user, token: null, via: 'password', password: user.password }, { ip: cred.ip, otp: cred.otp }, 'auth');
    const t = issueToken(this.state, actor.user.name);
    await this.state.commit([t.op]);
    return t.token;
  }

  /**
   * The security-key step of a web login (web-login.ts): once the user confirmed the challenge
   * that `passwordLogin` answered with (its `doneId`), its one-time code is spent, from the
   * address that sent the password, on the password hash checked then: a new session token.
   * Null while the browser step is pending.
   */
  async finishKeyStep(step: { user: string; passwordHash: string | null; ip: string; doneId: string }): Promise<string | null> {
    let got: { token: string } | null;
    try {
      got = this.auth.challenges.poll(step.doneId);
    } catch {
      throw notFound('The security key step of this login has expired. Run the login command again.');
    }
    if (!got) return null;
    const user = this.state.user(step.user);
    if (!user) throw unauthenticated('Incorrect username or password.');
    const actor = await this.auth.otpGate({ user, token: null, via: 'password', password: step.passwordHash }, { ip: step.ip, otp: got.token }, 'auth');
    const t = issueToken(this.state, actor.user.name);
    await this.state.commit([t.op]);
    return t.token;
  }

  /**
   * A sign-up (legacy login of a new name, web login with create). The registry's sign-up policy
   * and the shared namespace are checked before the password is hashed and again after.
   */
  async createAccount(name: string, password: string, email: string | null, ip: string): Promise<string> {
    this.signupAllowed(name);
    if (password.length < 8) throw invalid('Password must be at least 8 characters long.');
    const hash = await this.auth.passwords.run(ip, name, () => hashPassword(password));
    if (this.state.user(name)) throw conflict(`User ${name} already exists.`); // created while we hashed
    this.signupAllowed(name); // an org created, or the invitation revoked, while we hashed
    const at = this.state.iso();
    const rec: UserRec = { name, email, emailVerified: false, password: hash, created: at, updated: at, tfa: null };
    const t = issueToken(this.state, name);
    await this.state.commit([{ c: 'users', k: name, v: rec }, t.op]);
    return t.token;
  }

  /**
   * Whether `name` may be created by sign-up: the policy (`closed`: never; `invite`: with a
   * pending, unexpired invitation for that name to any org), then the namespace (not an org's
   * name nor a package scope in use). 403 otherwise, with a message npm prints.
   */
  signupAllowed(name: string): void {
    this.refuseIfClosed();
    if (this.state.signup === 'invite' && !this.invited(name)) {
      throw forbidden(`Sign-up on this registry needs an invitation, and ${name} has none pending. Ask an org owner to invite ${name}, then sign up with that name.`, 'ESIGNUPINVITE');
    }
    const holder = this.state.nameHolder(name);
    if (holder === 'org' || holder === 'scope') {
      throw forbidden(`The name ${name} is taken by ${holder === 'org' ? 'an org' : 'a package scope in use'}: user names share one namespace with orgs and scopes. Choose another name.`, 'ENAMETAKEN');
    }
  }

  /** 403 ESIGNUPCLOSED when the policy is `closed`. */
  refuseIfClosed(): void {
    if (this.state.signup === 'closed') {
      throw forbidden('Sign-up is closed on this registry: accounts are created by its operator. Ask them for an account, or log in to an existing one.', 'ESIGNUPCLOSED');
    }
  }

  private invited(name: string): boolean {
    const now = this.state.now();
    for (const inv of this.state.all('invitations').values()) if (inv.user === name && Date.parse(inv.expires) > now) return true;
    return false;
  }
}
