import { ENTERPRISE_USER_SCHEMA_URN as ENTERPRISE } from '../schemas/enterprise-user.schema';
import { GROUP_SCHEMA_URN } from '../schemas/group.schema';
import { USER_SCHEMA_URN } from '../schemas/user.schema';
import { PATCH_OP_SCHEMA } from '../patch/patch-request';

/**
 * Request bodies in the shapes Microsoft Entra ID and Okta send, as documented in their SCIM
 * integration guides (ids shortened). Specs replay them unchanged.
 */
export const entra = {
  createUser: {
    schemas: [USER_SCHEMA_URN, ENTERPRISE],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@contoso.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    [ENTERPRISE]: { department: 'Finance', manager: { value: 'e7b5e5b8-5b2a-4a3e-8d8c-0fd2e0f8a111' } },
  },
  createGroup: {
    schemas: [GROUP_SCHEMA_URN, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
    externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    displayName: 'displayName',
    meta: { resourceType: 'Group' },
  },
  /** "Update User [Multi-valued properties]". */
  updateMultiValued: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ],
  },
  /** "Update User [Single-valued properties]". */
  updateSingleValued: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
  },
  disableUser: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  },
  /** Entra's path-less form with dotted keys and URN-qualified extension attributes. */
  replaceWithoutPath: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      {
        op: 'Replace',
        value: {
          active: 'True',
          'name.givenName': 'Grace',
          'name.familyName': 'Hopper',
          [`${ENTERPRISE}:department`]: 'Research',
          [`${ENTERPRISE}:employeeNumber`]: '1906',
        },
      },
    ],
  },
  addWorkEmail: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'grace@contoso.com' }],
  },
  setManager: (managerId: string) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: managerId }],
  }),
  removeManager: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
  },
  addMembers: (ids: readonly string[]) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }],
  }),
  removeMembers: (ids: readonly string[]) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }],
  }),
  renameGroup: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }],
  },
  /** The "Test Connection" probe and the lookups Entra runs before create / update. */
  filters: {
    probe: 'id eq "d3f1e0f6-8c6b-4d5e-9a3e-1f2b3c4d5e6f"',
    byUserName: 'userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"',
    byExternalId: 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
    groupByDisplayName: 'displayName eq "displayName"',
    groupMembership: 'id eq "e9e30dba-f08f-4109-8486-d5c6a331660a" and members[value eq "2819c223-7f76-453a-919d-413861904646"]',
  },
};

export const okta = {
  createUser: {
    schemas: [USER_SCHEMA_URN],
    userName: 'test.user@okta.local',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  },
  /** Okta's full-profile update is a PUT that repeats id and readOnly attributes. */
  replaceUser: (id: string) => ({
    schemas: [USER_SCHEMA_URN],
    id,
    userName: 'test.user@okta.local',
    name: { givenName: 'Another', middleName: '', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Another User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    active: true,
    meta: { resourceType: 'User', created: '2018-03-27T19:59:26.000Z', lastModified: '2018-03-27T19:59:26.000Z' },
  }),
  deactivateUser: {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'replace', value: { active: false } }],
  },
  createGroup: {
    schemas: [GROUP_SCHEMA_URN],
    displayName: 'Test SCIMv2',
    members: [],
  },
  /** Okta repeats the group id in a path-less replace when renaming. */
  renameGroup: (id: string) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv2' } }],
  }),
  addMembers: (members: readonly { value: string; display: string }[]) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'add', path: 'members', value: members }],
  }),
  removeMember: (id: string) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
  }),
  replaceMembers: (members: readonly { value: string; display: string }[]) => ({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'replace', path: 'members', value: members }],
  }),
  filters: {
    byUserName: 'userName eq "test.user@okta.local"',
    groupByDisplayName: 'displayName eq "Test SCIMv2"',
  },
  /** Okta pages users with startIndex/count and no filter; nothing to parse. */
};
