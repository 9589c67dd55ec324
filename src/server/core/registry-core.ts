import type { Role } from '../../shared/names.js';
import type { Op, Store } from '../store/store.js';
import { MemoryTarballs, type TarballStore } from '../store/tarballs.js';
import type { CoreOptions } from './core-options.js';
import { Accounts } from './accounts.js';
import { Admin } from './admin.js';
import { Auth } from './auth.js';
import { Invitations } from './invitations.js';
import { OrgLifecycle } from './org-lifecycle.js';
import { OrgTfa } from './org-tfa.js';
import { TfaSchedules } from './org-tfa-schedule.js';
import { Orgs } from './orgs.js';
import { MailQueue, realTimers, type Timers } from './mail-queue.js';
import { MemoryMailer, type Mailer } from './outbox.js';
import { PackageAccess } from './package-access.js';
import { PackageGrants } from './package-grants.js';
import { PackageStore } from './package-store.js';
import type { PasswordPool } from './password-pool.js';
import { Profiles } from './profile.js';
import type { TypedOp } from './schema.js';
import { CoreState, tfaOn } from './state.js';
import { Teams } from './teams.js';
import { Tokens } from './tokens.js';
import { UserImport } from './user-import.js';
import type { OrgRec, UserRec } from './types.js';
import { WebLogin } from './web-login.js';
import { WebAuthn } from './webauthn.js';

export { INVITATION_DAYS, REMOVAL_RECORD_DAYS } from './org-common.js';
export { RECOVERY_CODES, type Profile } from './profile.js';
export type { InvitationView } from './invitations.js';
export type { TokenView } from './tokens.js';
export type { CreateOrgOptions, OrgCreated, OrgDeleted } from './org-lifecycle.js';

export type { CoreOptions } from './core-options.js';

/**
 * The registry's rules: users, tokens, 2FA, OTP checks, orgs, memberships, teams, invitations, packages.
 * No HTTP here: methods take credentials and plain values, return plain values, and throw
 * CoreError. Every change is one store transaction, applied in the same tick as its checks (so no
 * concurrent request can slip between check and change) and awaited until durable.
 *
 * This class is a facade: it builds the state (state.ts, the only thing that commits), the
 * authentication rules (auth.ts) and one module per domain, and keeps the API the HTTP layer
 * (http/routes.ts) and the Verdaccio plugin call. The domain modules are public too: a new
 * endpoint calls its module directly (`core.teams.x(...)`) and needs no line here.
 * docs/architecture.md describes the layers.
 */
export class RegistryCore {
  readonly store: Store;
  readonly now: () => number;
  readonly mailer: Mailer;
  readonly tarballs: TarballStore;
  readonly passwords: PasswordPool;
  /** not public: everything that changes state goes through a domain module's checks */
  private readonly state: CoreState;
  readonly auth: Auth;
  readonly accounts: Accounts;
  readonly webLogin: WebLogin;
  readonly webauthn: WebAuthn;
  readonly tokens: Tokens;
  readonly profiles: Profiles;
  readonly orgs: Orgs;
  /** org creation (`orgLifecycle.createOrg(owner, org, opts)`, the one rule) and deletion */
  readonly orgLifecycle: OrgLifecycle;
  readonly teams: Teams;
  readonly orgTfa: OrgTfa;
  readonly invitations: Invitations;
  readonly access: PackageAccess;
  /** npm's package access surface: team grants, package lists, collaborators, visibility and 2FA setting */
  readonly grants: PackageGrants;
  readonly packages: PackageStore;
  /** operator actions (`registry users|orgs …`): reached only through the data folder, never HTTP routes */
  readonly admin: Admin;
  readonly imports: UserImport;
  /** the outbox's delivery: passes, retries, `registry mail ls/retry` */
  readonly mail: MailQueue;
  /** 2FA requirements scheduled for a deadline; a server awaits `tfaSchedule.start(core.timers)` before it serves */
  readonly tfaSchedule: TfaSchedules;
  /** timers on the core's clock (mail retries, 2FA deadlines) */
  readonly timers: Timers;

