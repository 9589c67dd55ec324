import { nameProblem } from '../../shared/names.js';
import type { Auth } from './auth.js';
import { CoreError, forbidden, invalid, notFound } from './errors.js';
import { checkTeamName, OrgDomain } from './org-common.js';
import type { PackageAccess } from './package-access.js';
import { checkPackageName } from './packages.js';
import { k3, type TypedOp } from './schema.js';
import type { CoreState } from './state.js';
import type { Actor, Credentials, PackageMfa, PackageSettingsRec, Permission } from './types.js';

/** npm's short form of a permission in package lists (`npm access` shows read-only / read-write). */
export type ShortPermission = 'read' | 'write';
const short = (p: Permission): ShortPermission => (p === 'read-write' ? 'write' : 'read');
const PERMISSIONS: readonly string[] = ['read-only', 'read-write'];

/**
 * npm's package access surface (libnpmaccess, `npm access`): team grants on an org's packages,
 * the package lists and collaborators they give, and a package's visibility and 2FA setting. The
 * rule that applies them is PackageAccess's.
 */
export class PackageGrants extends OrgDomain {
  constructor(
    state: CoreState,
    auth: Auth,
    private readonly access: PackageAccess,
  ) {
    super(state, auth);
  }

  /** The packages of `org`'s scope this registry knows: published here, or with settings or grants. */
  private orgPackageNames(org: string): string[] {
    const prefix = `@${org}/`;
    const names = new Set<string>();
    for (const k of this.state.all('packages').keys()) if (k.startsWith(prefix)) names.add(k);
    for (const k of this.state.all('packageSettings').keys()) if (k.startsWith(prefix)) names.add(k);
    for (const g of this.state.all('packageGrants').values()) if (g.org === org) names.add(g.pkg);
    return [...names].sort();
  }

  private requireTeam(org: string, team: string): void {
    checkTeamName(team);
    if (!this.state.teams(org)?.has(team)) throw notFound(`Team ${org}:${team} not found.`);
  }

  /** `GET /-/org/:org/package`: the org's packages the caller may use, with what they may do. */
  orgPackages(actor: Actor, org: string): Record<string, ShortPermission> {
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    const out: Record<string, ShortPermission> = {};
    for (const pkg of this.orgPackageNames(org)) {
      const p = this.access.permission(org, actor.user.name, pkg);
      if (p) out[pkg] = short(p);
    }
    return out;
  }

  /** `GET /-/team/:org/:team/package`: the team's grants (npm's default grant included). */
  teamPackages(actor: Actor, org: string, team: string): Record<string, ShortPermission> {
    checkTeamName(team);
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    this.requireTeam(org, team);
    const out: Record<string, ShortPermission> = {};
    for (const pkg of this.orgPackageNames(org)) {
      const p = this.access.grantsOn(org, pkg).get(team);
      if (p) out[pkg] = short(p);
    }
    return out;
  }

