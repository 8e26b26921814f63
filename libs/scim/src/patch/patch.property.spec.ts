import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import { JsonObject } from '../shared/json';
import { aGroup, anEnterpriseUser, ENTERPRISE } from '../testing/scim-fixtures';
import { applyPatch } from './apply-patch';

const PATHS = [
  'userName', 'active', 'title', 'name', 'name.givenName', 'emails', 'emails.value', 'emails[type eq "work"]',
  'emails[type eq "work"].value', 'emails[value co "@"].primary', 'addresses[type eq "home"].streetAddress', 'members',
  'members[value eq "u1"]', 'members[value eq "u1" or value eq "u2"].display', 'id', 'meta', 'meta.version', 'groups', 'schemas',
  'password', `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.displayName`,
  'displayName', 'externalId', 'x509Certificates', 'emails[', 'bogus', '', 'members[value eq "u1"].value',
];

const value = fc.oneof(
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
  {
    arbitrary: fc.constantFrom('True', 'False', true, null, '', 'u1', [{ value: 'u1' }, { value: 'u3' }], { value: 'x', type: 'work' }, { givenName: 'G' }),
    weight: 3,
  },
);

const operation = fc.record(
  {
    op: fc.oneof({ arbitrary: fc.constantFrom('add', 'Add', 'remove', 'Remove', 'replace', 'REPLACE'), weight: 20 }, fc.constant('delete'), fc.anything()),
    path: fc.oneof({ arbitrary: fc.constantFrom(...PATHS), weight: 5 }, fc.string()),
    value,
  },
  { requiredKeys: ['op', 'value'] },
);

const pathlessValue = fc.dictionary(fc.constantFrom('active', 'name.givenName', 'id', 'members', 'emails', ENTERPRISE, `${ENTERPRISE}:manager`, 'zzz'), value);

const body = fc.oneof(
  { arbitrary: fc.record({ schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), Operations: fc.array(operation, { maxLength: 4 }) }), weight: 8 },
  fc.record({
    schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
    Operations: fc.array(fc.record({ op: fc.constantFrom('add', 'replace'), value: pathlessValue }), { minLength: 1, maxLength: 3 }),
  }),
  fc.anything(),
);

function appliesOrRejects(resource: JsonObject, resourceType: 'User' | 'Group', patch: unknown): void {
  const before = JSON.stringify(resource);
  try {
    const result = applyPatch(resource, patch, resourceType);
    expect(result.resource).not.toHaveProperty('password');
  } catch (error) {
    if (!(error instanceof ScimError) || error.status !== 400) throw error;
  }
  expect(JSON.stringify(resource)).toBe(before);
}

describe('applyPatch on arbitrary PATCH bodies', () => {
  it('given any body, then a User is patched or the request fails with ScimError 400, and the input never changes', () => {
    const user = anEnterpriseUser({ manager: { value: 'm1' } }, { addresses: [{ type: 'home', streetAddress: 'x' }] });
    fc.assert(fc.property(body, (patch) => appliesOrRejects(user, 'User', patch)), { numRuns: 1500 });
  });

  it('given any body, then a Group is patched or the request fails with ScimError 400, and the input never changes', () => {
    const group = aGroup(['u1', 'u2', 'u3']);
    fc.assert(fc.property(body, (patch) => appliesOrRejects(group, 'Group', patch)), { numRuns: 1500 });
  });
});