  constructor(opts: CoreOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.mailer = opts.mailer ?? new MemoryMailer();
    this.tarballs = opts.tarballs ?? new MemoryTarballs();
    const state = (this.state = new CoreState(this.store, this.now, this.tarballs, opts.signup ?? 'open'));
    this.timers = opts.timers ?? realTimers(this.now);
    this.mail = new MailQueue(state, this.mailer, this.timers, opts.mailRetry, opts.mailLog);
    const auth = (this.auth = new Auth(state, opts.throttle, opts.passwords));
    this.passwords = auth.passwords;
    this.accounts = new Accounts(state, auth);
    this.webLogin = new WebLogin(state, this.accounts);
    this.webauthn = new WebAuthn(state, auth, opts.publicUrl);
    this.tokens = new Tokens(state, auth);
    this.profiles = new Profiles(state, auth);
    this.orgs = new Orgs(state, auth);
    this.orgLifecycle = new OrgLifecycle(state, auth);
    this.teams = new Teams(state, auth);
    this.orgTfa = new OrgTfa(state, auth);
    this.tfaSchedule = new TfaSchedules(state, auth);
    this.invitations = new Invitations(state, auth);
    this.access = new PackageAccess(state, auth);
    this.grants = new PackageGrants(state, auth, this.access);
    this.packages = new PackageStore(state, auth, this.access);
    this.admin = new Admin(state, auth, this.orgLifecycle);
    this.imports = new UserImport(state);
  }

  // ---------------------------------------------------------------- lookups and state

  user(name: string): UserRec | undefined { return this.state.user(name); }
  org(name: string): OrgRec | undefined { return this.state.org(name); }
  roleIn(org: string, user: string): Role | undefined { return this.state.roleIn(org, user); }

  /** Members of `org` (name → role), or undefined if no such org. Read-only view. */
  members(org: string): ReadonlyMap<string, Role> | undefined {
    return this.state.members(org);
  }

  orgsOf(user: string): string[] { return this.state.orgsOf(user); }

  teamsOf(org: string, user: string): string[] { return this.state.teamsOf(org, user); }

  static tfaOn(u: UserRec): boolean {
    return tfaOn(u);
  }

  /**
   * Delivers the queued notifications that are due (mail-queue.ts). Call at start-up too: messages
   * left by a crash or waiting for a retry are delivered then.
   */
  flushOutbox(): Promise<void> {
    return this.mail.flush();
  }

  /** Resolves once the delivery pass under way is over. */
  outboxIdle(): Promise<void> {
    return this.mail.idle();
  }

  /** Applies a validated seed as one transaction (see seed.ts). */
  async applySeedOps(ops: Op[]): Promise<void> {
    await this.state.commit(ops as TypedOp[]); // seed.ts builds them from a validated seed
  }

  // ---------------------------------------------------------------- authentication and OTP

  authenticate(...a: Parameters<Auth['authenticate']>): ReturnType<Auth['authenticate']> {
    return this.auth.authenticate(...a);
  }

  requireActor(...a: Parameters<Auth['requireActor']>): ReturnType<Auth['requireActor']> {
    return this.auth.requireActor(...a);
  }

  otpGate(...a: Parameters<Auth['otpGate']>): ReturnType<Auth['otpGate']> {
    return this.auth.otpGate(...a);
  }

  // ---------------------------------------------------------------- accounts and login

  whoami(...a: Parameters<Accounts['whoami']>): ReturnType<Accounts['whoami']> {
    return this.accounts.whoami(...a);
  }

  legacyLogin(...a: Parameters<Accounts['legacyLogin']>): ReturnType<Accounts['legacyLogin']> {
    return this.accounts.legacyLogin(...a);
  }

  // ---------------------------------------------------------------- web login

  startWebLogin(...a: Parameters<WebLogin['startWebLogin']>): ReturnType<WebLogin['startWebLogin']> {
    return this.webLogin.startWebLogin(...a);
  }