  /** `GET /-/user/:user/package` (libnpmaccess's fallback for a name that is no org): your own packages. */
  userPackages(actor: Actor, user: string): Record<string, ShortPermission> {
    const problem = nameProblem('user', user);
    if (problem) throw invalid(problem);
    if (user !== actor.user.name) throw forbidden(`You can list your own packages only (you are ${actor.user.name}).`);
    const out: Record<string, ShortPermission> = {};
    for (const [pkg, rec] of this.state.all('packages')) {
      if (this.state.packageOrg(pkg) === null && rec.maintainers.includes(user)) out[pkg] = 'write';
    }
    for (const org of this.state.orgsOf(user)) {
      try {
        Object.assign(out, this.orgPackages(actor, org));
      } catch (e) {
        if (!(e instanceof CoreError)) throw e; // an org the token may not read: left out
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** `GET /-/package/:pkg/collaborators`: who may use a package the caller may read (an org's: a member), and how. */
  collaborators(actor: Actor | null, pkg: string): Record<string, ShortPermission> {
    checkPackageName(pkg);
    const org = this.access.packageAccess(actor, pkg, 'read');
    const out: Record<string, ShortPermission> = {};
    if (org === null) {
      const rec = this.state.get('packages', pkg);
      if (!rec) throw notFound(`Package ${pkg} not found.`);
      for (const m of rec.maintainers) out[m] = 'write';
      return out;
    }
    // the org's roster is for its members, even when the package is public
    if (!actor) throw new CoreError('unauthenticated', `Log in to see who has access to ${pkg}.`, { code: 'ENEEDAUTH' });
    this.requireMember(actor, org);
    for (const user of this.state.memberNames(org)) {
      const p = this.access.permission(org, user, pkg);
      if (p) out[user] = short(p);
    }
    return out;
  }

  /** `GET /-/package/:pkg/visibility` (npm) and `GET /-/package/:pkg/access` (pnpm). */
  visibility(actor: Actor | null, pkg: string): { public: boolean; access: 'public' | 'restricted'; mfa: PackageMfa } {
    checkPackageName(pkg);
    const org = this.access.packageAccess(actor, pkg, 'read');
    const s = this.access.settings(pkg);
    const access = org === null ? 'public' : (s?.access ?? 'restricted');
    return { public: access === 'public', access, mfa: s?.mfa ?? 'none' };
  }

  /** `PUT /-/team/:org/:team/package {package, permissions}` (`npm access grant`). Owners and admins. */
  async grant(actor: Actor, cred: Credentials, org: string, team: string, body: Record<string, unknown>): Promise<void> {
    const pkg = this.orgPackage(org, body.package);
    const permissions = body.permissions;
    if (typeof permissions !== 'string' || !PERMISSIONS.includes(permissions)) throw invalid('permissions must be read-only or read-write.');
    checkTeamName(team);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const by = actor.user.name;
    this.requireTeam(org, team);
    const ops: TypedOp[] = this.access.firstPublishOps(org, pkg, by);
    ops.push(
      { c: 'packageGrants', k: k3(org, team, pkg), v: { org, team, pkg, permissions: permissions as Permission, granted: this.state.iso(), by } },
      this.state.auditOp(org, by, 'package.grant', pkg, { team, permissions }),
    );
    await this.state.commit(ops);
  }

  /** `DELETE /-/team/:org/:team/package {package}` (`npm access revoke`). Owners and admins. */
  async revoke(actor: Actor, cred: Credentials, org: string, team: string, body: Record<string, unknown>): Promise<void> {
    const pkg = this.orgPackage(org, body.package);
    checkTeamName(team);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const by = actor.user.name;
    this.requireTeam(org, team);
    if (!this.access.grantsOn(org, pkg).has(team)) throw notFound(`Team ${org}:${team} has no access to ${pkg}.`);
    const ops: TypedOp[] = this.access.firstPublishOps(org, pkg, by);
    ops.push({ c: 'packageGrants', k: k3(org, team, pkg), v: null }, this.state.auditOp(org, by, 'package.revoke', pkg, { team }));
    await this.state.commit(ops);
  }

  /**
   * `POST /-/package/:pkg/access`: `{access: public|restricted}` (`npm access set status=…`) and
   * `{publish_requires_tfa, automation_token_overrides_tfa}` (`npm access set mfa=…`). An org's
   * package: its owners and admins; another package of this registry: its maintainers.
   */
  async setAccess(actor: Actor, cred: Credentials, pkg: string, body: Record<string, unknown>): Promise<PackageSettingsRec> {
    checkPackageName(pkg);
    const change = settingsChange(body);
    const org = this.state.packageOrg(pkg);
    if (org === null && change.access === 'restricted') throw invalid(`Only packages in an org's scope can be restricted on this registry; ${pkg} is public.`);
    const check = (a: Actor) => {
      if (org !== null) return;
      const rec = this.state.get('packages', pkg);
      if (!rec) throw notFound(`Package ${pkg} not found.`);
      this.access.packageWrite(a, pkg, rec.maintainers);
    };
    let by = actor.user.name;
    if (org !== null) await this.governance(actor, cred, org, ['owner', 'admin']);
    else {
      check(actor);
      const a = await this.auth.otpGate(actor, cred, 'auth');
      check(a);
      by = a.user.name;
    }
    const ops: TypedOp[] = org !== null && !this.access.settings(pkg) ? [this.access.defaultGrantOp(org, pkg, by)] : [];
    const before = this.access.settings(pkg) ?? { access: org === null ? 'public' : 'restricted', mfa: 'none', updated: '' };
    const next: PackageSettingsRec = { access: change.access ?? before.access, mfa: change.mfa ?? before.mfa, updated: this.state.iso() };
    ops.push({ c: 'packageSettings', k: pkg, v: next });
    if (org !== null) ops.push(this.state.auditOp(org, by, 'package.access', pkg, { ...change }));
    await this.state.commit(ops);
    return next;
  }

  /** The package named in a grant body, which must be in `org`'s scope. */
  private orgPackage(org: string, pkg: unknown): string {
    if (pkg === undefined) throw invalid('package is required.');
    checkPackageName(pkg);
    if (!pkg.startsWith(`@${org}/`)) throw invalid(`${pkg} is not a package of org ${org}: teams of ${org} get access to @${org}/… packages only.`);
    return pkg;
  }
}

/** The change a `POST /-/package/:pkg/access` body asks for. */
function settingsChange(body: Record<string, unknown>): { access?: 'public' | 'restricted'; mfa?: PackageMfa } {
  const out: { access?: 'public' | 'restricted'; mfa?: PackageMfa } = {};
  if (body.access !== undefined) {
    if (body.access !== 'public' && body.access !== 'restricted') throw invalid('access must be public or restricted.');
    out.access = body.access;
  }
  const req = body.publish_requires_tfa;
  const auto = body.automation_token_overrides_tfa;
  if (req !== undefined || auto !== undefined) {
    if (typeof req !== 'boolean') throw invalid('publish_requires_tfa must be true or false.');
    if (auto !== undefined && typeof auto !== 'boolean') throw invalid('automation_token_overrides_tfa must be true or false.');
    // pnpm 12 sends only publish_requires_tfa, for mfa=publish and mfa=automation alike: the stricter.
    out.mfa = !req ? 'none' : auto === true ? 'automation' : 'publish';
  }
  if (out.access === undefined && out.mfa === undefined) throw invalid('Nothing to change: send access (public or restricted) or publish_requires_tfa.');
  return out;
}
