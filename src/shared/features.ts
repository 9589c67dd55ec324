/**
 * orgctl's registry extensions, as the discovery endpoint `GET /-/orgctl/v1/` names them
 * (docs/registry-api.md "Discovery"). A registry answers `{ orgctl: <version>, features: [...] }`;
 * a feature added later adds a name here, and clients ignore names they do not know.
 */
export const FEATURES = [
  /** the detailed roster (`…/members`, with 2FA state) and the org 2FA policy (`…/tfa`) */
  'orgTfa',
  /** invitations: `…/orgs/:org/invitations`, `/-/orgctl/v1/invitations` */
  'invitations',
  /** the org audit log: `…/orgs/:org/audit` */
  'audit',
  /** removal records and reinstatement: `…/orgs/:org/removals`, `--reinstate` */
  'removals',
  /** creating and deleting orgs: `PUT`/`DELETE /-/orgctl/v1/orgs/:org` */
  'orgLifecycle',
  /** a 2FA requirement scheduled for a deadline: `…/orgs/:org/tfa/schedule`, `/-/orgctl/v1/tfa-deadlines` */
  'tfaSchedule',
] as const;

export type Feature = (typeof FEATURES)[number];

/** The discovery endpoint's path, relative to the registry URL. */
export const DISCOVERY_PATH = '-/orgctl/v1/';

/** The discovery endpoint's answer. */
export interface Discovery {
  /** the extension's version (the orgctl package version) */
  orgctl: string;
  features: string[];
}