  webLoginPending(...a: Parameters<WebLogin['webLoginPending']>): ReturnType<WebLogin['webLoginPending']> {
    return this.webLogin.webLoginPending(...a);
  }

  completeWebLogin(...a: Parameters<WebLogin['completeWebLogin']>): ReturnType<WebLogin['completeWebLogin']> {
    return this.webLogin.completeWebLogin(...a);
  }

  pollWebLogin(...a: Parameters<WebLogin['pollWebLogin']>): ReturnType<WebLogin['pollWebLogin']> {
    return this.webLogin.pollWebLogin(...a);
  }

  // ---------------------------------------------------------------- tokens

  revokeTokenValue(...a: Parameters<Tokens['revokeTokenValue']>): ReturnType<Tokens['revokeTokenValue']> {
    return this.tokens.revokeTokenValue(...a);
  }

  listTokens(...a: Parameters<Tokens['listTokens']>): ReturnType<Tokens['listTokens']> {
    return this.tokens.listTokens(...a);
  }

  createToken(...a: Parameters<Tokens['createToken']>): ReturnType<Tokens['createToken']> {
    return this.tokens.createToken(...a);
  }

  deleteToken(...a: Parameters<Tokens['deleteToken']>): ReturnType<Tokens['deleteToken']> {
    return this.tokens.deleteToken(...a);
  }

  // ---------------------------------------------------------------- profile and 2FA

  profile(...a: Parameters<Profiles['profile']>): ReturnType<Profiles['profile']> {
    return this.profiles.profile(...a);
  }

  updateProfile(...a: Parameters<Profiles['updateProfile']>): ReturnType<Profiles['updateProfile']> {
    return this.profiles.updateProfile(...a);
  }

  // ---------------------------------------------------------------- orgs and members

  rosterJson(...a: Parameters<Orgs['rosterJson']>): ReturnType<Orgs['rosterJson']> {
    return this.orgs.rosterJson(...a);
  }

  setMember(...a: Parameters<Orgs['setMember']>): ReturnType<Orgs['setMember']> {
    return this.orgs.setMember(...a);
  }

  removeMember(...a: Parameters<Orgs['removeMember']>): ReturnType<Orgs['removeMember']> {
    return this.orgs.removeMember(...a);
  }

  detailedMembers(...a: Parameters<Orgs['detailedMembers']>): ReturnType<Orgs['detailedMembers']> {
    return this.orgs.detailedMembers(...a);
  }

  // ---------------------------------------------------------------- teams

  listTeams(...a: Parameters<Teams['listTeams']>): ReturnType<Teams['listTeams']> {
    return this.teams.listTeams(...a);
  }

  teamMembers(...a: Parameters<Teams['teamMembers']>): ReturnType<Teams['teamMembers']> {
    return this.teams.teamMembers(...a);
  }

  createTeam(...a: Parameters<Teams['createTeam']>): ReturnType<Teams['createTeam']> {
    return this.teams.createTeam(...a);
  }

  destroyTeam(...a: Parameters<Teams['destroyTeam']>): ReturnType<Teams['destroyTeam']> {
    return this.teams.destroyTeam(...a);
  }

  addTeamMember(...a: Parameters<Teams['addTeamMember']>): ReturnType<Teams['addTeamMember']> {
    return this.teams.addTeamMember(...a);
  }

  removeTeamMember(...a: Parameters<Teams['removeTeamMember']>): ReturnType<Teams['removeTeamMember']> {
    return this.teams.removeTeamMember(...a);
  }

  // ---------------------------------------------------------------- org 2FA policy

  tfaStatus(...a: Parameters<OrgTfa['tfaStatus']>): ReturnType<OrgTfa['tfaStatus']> {
    return this.orgTfa.tfaStatus(...a);
  }

  tfaPreview(...a: Parameters<OrgTfa['tfaPreview']>): ReturnType<OrgTfa['tfaPreview']> {
    return this.orgTfa.tfaPreview(...a);
  }

  requireTfa(...a: Parameters<OrgTfa['requireTfa']>): ReturnType<OrgTfa['requireTfa']> {
    return this.orgTfa.requireTfa(...a);
  }

