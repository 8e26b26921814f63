import type { GroupEvent, Member, UserAttributes, UserEvent } from '@ledger/domain';

export const T0 = '2026-03-03T10:00:00.000Z';
export const T1 = '2026-03-03T10:05:00.000Z';
export const T2 = '2026-03-03T10:10:00.000Z';

export const USER_ID = '2819c223-7f76-453a-919d-413861904646';
export const GROUP_ID = 'e9e30dba-f08f-4109-8486-d5c6a331660a';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export function aUser(overrides: UserAttributes = {}): UserAttributes {
  return {
    userName: 'alice@example.com',
    externalId: '00u1alice',
    active: true,
    name: { givenName: 'Alice', familyName: 'Example' },
    emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
    [ENTERPRISE]: { department: 'Finance', manager: { value: 'boss-id' } },
    ...overrides,
  };
}

export function userProvisioned(overrides: Partial<Extract<UserEvent, { type: 'UserProvisioned' }>['data']> = {}): UserEvent {
  const { userName, externalId, active, ...attributes } = aUser();
  return {
    type: 'UserProvisioned',
    data: {
      userId: USER_ID,
      userName: userName as string,
      externalId: externalId as string,
      active: active as boolean,
      attributes,
      at: T0,
      ...overrides,
    },
  };
}

export function aMember(value: string, display?: string): Member {
  return display ? { value, type: 'User', display } : { value, type: 'User' };
}

export function groupCreated(members: Member[] = [], overrides: Partial<Extract<GroupEvent, { type: 'GroupCreated' }>['data']> = {}): GroupEvent {
  return {
    type: 'GroupCreated',
    data: { groupId: GROUP_ID, displayName: 'finance-admins', externalId: null, members, at: T0, ...overrides },
  };
}
