import { nameProblem } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { forbidden, invalid, notFound } from './errors.js';
import { isValidCidr } from './cidr.js';
import { checkPackageName } from './packages.js';
import type { TypedOp } from './schema.js';
import { newToken, redactToken, tokenKey } from './secrets.js';
import { DAY, type CoreState } from './state.js';
import type { Actor, Credentials, OrgsPermission, TokenRec } from './types.js';

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

/** A new token for `user` and the op that stores it: a session token unless `extra` says otherwise. */
export function issueToken(state: CoreState, user: string, extra: Partial<TokenRec> = {}): { token: string; rec: TokenRec; op: TypedOp } {
  const token = newToken();
  const at = state.iso();
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

/** Tokens: `npm token list/create/revoke` and `npm logout`. */
export class Tokens {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
  ) {}

  /** `npm logout`: revokes a token. A token may revoke itself; otherwise it must be the caller's. */
  async revokeTokenValue(actor: Actor, cred: Credentials, token: string): Promise<void> {
    const key = tokenKey(token);
    const rec = this.state.all('tokens').get(key);
    if (!rec || rec.user !== actor.user.name) throw notFound('No such token.');
    if (actor.token?.key !== key) {
      // Revoking another token is a write like `token revoke`; a token revoking itself is a logout.
      if (actor.token?.readonly) throw forbidden('A read-only token cannot revoke other tokens.', 'EREADONLY');
      await this.auth.otpGate(actor, cred, 'write');
    }
    if (!this.state.all('tokens').has(key)) return; // revoked meanwhile: the same outcome
    await this.state.commit([{ c: 'tokens', k: key, v: null }]);
  }

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
    const checked = await this.auth.checkPassword(actor.user.name, body.password, cred.ip);
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
      expires = this.state.iso(this.state.now() + days * DAY);
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
    await this.auth.otpGate({ ...actor, password: checked.password }, cred, 'auth');
    const t = issueToken(this.state, actor.user.name, {
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
    if (!self) await this.auth.otpGate(actor, cred, 'write');
    if (!tokens.has(rec.key)) return; // revoked meanwhile: the same outcome
    await this.state.commit([{ c: 'tokens', k: rec.key, v: null }]);
  }
}

/** A granular token's `packages` or `scopes` list: absent → null; otherwise 1 to 1000 checked names. */
function tokenPackageList(v: unknown, field: string, check: (name: string) => void): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || !v.every((x) => typeof x === 'string')) throw invalid(`${field} must be a list of names`);
  for (const x of v as string[]) check(x);
  return [...new Set(v as string[])];
}
