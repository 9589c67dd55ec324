import type { Accounts } from './accounts.js';
import { CoreError, conflict, invalid, notFound } from './errors.js';
import { nameProblem, isEmailAddress } from '../../shared/names.js';
import { newId } from './secrets.js';
import type { CoreState } from './state.js';

const WEB_LOGIN_TTL = 10 * 60_000;

interface WebSession {
  loginId: string;
  doneId: string;
  created: number;
  create: boolean;
  token: string | null;
  user: string | null;
  /** a form is being checked: a second one waits its turn (409) instead of minting a second token */
  busy: boolean;
  /** the password was right and the user has a security key: the challenge to confirm in the browser */
  keyStep: { user: string; passwordHash: string | null; ip: string; doneId: string } | null;
}

/** Web login (`npm login --auth-type=web`): sessions kept in memory for ten minutes. */
export class WebLogin {
  private readonly webSessions = new Map<string, WebSession>();
  private readonly webByDone = new Map<string, WebSession>();

  constructor(
    private readonly state: CoreState,
    private readonly accounts: Accounts,
  ) {}

  /** Starts a web login. The login id goes in the page URL; the done id only to the CLI. */
  startWebLogin(create: boolean): { loginId: string; doneId: string } {
    // A closed registry refuses a sign-up at once (npm then falls back to the legacy flow, whose
    // refusal it prints); with invitations, the name is known only when the form is sent.
    if (create) this.accounts.refuseIfClosed();
    this.pruneWeb();
    const s: WebSession = { loginId: newId(), doneId: newId(), created: this.state.now(), create, token: null, user: null, busy: false, keyStep: null };
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
  async completeWebLogin(loginId: string, form: { username?: string; password?: string; otp?: string; email?: string }, ip: string): Promise<string> {
    const s = this.webSessions.get(loginId);
    if (!s || this.state.now() - s.created > WEB_LOGIN_TTL) throw notFound('This login link has expired. Run the login command again.');
    if (s.token) throw conflict('This login is already complete. Return to your terminal.');
    const name = (form.username ?? '').trim();
    const problem = nameProblem('user', name);
    if (problem) throw invalid(problem);
    if (!form.password) throw invalid('password is required');
    const creating = !this.state.user(name) && s.create;
    const email = (form.email ?? '').trim();
    if (creating) {
      // Notices (removal, invitations, account recovery) go to this address: a web sign-up needs one.
      this.accounts.signupAllowed(name);
      if (!isEmailAddress(email) || email.length > 254) throw invalid('An email address is needed to create an account: the registry sends its notices (removals, invitations, account recovery) there.');
    }
    if (s.busy) throw conflict('This login form is already being checked. Wait for the answer.');
    s.busy = true;
    try {
      s.token = creating ? await this.accounts.createAccount(name, form.password, email, ip) : await this.accounts.passwordLogin(name, form.password, { otp: form.otp, ip });
    } catch (e) {
      // The password was right and the user has a security key: the login finishes when the
      // browser confirms the challenge (its doneUrl's last segment), on the CLI's next poll.
      const doneUrl = e instanceof CoreError && e.kind === 'otp' ? e.extra?.doneUrl : undefined;
      if (typeof doneUrl === 'string') {
        s.keyStep = { user: name, passwordHash: this.state.user(name)?.password ?? null, ip, doneId: doneUrl.slice(doneUrl.lastIndexOf('/') + 1) };
      }
      throw e;
    } finally {
      s.busy = false;
    }
    s.user = name;
    return name;
  }

  /**
   * The CLI's poll: null while pending; the token once (the session is then forgotten). A login
   * waiting for its security-key step gets its token here, once the browser confirmed.
   */
  async pollWebLogin(doneId: string): Promise<{ token: string } | null> {
    const s = this.webByDone.get(doneId);
    if (!s || this.state.now() - s.created > WEB_LOGIN_TTL) throw notFound('Unknown or expired login session.');
    if (!s.token && s.keyStep && !s.busy) {
      s.busy = true;
      try {
        const token = await this.accounts.finishKeyStep(s.keyStep);
        if (token) {
          s.token = token;
          s.user = s.keyStep.user;
        }
      } finally {
        s.busy = false;
      }
    }
    if (!s.token) return null;
    this.webByDone.delete(doneId);
    this.webSessions.delete(s.loginId);
    return { token: s.token };
  }

  private pruneWeb(): void {
    const now = this.state.now();
    for (const [id, s] of this.webSessions) {
      if (now - s.created > WEB_LOGIN_TTL) {
        this.webSessions.delete(id);
        this.webByDone.delete(s.doneId);
      }
    }
  }
}
