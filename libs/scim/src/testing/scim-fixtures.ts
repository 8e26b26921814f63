import { ScimError } from '../errors/scim-error';
import { ENTERPRISE_USER_SCHEMA_URN } from '../schemas/enterprise-user.schema';
import { GROUP_SCHEMA_URN } from '../schemas/group.schema';
import { USER_SCHEMA_URN } from '../schemas/user.schema';
import { PATCH_OP_SCHEMA } from '../patch/patch-request';
import { JsonObject } from '../shared/json';

export const ENTERPRISE = ENTERPRISE_USER_SCHEMA_URN;

/** A stored User in SCIM wire shape, as the read model hands it to the PATCH engine. */
export function aUser(overrides: JsonObject = {}): JsonObject {
  return {
    schemas: [USER_SCHEMA_URN],
    id: '2819c223-7f76-453a-919d-413861904646',
    externalId: 'bjensen',
    userName: 'bjensen@example.com',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs Jensen',
    active: true,
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    meta: {
      resourceType: 'User',
      created: '2011-08-01T18:29:49.793Z',
      lastModified: '2011-08-01T18:29:49.793Z',
      location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
      version: 'W/"1"',
    },
    ...overrides,
  };
}

export function anEnterpriseUser(extension: JsonObject, overrides: JsonObject = {}): JsonObject {
  return aUser({ schemas: [USER_SCHEMA_URN, ENTERPRISE], [ENTERPRISE]: extension, ...overrides });
}

export function aGroup(memberIds: readonly string[] = [], overrides: JsonObject = {}): JsonObject {
  return {
    schemas: [GROUP_SCHEMA_URN],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'finance-admins',
    ...(memberIds.length > 0 ? { members: memberIds.map((value) => ({ value, type: 'User' })) } : {}),
    meta: { resourceType: 'Group', version: 'W/"3"' },
    ...overrides,
  };
}

export function memberIds(count: number, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
}

export function patchBody(...Operations: unknown[]): JsonObject {
  return { schemas: [PATCH_OP_SCHEMA], Operations };
}

/** The ScimError an action throws; fails loudly when it throws anything else or nothing. */
export function failureOf(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but the call succeeded');
}
