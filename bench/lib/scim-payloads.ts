import { randomBytes } from 'node:crypto';

/** The same bodies go to the service and to the peer: what Entra ID sends for a joiner and a mover. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Distinct per bench process, so runs against one server never collide on userName. */
const runTag = randomBytes(3).toString('hex');
let counter = 0;

export function nextUserBody(): string {
  const n = `${runTag}-${++counter}`;
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    userName: `user.${n}@example.com`,
    externalId: `00u${n}`,
    name: { givenName: 'Alice', familyName: `Example ${n}` },
    displayName: `Alice Example ${n}`,
    emails: [{ value: `user.${n}@example.com`, type: 'work', primary: true }],
    active: true,
  });
}

export function nextPatchBody(): string {
  const n = ++counter;
  return JSON.stringify({
    schemas: [PATCH_OP],
    Operations: [
      { op: 'replace', path: 'title', value: `Engineer ${n}` },
      { op: 'replace', path: 'name.givenName', value: `Alice ${n}` },
    ],
  });
}

export const DEACTIVATE_BODY = JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });

export function addMembersBody(userIds: string[]): string {
  return JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }] });
}

export function groupBody(displayName: string): string {
  return JSON.stringify({ schemas: [GROUP_SCHEMA], displayName, members: [] });
}

export const JSON_HEADERS = { 'content-type': 'application/scim+json' };
