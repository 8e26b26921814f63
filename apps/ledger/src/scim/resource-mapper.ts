import type { Member } from '@ledger/domain';
import type { GroupRow, UserRow } from '@ledger/projections';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type ScimResource = Record<string, unknown> & { id: string };

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** If-Match (RFC 9110): no header, `*`, or a listed tag (`W/"3"` or `"3"`) equal to the version. */
export function etagMatches(header: string | undefined, version: number): boolean {
  return !header || etagNoneMatchHit(header, version);
}

/** If-None-Match (RFC 9110): whether the client's copy is current, weak comparison. */
export function etagNoneMatchHit(header: string | undefined, version: number): boolean {
  if (!header) return false;
  return header.split(',').map((t) => t.trim()).some((tag) => tag === '*' || tag.replace(/^W\//, '') === `"${version}"`);
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

export function userResource(user: UserShape | UserRow, baseUrl: string, groups: Array<{ groupId: string; displayName: string; direct?: boolean }> = []): ScimResource {
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
    version: etagOf(user.version),
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