  liftTfa(...a: Parameters<OrgTfa['liftTfa']>): ReturnType<OrgTfa['liftTfa']> {
    return this.orgTfa.liftTfa(...a);
  }

  remindTfa(...a: Parameters<OrgTfa['remindTfa']>): ReturnType<OrgTfa['remindTfa']> {
    return this.orgTfa.remindTfa(...a);
  }

  removals(...a: Parameters<OrgTfa['removals']>): ReturnType<OrgTfa['removals']> {
    return this.orgTfa.removals(...a);
  }

  audit(...a: Parameters<OrgTfa['audit']>): ReturnType<OrgTfa['audit']> {
    return this.orgTfa.audit(...a);
  }

  // ---------------------------------------------------------------- invitations

  invite(...a: Parameters<Invitations['invite']>): ReturnType<Invitations['invite']> {
    return this.invitations.invite(...a);
  }

  orgInvitations(...a: Parameters<Invitations['orgInvitations']>): ReturnType<Invitations['orgInvitations']> {
    return this.invitations.orgInvitations(...a);
  }

  revokeInvitation(...a: Parameters<Invitations['revokeInvitation']>): ReturnType<Invitations['revokeInvitation']> {
    return this.invitations.revokeInvitation(...a);
  }

  myInvitations(...a: Parameters<Invitations['myInvitations']>): ReturnType<Invitations['myInvitations']> {
    return this.invitations.myInvitations(...a);
  }

  acceptInvitation(...a: Parameters<Invitations['acceptInvitation']>): ReturnType<Invitations['acceptInvitation']> {
    return this.invitations.acceptInvitation(...a);
  }

  declineInvitation(...a: Parameters<Invitations['declineInvitation']>): ReturnType<Invitations['declineInvitation']> {
    return this.invitations.declineInvitation(...a);
  }

  // ---------------------------------------------------------------- package access (this registry and hosts such as Verdaccio)

  packageAccess(...a: Parameters<PackageAccess['packageAccess']>): ReturnType<PackageAccess['packageAccess']> {
    return this.access.packageAccess(...a);
  }

  packageWrite(...a: Parameters<PackageAccess['packageWrite']>): ReturnType<PackageAccess['packageWrite']> {
    return this.access.packageWrite(...a);
  }

  /** A package write a host (Verdaccio) has carried out: its audit event, for an org's package. */
  packageAudit(...a: Parameters<PackageStore['recordHostWrite']>): ReturnType<PackageStore['recordHostWrite']> {
    return this.packages.recordHostWrite(...a);
  }

  // ---------------------------------------------------------------- packages served by this registry

  distTags(...a: Parameters<PackageStore['distTags']>): ReturnType<PackageStore['distTags']> {
    return this.packages.distTags(...a);
  }

  tarball(...a: Parameters<PackageStore['tarball']>): ReturnType<PackageStore['tarball']> {
    return this.packages.tarball(...a);
  }

  publish(...a: Parameters<PackageStore['publish']>): ReturnType<PackageStore['publish']> {
    return this.packages.publish(...a);
  }

  setDistTag(...a: Parameters<PackageStore['setDistTag']>): ReturnType<PackageStore['setDistTag']> {
    return this.packages.setDistTag(...a);
  }

  removeDistTag(...a: Parameters<PackageStore['removeDistTag']>): ReturnType<PackageStore['removeDistTag']> {
    return this.packages.removeDistTag(...a);
  }

  unpublishVersions(...a: Parameters<PackageStore['unpublishVersions']>): ReturnType<PackageStore['unpublishVersions']> {
    return this.packages.unpublishVersions(...a);
  }

  unpublishTarball(...a: Parameters<PackageStore['unpublishTarball']>): ReturnType<PackageStore['unpublishTarball']> {
    return this.packages.unpublishTarball(...a);
  }

  unpublishPackage(...a: Parameters<PackageStore['unpublishPackage']>): ReturnType<PackageStore['unpublishPackage']> {
    return this.packages.unpublishPackage(...a);
  }
}
