import type { Auth } from './auth.js';
import { CoreError, forbidden } from './errors.js';
import type { CoreState } from './state.js';
import type { Actor } from './types.js';

/**
 * Who may read and write a package: the rules shared by this registry's packages and by hosts that
 * keep packages themselves (the Verdaccio plugin).
 */
export class PackageAccess {
  constructor(
    private readonly state: CoreState,
    private readonly auth: Auth,
  ) {}

  /**
   * May `actor` (null: anonymous) read or write (publish, unpublish, tag) the package `pkg`? The
   * packages of a known org's scope are for its current members only, decided from the live store,
   * so a removal takes effect at once, for tokens issued before it too. A read-only token writes
   * nothing. Throws CoreError; returns the org, or null when the scope is not an org (the host
   * registry's own rules then decide). The OTP for writes is `otpGate(actor, cred, 'write')`.
   */
  packageAccess(actor: Actor | null, pkg: string, want: 'read' | 'write'): string | null {
    if (actor && !this.auth.tokenMayUsePackage(actor, pkg, want)) actor = null; // a read outside the token's packages: as anonymous
    if (want === 'write' && actor) this.auth.tokenMayWrite(actor);
    const org = this.state.packageOrg(pkg);
    if (org === null) return null;
    if (!actor) throw new CoreError('unauthenticated', `Log in to use the packages of org ${org}.`, { code: 'ENEEDAUTH' });
    if (this.state.roleIn(org, actor.user.name) === undefined) throw forbidden(`${actor.user.name} is not a member of org ${org}.`);
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
}
