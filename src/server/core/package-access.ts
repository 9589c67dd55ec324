import type { Auth, OtpNeed } from './auth.js';
import { CoreError, forbidden } from './errors.js';
import { k3, type TypedOp } from './schema.js';
import { DEVELOPERS, type CoreState } from './state.js';
import type { Actor, GrantRec, PackageSettingsRec, Permission } from './types.js';

/** npm's default grant on a new org package: the developers team (every member), read-write. */
export const DEFAULT_GRANT: Permission = 'read-write';
const DEFAULT_GRANTS: ReadonlyMap<string, Permission> = new Map([[DEVELOPERS, DEFAULT_GRANT]]);

/**
 * Who may read and write a package: the rules shared by this registry's packages and by hosts that
 * keep packages themselves (the Verdaccio plugin). An org's package is read by members of a team
 * with a grant on it and written with a read-write grant (npm's model); org owners read and write
 * them all; a public one is read by anyone.
 */
export class PackageAccess {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
  ) {}

  /** The org whose scope `pkg` is in, or null. */
  packageOrg(pkg: string): string | null {
    return this.state.packageOrg(pkg);
  }

  /** The package's settings, or undefined (a package with npm's defaults). */
  settings(pkg: string): PackageSettingsRec | undefined {
    return this.state.get('packageSettings', pkg);
  }

  /** The grants on `pkg` of `org`, team → permission, with npm's default while none were set. */
  grantsOn(org: string, pkg: string): ReadonlyMap<string, Permission> {
    if (!this.settings(pkg)) return DEFAULT_GRANTS;
    const out = new Map<string, Permission>();
    for (const g of this.state.grantsOn(pkg)) if (g.org === org) out.set(g.team, g.permissions);
    return out;
  }

  /** What `user` may do with `pkg` of `org`: from their role and their teams' grants; null: nothing. */
  permission(org: string, user: string, pkg: string): Permission | null {
    const role = this.state.roleIn(org, user);
    if (role === undefined) return null;
    if (role === 'owner') return 'read-write';
    let best: Permission | null = null;
    const teams = this.state.teams(org)!;
    for (const [team, p] of this.grantsOn(org, pkg)) {
      if (team !== DEVELOPERS && !teams.get(team)?.has(user)) continue;
      if (p === 'read-write') return p;
      best = p;
    }
    return best;
  }

  /**
   * May `actor` (null: anonymous) read or write (publish, unpublish, tag) the package `pkg`? An
   * org's package is decided from the live store (membership, teams and grants), so a removal or a
   * revoked grant takes effect at once, for tokens issued before it too. A read-only token writes
   * nothing. Throws CoreError; returns the org, or null when the scope is not an org (the host
   * registry's own rules then decide). The OTP for writes is `otpGate(actor, cred, writeOtpNeed(…))`.
   */
  packageAccess(actor: Actor | null, pkg: string, want: 'read' | 'write'): string | null {
    if (actor && !this.auth.tokenMayUsePackage(actor, pkg, want)) actor = null; // a read outside the token's packages: as anonymous
    if (want === 'write' && actor) this.auth.tokenMayWrite(actor);
    const org = this.state.packageOrg(pkg);
    if (org === null) return null;
    if (want === 'read' && this.settings(pkg)?.access === 'public') return org;
    if (!actor) throw new CoreError('unauthenticated', `Log in to use the packages of org ${org}.`, { code: 'ENEEDAUTH' });
    const name = actor.user.name;
    if (this.state.roleIn(org, name) === undefined) throw forbidden(`${name} is not a member of org ${org}.`);
    const p = this.permission(org, name, pkg);
    if (p === null) throw forbidden(`None of ${name}'s teams in ${org} has access to ${pkg}. An owner or admin can grant it: npm access grant read-only ${org}:<team> ${pkg}.`);
    if (want === 'write' && p !== 'read-write') throw forbidden(`${name} has read-only access to ${pkg}: publishing and tagging need a read-write grant (npm access grant read-write ${org}:<team> ${pkg}).`, 'EREADONLY');
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

  /**
   * The OTP a write to `pkg` needs (`otpGate`): the user's own 2FA rule, or with the package's
   * `mfa=publish` always one (`publish-2fa`), and with `mfa=automation` always one except from a
   * token made with `token create` (npm's automation and granular tokens).
   */
  writeOtpNeed(actor: Actor, pkg: string): OtpNeed {
    const mfa = this.settings(pkg)?.mfa ?? 'none';
    if (mfa === 'none') return 'write';
    if (mfa === 'automation' && actor.token && !actor.token.session) return 'write';
    return 'package-2fa';
  }

  /**
   * The ops a first publish of an org's package adds: its settings and npm's default grant
   * (developers read-write). Nothing when the package has settings already.
   */
  firstPublishOps(org: string, pkg: string, by: string): TypedOp[] {
    if (this.settings(pkg)) return [];
    return this.explicitOps(org, pkg, by);
  }

  /** Settings for `pkg` and the default grant made explicit (so a grant or revoke changes only what it says). */
  explicitOps(org: string, pkg: string, by: string): TypedOp[] {
    return [{ c: 'packageSettings', k: pkg, v: { access: 'restricted', mfa: 'none', updated: this.state.iso() } }, this.defaultGrantOp(org, pkg, by)];
  }

  /** npm's default grant on `pkg`: the developers team, read-write. */
  defaultGrantOp(org: string, pkg: string, by: string): TypedOp {
    const grant: GrantRec = { org, team: DEVELOPERS, pkg, permissions: DEFAULT_GRANT, granted: this.state.iso(), by };
    return { c: 'packageGrants', k: k3(org, DEVELOPERS, pkg), v: grant };
  }

  /** The ops that forget `pkg`'s settings, grants and host maintainers (the package is gone). */
  forgetOps(pkg: string): TypedOp[] {
    const ops: TypedOp[] = [];
    if (this.settings(pkg)) ops.push({ c: 'packageSettings', k: pkg, v: null });
    if (this.state.has('hostMaintainers', pkg)) ops.push({ c: 'hostMaintainers', k: pkg, v: null });
    for (const g of this.state.grantsOn(pkg)) ops.push({ c: 'packageGrants', k: k3(g.org, g.team, g.pkg), v: null });
    return ops;
  }
}
