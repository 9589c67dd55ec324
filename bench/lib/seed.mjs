// Generated seeds: users with tokens and no passwords (so no scrypt), orgs of any size, and a publish body.
import { createHash } from 'node:crypto';
import { OWNER_TOKEN } from './proc.mjs';
import { RUNS, WARMUP } from './common.mjs';

export const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const OWNER = 'owner';
export const INVITES = 1000;
const INVITE_ORGS = WARMUP + RUNS;
const pad = (n, w) => String(n).padStart(w, '0');
export const member = (i) => `m${pad(i, 5)}`;
export const invitee = (i) => `i${pad(i, 4)}`;

/** users: owner (2FA), `count` members m00000… (odd ones have 2FA), i0000..i0999 (for invitations) when asked. */
export function users(withInvitees, count = 9999) {
  const list = [{ name: OWNER, email: 'owner@example.com', token: OWNER_TOKEN, tfa: { mode: 'auth-and-writes', secret: SECRET } }];
  for (let i = 0; i < count; i++) list.push({ name: member(i), email: `${member(i)}@example.com`, ...(i % 2 === 1 ? { tfa: { mode: 'auth-only', secret: SECRET } } : {}) });
  if (withInvitees) for (let i = 0; i < INVITES; i++) list.push({ name: invitee(i), email: `${invitee(i)}@example.com` });
  return list;
}

/** An org of `size` members (the owner and size-1 others), with two teams. */
export function org(name, size) {
  const members = { [OWNER]: 'owner' };
  const web = [];
  const ops = [];
  for (let i = 0; i < size - 1; i++) {
    members[member(i)] = i % 50 === 0 ? 'admin' : 'developer';
    if (i % 10 === 0) web.push(member(i));
    if (i % 25 === 0) ops.push(member(i));
  }
  return { name, members, teams: { web, ops } };
}

export const READ_SEED = {
  users: users(true),
  orgs: [org('small', 100), org('mid', 1000), org('big', 10_000), ...Array.from({ length: INVITE_ORGS }, (_, i) => ({ name: `inv${i}`, members: { [OWNER]: 'owner' } }))],
};
// 10,000 members: the owner and 4,999 others with 2FA, 5,000 without.
export const ENFORCE_SEED = { users: users(false), orgs: [org('ent', 10_000)] };

/** `size` members: the owner, size/2 - 1 others with 2FA and size/2 without. */
export const scaleSeed = (size) => ({ users: users(false, size - 1), orgs: [org('scale', size)] });

/**
 * A publish body as npm sends it (libnpmpublish): the packument with one version and the tarball
 * as a base64 attachment. The "tarball" is any bytes; registries check only its hashes.
 */
export function publishBody(name, version) {
  const data = Buffer.from(`tarball of ${name}@${version}`);
  const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
  const shasum = createHash('sha1').update(data).digest('hex');
  return {
    _id: name,
    name,
    description: `the ${name} package`,
    'dist-tags': { latest: version },
    versions: {
      [version]: { name, version, description: `the ${name} package`, main: 'index.js', dist: { integrity, shasum, tarball: `http://example.invalid/${name}/-/${name}-${version}.tgz` } },
    },
    access: null,
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: data.toString('base64'), length: data.length } },
  };
}
