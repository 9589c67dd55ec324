import { CliError } from '../../errors.js';
import type { Role } from '../../shared/names.js';
import type { InvitationView } from '../../server/core/registry-core.js';

/**
 * The registry's invitation endpoints (orgctl extensions, docs/registry-api.md): wire types and
 * the invitee-side paths. The org side uses `paths.ext(org, 'invitations')` of ../org/api.ts.
 * Run functions map these wire shapes to the `--json` shapes of docs/invitations.md.
 */

/** An invitation as the registry sends it (the reference registry's own type; erased at build). */
export type InvitationWire = InvitationView;

/** One item of an invite batch; `reinstate` takes role and teams from the user's removal record. */
export interface InviteItem {
  user: string;
  role?: Role;
  teams?: string[];
  reinstate?: boolean;
}

/** `POST …/orgs/:org/invitations`: one request for the whole batch (up to 10,000 users). */
export type InviteRequest = { invitations: InviteItem[] } | { reinstateAll: true };

export interface InviteResultWire {
  org: string;
  invited: InvitationWire[];
  failed: { user: string; error: string; code: string }[];
}

export interface AcceptWire {
  org: string;
  role: Role;
  teams: string[];
}

const enc = encodeURIComponent;
export const invitePaths = {
  /** The caller's pending invitations. */
  mine: '-/orgctl/v1/invitations',
  accept: (org: string) => `-/orgctl/v1/invitations/${enc(org)}/accept`,
  decline: (org: string) => `-/orgctl/v1/invitations/${enc(org)}/decline`,
};

/** A list answer, checked: anything else (a proxy page, an old registry) is an error. */
export function expectList<T>(body: unknown, what: string): T[] {
  if (!Array.isArray(body)) throw new CliError(`the registry did not answer with a list of ${what}.`);
  return body as T[];
}
