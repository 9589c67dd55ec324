import { notFound } from './errors.js';
import { newId, safeEqual } from './secrets.js';

/** How long a second-factor challenge (its page, its assertion, its code) stays usable. */
export const CHALLENGE_TTL = 10 * 60_000;
/** Open challenges kept per user: a client that retries without finishing cannot grow memory. */
const MAX_PER_USER = 10;

/**
 * The relying party security keys are bound to (docs/registry-api.md "Security keys"): the
 * registry's public URL. Its host is the RP ID, so it is a name, never an IP address.
 */
export interface RelyingParty {
  /** ends in '/' */
  base: string;
  origin: string;
  id: string;
}

/** A public URL that cannot be a relying party (a start-up error: `registry serve` exits 2). */
export class PublicUrlError extends Error {}

/** The relying party for a public URL; an IP-address host is refused (not a valid RP ID). */
export function relyingParty(publicUrl: string): RelyingParty {
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    throw new PublicUrlError(`the public URL ${JSON.stringify(publicUrl)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PublicUrlError(`the public URL ${publicUrl} must be http: or https:`);
  const host = u.hostname;
  if (/^[\d.]+$/.test(host) || host.startsWith('[')) {
    throw new PublicUrlError(`the public URL ${publicUrl} has an IP address as its host; security keys need a name (e.g. localhost or registry.example.com)`);
  }
  if (u.protocol === 'http:' && host !== 'localhost' && !host.endsWith('.localhost')) {
    throw new PublicUrlError(`the public URL ${publicUrl} must be https: (browsers allow security keys over http only on localhost)`);
  }
  if (u.search || u.hash || u.username || u.password) throw new PublicUrlError(`the public URL ${publicUrl} must have no query, fragment or credentials`);
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { base: `${u.origin}${path}`, origin: u.origin, id: host };
}

/** One second-factor challenge: a user proves a security key in the browser; the CLI gets a one-time code. */
export interface Challenge {
  id: string;
  doneId: string;
  user: string;
  /** who may spend the code: the token (`t:<key>`) or, for a password, the client address (`a:<ip>`) */
  src: string;
  created: number;
  /** the WebAuthn challenge of the assertion in progress; cleared when an answer is checked (one answer per challenge) */
  assertion: string | null;
  /** set once the assertion is verified; spent by `consume` */
  code: string | null;
  /** the code was handed to the poller (doneUrl answers it once) */
  handedOut: boolean;
}

/**
 * Second-factor challenges in memory (a restart forgets them, like web login sessions), held by
 * `Auth`: `open` when an action needs the second factor of a user with security keys, `complete`
 * when the browser's assertion is verified (webauthn.ts), `poll` for npm's doneUrl, and `consume`
 * when the code comes back in `npm-otp`, from the same token, once.
 */
export class WebAuthChallenges {
  private readonly byId = new Map<string, Challenge>();
  private readonly byDone = new Map<string, Challenge>();
  /** null until the registry knows its public URL (set when it listens, or from --public-url) */
  rp: RelyingParty | null = null;

  constructor(private readonly now: () => number) {}

  /** A new challenge for `user`, spendable by `src`; its two URLs. Null when no relying party is known. */
  open(user: string, src: string): { authUrl: string; doneUrl: string } | null {
    if (!this.rp) return null;
    this.prune();
    const mine = [...this.byId.values()].filter((c) => c.user === user);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_PER_USER + 1))) this.drop(old);
    const c: Challenge = { id: newId(), doneId: newId(), user, src, created: this.now(), assertion: null, code: null, handedOut: false };
    this.byId.set(c.id, c);
    this.byDone.set(c.doneId, c);
    return { authUrl: `${this.rp.base}-/orgctl/webauthn/verify/${c.id}`, doneUrl: `${this.rp.base}-/orgctl/v1/webauthn/done/${c.doneId}` };
  }

  /** The live challenge behind a page URL, or undefined. */
  get(id: string): Challenge | undefined {
    const c = this.byId.get(id);
    return c && this.live(c) ? c : undefined;
  }

  /** Marks the challenge's assertion verified: mints its one-time code. */
  complete(c: Challenge): void {
    c.code = `wa_${newId(24)}`;
  }

  /** npm's doneUrl: null while pending; the code once; then 404. */
  poll(doneId: string): { token: string } | null {
    const c = this.byDone.get(doneId);
    if (!c || !this.live(c) || c.handedOut) throw notFound('Unknown or expired authentication session.');
    if (!c.code) return null;
    c.handedOut = true;
    return { token: c.code };
  }

  /** Whether `code` is a completed challenge's code for `user` from `src`; spends it (works once). */
  consume(user: string, src: string, code: string): boolean {
    for (const c of this.byId.values()) {
      if (c.user !== user || c.code === null || !this.live(c)) continue;
      if (safeEqual(c.code, code) && c.src === src) {
        this.drop(c);
        return true;
      }
    }
    return false;
  }

  private live(c: Challenge): boolean {
    return this.now() - c.created <= CHALLENGE_TTL;
  }

  private drop(c: Challenge): void {
    this.byId.delete(c.id);
    this.byDone.delete(c.doneId);
  }

  private prune(): void {
    for (const c of this.byId.values()) if (!this.live(c)) this.drop(c);
  }
}
