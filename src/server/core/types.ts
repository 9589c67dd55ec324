import type { Role, TfaMode } from '../../shared/names.js';

/** Records as stored. Keys: users by name, tokens by key, members by `org:user`, etc. */

export interface TfaRec {
  mode: TfaMode;
  /** true between enrolment and the first valid code */
  pending: boolean;
  /** base32 TOTP secret; null when the second factor is security keys only (`UserRec.keys`) */
  secret: string | null;
  /** recoveryCodeHash of each unused recovery code (sha256 hex of its normalized form) */
  recovery: string[];
  /**
   * A TOTP secret being added beside security keys (`secret` null, keys present): the record stays
   * on meanwhile; the first valid code from it makes it `secret`.
   */
  pendingSecret?: string;
}

/** A registered security key (WebAuthn credential). */
export interface KeyRec {
  /** the credential id, base64url */
  id: string;
  /** the COSE public key, base64url */
  publicKey: string;
  /** the signature counter last seen (0 for authenticators that keep none) */
  counter: number;
  transports: string[];
  /** the user's label, unique per user */
  name: string;
  created: string;
  lastUsed: string | null;
}

export interface UserRec {
  name: string;
  email: string | null;
  emailVerified: boolean;
  /** scrypt hash, or null: the account cannot log in by password */
  password: string | null;
  created: string;
  updated: string;
  tfa: TfaRec | null;
  /**
   * Security keys (WebAuthn credentials), a second factor like TOTP. Whenever there is one, `tfa`
   * is on (not pending): it holds the mode and the recovery codes (`secret` null for keys only).
   */
  keys?: KeyRec[];
  /** set by an operator (`orgctl registry users disable`): no token or password of the account is accepted */
  disabled?: boolean;
  fullname?: string | null;
  homepage?: string | null;
  freenode?: string | null;
  twitter?: string | null;
  github?: string | null;
}

export type OrgsPermission = 'read-write' | 'read-only' | 'no-access';

export interface TokenRec {
  /** hex sha512 of the token (npm's `key`) */
  key: string;
  user: string;
  /** redacted display form, e.g. `npm_Ab12…` */
  redacted: string;
  created: string;
  updated: string;
  readonly: boolean;
  cidr: string[] | null;
  name: string | null;
  description: string | null;
  /** ISO time after which the token is refused, or null */
  expires: string | null;
  /** v11 granular limits: orgs the token may act on (null: all) and how */
  orgs: string[] | null;
  orgsPermission: OrgsPermission | null;
  /**
   * v11 granular limits on packages: the permission (null: as the token's `readonly` says) and
   * the packages and scopes it covers (both null: every package). Absent in stores from before.
   */
  packagesPermission?: OrgsPermission | null;
  packages?: string[] | null;
  scopes?: string[] | null;
  /** issued by a login rather than `token create` */
  session: boolean;
}

export interface OrgRec {
  name: string;
  created: string;
  requireTfa: boolean;
  tfaRequiredSince: string | null;
  /**
   * The id of this org's `org.create` event: its audit log starts there, so an org created with
   * the name of a deleted one does not show the old org's events. Absent for seeded orgs.
   */
  auditFrom?: number;
}

/**
 * A scheduled 2FA requirement (`tfaSchedules`, by org): members without 2FA are warned now,
 * reminded 72 h and 24 h before `at`, and removed at `at` by the registry itself (org-tfa-schedule.ts).
 * Deleted in the same commit as the enforcement or the cancellation.
 */
export interface TfaScheduleRec {
  org: string;
  /** the deadline (ISO) */
  at: string;
  /** the owner who scheduled it: the actor of the enforcement */
  by: string;
  created: string;
  /** re-checked at the deadline: more removals hold the schedule (nothing removed) */
  maxRemovals: number | null;
  state: 'pending' | 'held';
  /** reminders already sent (or skipped because a later one was due), e.g. `72h` */
  reminders: string[];
  /** held: why, since when, how many would have been removed */
  heldReason?: string | null;
  heldAt?: string | null;
  wouldRemove?: number | null;
}

export interface MemberRec {
  role: Role;
  joined: string;
}

export interface TeamRec {
  description: string | null;
  created: string;
}

export interface InvitationRec {
  org: string;
  user: string;
  role: Role;
  teams: string[];
  created: string;
  expires: string;
  by: string;
  reinstate: boolean;
}

export interface RemovalRec {
  org: string;
  user: string;
  role: Role;
  teams: string[];
  removedAt: string;
  by: string;
  reason: string;
  expires: string;
}

export interface OtpUse {
  step: number;
  /** token key that used it, or null for a password credential */
  tok: string | null;
  /** ms epoch after which the code cannot be accepted anyway */
  until: number;
}

export interface AuditEvent {
  id: number;
  time: string;
  org: string | null;
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/** What a request brings, already taken out of HTTP. */
export interface Credentials {
  bearer?: string;
  basic?: { user: string; password: string };
  otp?: string;
  /** client IP address (for token CIDR limits) */
  ip: string;
}

export interface Actor {
  user: UserRec;
  token: TokenRec | null;
  via: 'token' | 'password';
  /** an OTP was already checked for this request (Basic credentials of a 2FA user) */
  otpChecked?: boolean;
  /** the password hash a Basic credential was checked against; a change since makes it stale */
  password?: string | null;
}

/** A package (`packages`, by name): who maintains it, its tags, and its revision. */
export interface PackageRec {
  name: string;
  /** users who may publish (for an org's scope: every current member may, whatever this says) */
  maintainers: string[];
  distTags: Record<string, string>;
  /** bumped by every change; shown as `_rev` and checked by unpublish */
  rev: number;
  created: string;
  modified: string;
}

/** One published version (`packageVersions`, by `name@version`). */
export interface PackageVersionRec {
  name: string;
  version: string;
  /** the version's manifest as published, without `dist` */
  manifest: Record<string, unknown>;
  shasum: string;
  integrity: string;
  /** tarball store key: hex SHA-512 of the tarball */
  blob: string;
  size: number;
  publishedBy: string;
  published: string;
}

/** npm's team permission on a package (`npm access grant`). */
export type Permission = 'read-only' | 'read-write';

/** A team's grant on a package of its org (`packageGrants`, by `org:team:pkg`). */
export interface GrantRec {
  org: string;
  team: string;
  pkg: string;
  permissions: Permission;
  granted: string;
  by: string;
}

/**
 * The maintainers of a package a host stores itself (Verdaccio), once changed with `npm owner
 * add|rm` (`hostMaintainers`, by package name); until then the host's own record stands.
 */
export interface HostMaintainersRec {
  names: string[];
  updated: string;
}

/** Package 2FA setting (`npm access set mfa=…`). */
export type PackageMfa = 'none' | 'publish' | 'automation';

/**
 * A package's access settings (`packageSettings`, by package name). For an org's package its
 * presence means the grants are explicit: without it the package has npm's default grant
 * (the developers team read-write), as packages published before grants existed do.
 */
export interface PackageSettingsRec {
  access: 'public' | 'restricted';
  mfa: PackageMfa;
  updated: string;
}
