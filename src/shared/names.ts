/**
 * Name rules for users, orgs and teams, checked in one place and used by the CLI and the server.
 *
 * They follow npm's rules for user names and scopes: lowercase letters, digits, `-`, `_` and `.`,
 * starting with a letter or digit, at most 214 characters for users and orgs (npm's package-name
 * limit) and 100 for teams. Anything else (upper case, `..`, `/`, `%`, `@`, `:`, spaces, NUL,
 * non-ASCII) is refused before it reaches a route or the store.
 */
const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

export type NameKind = 'user' | 'org' | 'team';

const LIMITS: Record<NameKind, number> = { user: 214, org: 214, team: 100 };

/** Returns null when `name` is valid for `kind`, else a one-line reason. */
export function nameProblem(kind: NameKind, name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return `${kind} name is required`;
  if (name.length > LIMITS[kind]) return `${kind} name is longer than ${LIMITS[kind]} characters`;
  if (!NAME_RE.test(name)) {
    return `invalid ${kind} name ${JSON.stringify(name.length > 60 ? name.slice(0, 60) + '…' : name)}: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit`;
  }
  if (name.includes('..')) return `invalid ${kind} name ${JSON.stringify(name)}: '..' is not allowed`;
  return null;
}


export const ROLES = ['developer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** npm's older role names, accepted by the registry as aliases. */
export function normalizeRole(v: unknown): Role | null {
  if (v === 'team-admin') return 'admin';
  if (v === 'super-admin') return 'owner';
  return isRole(v) ? v : null;
}

/** Whether `v` looks like an email address (one `@`, no spaces): the one rule for accounts, profiles and seeds. */
export function isEmailAddress(v: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(v);
}

/** "a developer", "an admin", "an owner": the role with its article. */
export function withArticle(role: string): string {
  return `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
}

/**
 * A one-time password or recovery code as typed (spaces allowed, as npm allows them): the code
 * without spaces, or null when it cannot be one (6 to 8 digits, or a recovery code of 8 to 64
 * letters, digits and dashes). The CLI's `--otp` flag and its OTP prompt both use this rule.
 */
export function normalizeOtp(v: string): string | null {
  const s = v.replace(/\s+/g, '');
  return /^\d{6,8}$/.test(s) || /^[A-Za-z0-9-]{8,64}$/.test(s) ? s : null;
}

export const TFA_MODES = ['auth-only', 'auth-and-writes'] as const;
export type TfaMode = (typeof TFA_MODES)[number];
export function isTfaMode(v: unknown): v is TfaMode {
  return typeof v === 'string' && (TFA_MODES as readonly string[]).includes(v);
}

/**
 * Who may create an account by signing up (`registry serve --signup`, the Verdaccio plugin's
 * `signup:`): anyone (`open`), nobody (`closed`: accounts come from operators), or only a name
 * with a pending invitation (`invite`).
 */
export const SIGNUP_POLICIES = ['open', 'closed', 'invite'] as const;
export type SignupPolicy = (typeof SIGNUP_POLICIES)[number];
export function isSignupPolicy(v: unknown): v is SignupPolicy {
  return typeof v === 'string' && (SIGNUP_POLICIES as readonly string[]).includes(v);
}

/** A security key's label (`profile security-keys rm <name>` takes it): 1 to 64 characters, no control characters. Null when fine. */
export function keyNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'a key name must be a non-empty label, e.g. "yubikey"';
  if (name.trim().length > 64) return 'a key name must be at most 64 characters';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'a key name must not contain control characters';
  return null;
}
