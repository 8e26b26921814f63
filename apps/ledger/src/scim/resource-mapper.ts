import type { Member } from '@ledger/domain';
import { createHash } from 'node:crypto';
import type { GroupRow, UserRow } from '@ledger/projections';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type ScimResource = Record<string, unknown> & { id: string };

type GroupOfUser = { groupId: string; displayName: string; direct?: boolean };

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * A user's ETag: its own version, and a digest of the groups it shows. Memberships live on the
 * groups' streams, so a membership change, a group rename or delete changes the representation
 * without changing the user's version; the digest makes the ETag follow (RFC 7644 §3.14).
 */
export function userEtagOf(version: number, groups: readonly GroupOfUser[]): string {
  if (groups.length === 0) return etagOf(version);
  const listed = groups.map((g) => `${g.groupId}\u0000${g.displayName}\u0000${g.direct === false ? 'i' : 'd'}`).sort().join('\u0001');
  return `W/"${version}.${createHash('sha256').update(listed, 'utf8').digest('hex').slice(0, 12)}"`;
}

/**
 * If-Match (RFC 9110): no header, `*`, or a listed tag (`W/"3"` or `"3"`, for a user also
 * `W/"3.<digest>"`) of the version. Writes are guarded by the resource's own version: groups
 * are read-only on a user, so a membership change since the client's read does not refuse them.
 */
export function etagMatches(header: string | undefined, version: number): boolean {
  if (!header) return true;
  return header.split(',').map((t) => t.trim()).some((tag) => tag === '*' || /^"(\d+)(?:\.[0-9a-f]+)?"$/.exec(tag.replace(/^W\//, ''))?.[1] === String(version));
}

/** If-None-Match (RFC 9110): whether the client's copy is current, weak comparison of whole tags. */
export function etagNoneMatchHit(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const current = etag.replace(/^W\//, '');
  return header.split(',').map((t) => t.trim()).some((tag) => tag === '*' || tag.replace(/^W\//, '') === current);
}

export interface UserShape {
  userId: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function userResource(user: UserShape | UserRow, baseUrl: string, groups: readonly GroupOfUser[] = []): ScimResource {
  const schemas = [USER_SCHEMA];
  for (const key of Object.keys(user.attributes)) if (key.startsWith('urn:')) schemas.push(key);
  const resource: ScimResource = { schemas, id: user.userId };
  if (user.externalId !== null) resource['externalId'] = user.externalId;
  resource['userName'] = user.userName;
  Object.assign(resource, user.attributes);
  resource['active'] = user.active;
  if (groups.length > 0) {
    resource['groups'] = groups.map((g) => ({ value: g.groupId, display: g.displayName, $ref: `${baseUrl}/Groups/${g.groupId}`, type: g.direct === false ? 'indirect' : 'direct' }));
  }
  resource['meta'] = {
    resourceType: 'User',
    created: user.createdAt,
    lastModified: user.updatedAt,
    location: `${baseUrl}/Users/${user.userId}`,
    version: userEtagOf(user.version, groups),
  };
  return resource;
}

export interface GroupShape {
  groupId: string;
  displayName: string;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function groupResource(group: GroupShape | GroupRow, members: Member[] | null, baseUrl: string): ScimResource {
  const resource: ScimResource = { schemas: [GROUP_SCHEMA], id: group.groupId };
  if (group.externalId !== null) resource['externalId'] = group.externalId;
  resource['displayName'] = group.displayName;
  if (members) {
    resource['members'] = members.map((m) => ({
      value: m.value,
      ...(m.display ? { display: m.display } : {}),
      type: m.type ?? 'User',
      $ref: `${baseUrl}/${m.type === 'Group' ? 'Groups' : 'Users'}/${m.value}`,
    }));
  }
  resource['meta'] = {
    resourceType: 'Group',
    created: group.createdAt,
    lastModified: group.updatedAt,
    location: `${baseUrl}/Groups/${group.groupId}`,
    version: etagOf(group.version),
  };
  return resource;
}
