import type { Op } from '../store/store.js';
import type { OutboxMessage } from './outbox.js';
import type {
  AuditEvent,
  GrantRec,
  HostMaintainersRec,
  InvitationRec,
  MemberRec,
  OrgRec,
  OtpUse,
  PackageRec,
  PackageSettingsRec,
  PackageVersionRec,
  RemovalRec,
  TeamRec,
  TfaScheduleRec,
  TokenRec,
  UserRec,
} from './types.js';

/**
 * The store's schema: every collection the core keeps, its key and its record type. The only
 * place that names collections; reads (`CoreState.get/all/has`) and writes (`TypedOp`) are typed
 * by it, so a misspelt collection or a wrong record is a compile error.
 */
export interface Collections {
  /** by user name */
  users: UserRec;
  /** by token key (hex sha512 of the token) */
  tokens: TokenRec;
  /** by org name */
  orgs: OrgRec;
  /** by `org:user` */
  members: MemberRec;
  /** by `org:team` (the `developers` team is implicit and never stored) */
  teams: TeamRec;
  /** by `org:team:user` */
  teamMembers: TeamMemberRec;
  /** by `org:user`: pending (and expired, until revoked) invitations */
  invitations: InvitationRec;
  /** by `org:user`: who was removed, with role and teams, for reinstatement */
  removals: RemovalRec;
  /** by user name: TOTP steps recently used, so a code works once */
  otpUses: OtpUse[];
  /** by the event id padded to 12 digits, so keys sort in order */
  audit: AuditEvent;
  /** by message id: notifications not yet delivered */
  outbox: OutboxMessage;
  /** by org name: a 2FA requirement scheduled for a deadline (pending or held) */
  tfaSchedules: TfaScheduleRec;
  /** by package name */
  packages: PackageRec;
  /** by `name@version` */
  packageVersions: PackageVersionRec;
  /** by `org:team:pkg`: a team's read-only or read-write grant on a package of its org */
  packageGrants: GrantRec;
  /** by package name: visibility and 2FA setting; for an org's package, that its grants are explicit */
  packageSettings: PackageSettingsRec;
  /** by package name: the maintainers set with `npm owner` for a package a host (Verdaccio) stores */
  hostMaintainers: HostMaintainersRec;
}

export interface TeamMemberRec {
  added: string;
}

export type CollectionName = keyof Collections;

/** A store op on a known collection with a record of its type (`null` deletes). */
export type TypedOp = { [C in CollectionName]: { c: C; k: string; v: Collections[C] | null } }[CollectionName];

/** `TypedOp[]` as the store takes it. */
export function storeOps(ops: readonly TypedOp[]): Op[] {
  return ops as Op[];
}

export const k2 = (a: string, b: string): string => `${a}:${b}`;
export const k3 = (a: string, b: string, c: string): string => `${a}:${b}:${c}`;
