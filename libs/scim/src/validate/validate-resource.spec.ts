import { ENTERPRISE, failureOf } from '../testing/scim-fixtures';
import { entra, okta } from '../testing/idp-requests';
import { validateResource } from './validate-resource';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('validateResource', () => {
  describe('the create requests IdPs send', () => {
    it('given Entra ID’s Create User, then it is accepted with meta ignored and the extension kept', () => {
      const sut = validateResource(entra.createUser, 'User', 'create');

      expect(sut.resource).toEqual({
        schemas: [USER, ENTERPRISE],
        externalId: entra.createUser.externalId,
        userName: entra.createUser.userName,
        active: true,
        emails: entra.createUser.emails,
        name: entra.createUser.name,
        [ENTERPRISE]: { department: 'Finance', manager: { value: 'e7b5e5b8-5b2a-4a3e-8d8c-0fd2e0f8a111' } },
      });
      expect(sut.ignoredAttributes).toEqual([{ path: 'meta', reason: 'readOnly' }]);
    });

    it('given Entra ID’s Create Group with its Microsoft marker schema, then it is accepted and the marker dropped', () => {
      const sut = validateResource(entra.createGroup, 'Group', 'create');

      expect(sut.resource).toEqual({ schemas: [GROUP], externalId: entra.createGroup.externalId, displayName: 'displayName' });
      expect(sut.ignoredAttributes).toContainEqual({ path: 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group', reason: 'markerSchema' });
    });

    it('given Okta’s Create User with a password and empty groups, then the password goes to secrets, never into the resource', () => {
      const sut = validateResource(okta.createUser, 'User', 'create');

      expect(sut.secrets).toEqual({ password: '1mz050nq' });
      expect(JSON.stringify(sut.resource)).not.toContain('1mz050nq');
      expect(sut.resource).not.toHaveProperty('groups');
      expect(sut.ignoredAttributes).toContainEqual({ path: 'groups', reason: 'readOnly' });
    });

    it('given Okta’s PUT repeating id, groups and meta, then those readOnly values are ignored, not rejected (RFC 7644 §3.5.1)', () => {
      const sut = validateResource(okta.replaceUser('23a35c27-23d3-4c03-b4c5-6443c09e7173'), 'User', 'replace');

      expect(sut.resource).not.toHaveProperty('id');
      expect(sut.resource).not.toHaveProperty('meta');
      expect(sut.resource['name']).toEqual({ givenName: 'Another', familyName: 'User' });
      expect(sut.ignoredAttributes.map((ignored) => ignored.path)).toEqual(['id', 'groups', 'meta']);
    });

    it('given Okta’s Create Group with an empty member list, then it is accepted', () => {
      expect(validateResource(okta.createGroup, 'Group', 'create').resource).toEqual({ schemas: [GROUP], displayName: 'Test SCIMv2' });
    });
  });

  describe('required attributes', () => {
    it('given a User without userName, then 400 invalidValue "userName is required"', () => {
      const error = failureOf(() => validateResource({ schemas: [USER], displayName: 'x' }, 'User', 'create'));

      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toMatch(/^userName is required/);
    });

    it('given a User whose userName is an empty string, then it is missing too', () => {
      expect(failureOf(() => validateResource({ schemas: [USER], userName: '' }, 'User', 'replace')).detail).toMatch(/^userName is required/);
    });

    it('given a Group without displayName, then 400 invalidValue "displayName is required"', () => {
      expect(failureOf(() => validateResource({ schemas: [GROUP] }, 'Group', 'create')).detail).toMatch(/^displayName is required/);
    });

    it('given a member without a value, then 400 naming the member', () => {
      const error = failureOf(() => validateResource({ schemas: [GROUP], displayName: 'g', members: [{ value: 'u1' }, { display: 'x' }] }, 'Group', 'create'));

      expect(error.detail).toContain('members[1].value is required');
    });
  });

  describe('schemas', () => {
    it('given no schemas, then 400 invalidValue asking for the core URN', () => {
      expect(failureOf(() => validateResource({ userName: 'x' }, 'User', 'create'))).toMatchObject({ scimType: 'invalidValue' });
    });

    it('given only the enterprise URN, then 400 because the core schema is missing', () => {
      expect(failureOf(() => validateResource({ schemas: [ENTERPRISE], userName: 'x' }, 'User', 'create')).detail).toContain(`must contain "${USER}"`);
    });

    it('given an unknown schema URN, then 400 invalidValue naming it and the supported ones', () => {
      const error = failureOf(() => validateResource({ schemas: [USER, 'urn:example:custom:2.0:User'], userName: 'x' }, 'User', 'create'));

      expect(error.scimType).toBe('invalidValue');
      expect(error.detail).toContain('"urn:example:custom:2.0:User"');
      expect(error.detail).toContain(ENTERPRISE);
    });

    it('given the Group schema on /Users, then 400', () => {
      expect(failureOf(() => validateResource({ schemas: [GROUP], userName: 'x' }, 'User', 'create')).status).toBe(400);
    });

    it('given extension attributes without the extension in schemas, then the URN is added', () => {
      const sut = validateResource({ schemas: [USER], userName: 'x', [ENTERPRISE]: { department: 'Ops' } }, 'User', 'create');

      expect(sut.resource['schemas']).toEqual([USER, ENTERPRISE]);
    });

    it('accepts schema URNs and attribute names in any case, storing canonical names', () => {
      const sut = validateResource({ Schemas: [USER.toUpperCase()], USERNAME: 'x', Name: { GivenName: 'Y' } }, 'User', 'create');

      expect(sut.resource).toEqual({ schemas: [USER], userName: 'x', name: { givenName: 'Y' } });
    });
  });

  describe('types', () => {
    it('coerces Entra’s "True"/"False" strings for booleans', () => {
      const sut = validateResource({ schemas: [USER], userName: 'x', active: 'False', emails: [{ value: 'a@b', primary: 'True' }] }, 'User', 'create');

      expect(sut.resource).toMatchObject({ active: false, emails: [{ value: 'a@b', primary: true }] });
    });

    it.each([
      [{ active: 'maybe' }, 'active must be true or false'],
      [{ userName: 42 }, 'userName must be a string'],
      [{ name: 'Barbara Jensen' }, 'name must be an object'],
      [{ emails: [{ value: 7 }] }, 'emails[0].value must be a string'],
      [{ displayName: ['a', 'b'] }, 'displayName is single-valued but 2 values were sent'],
      [{ [ENTERPRISE]: 'Finance' }, 'must be an object of EnterpriseUser attributes'],
    ])('given %j, then 400 invalidValue: %s', (overrides, detail) => {
      const error = failureOf(() => validateResource({ schemas: [USER], userName: 'x', ...overrides }, 'User', 'create'));

      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toContain(detail);
    });

    it('accepts a bare manager id (Entra) and a single email object instead of an array', () => {
      const sut = validateResource({ schemas: [USER], userName: 'x', emails: { value: 'a@b' }, [ENTERPRISE]: { manager: 'mgr-1' } }, 'User', 'create');

      expect(sut.resource).toMatchObject({ emails: [{ value: 'a@b' }], [ENTERPRISE]: { manager: { value: 'mgr-1' } } });
    });

    it('drops the readOnly manager.displayName and a null $ref', () => {
      const sut = validateResource({ schemas: [USER], userName: 'x', [ENTERPRISE]: { manager: { value: 'm', displayName: 'Boss', $ref: null } } }, 'User', 'create');

      expect(sut.resource[ENTERPRISE]).toEqual({ manager: { value: 'm' } });
      expect(sut.ignoredAttributes).toContainEqual({ path: `${ENTERPRISE}:manager.displayName`, reason: 'readOnly' });
    });

    it('rejects two primary emails', () => {
      const emails = [{ value: 'a@b', primary: true }, { value: 'c@d', primary: true }];

      expect(failureOf(() => validateResource({ schemas: [USER], userName: 'x', emails }, 'User', 'create')).detail).toContain('more than one value with "primary": true');
    });

    it('collapses duplicate members sent in one PUT', () => {
      const sut = validateResource({ schemas: [GROUP], displayName: 'g', members: [{ value: 'u1' }, { value: 'u1', type: 'User' }, { value: 'u2' }] }, 'Group', 'replace');

      expect(sut.resource['members']).toEqual([{ value: 'u1' }, { value: 'u2' }]);
    });
  });

  it('ignores and reports unknown attributes instead of failing the user (IdPs send extra mappings)', () => {
    const sut = validateResource({ schemas: [USER], userName: 'x', shoeSize: 44, name: { givenName: 'A', nickname: 'B' }, [ENTERPRISE]: { badge: 1 } }, 'User', 'create');

    expect(sut.resource).toEqual({ schemas: [USER], userName: 'x', name: { givenName: 'A' } });
    expect(sut.ignoredAttributes).toEqual([
      { path: 'shoeSize', reason: 'unknownAttribute' },
      { path: 'name.nickname', reason: 'unknownAttribute' },
      { path: `${ENTERPRISE}:badge`, reason: 'unknownAttribute' },
    ]);
  });

  it('given a "__proto__" key in a parsed body, then it is ignored and pollutes nothing', () => {
    const sut = validateResource(JSON.parse(`{"schemas":["${USER}"],"userName":"x","__proto__":{"admin":true}}`), 'User', 'create');

    expect(sut.resource).toEqual({ schemas: [USER], userName: 'x' });
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('given something other than a JSON object, then 400 invalidSyntax', () => {
    expect(failureOf(() => validateResource([{ userName: 'x' }], 'User', 'create'))).toMatchObject({ scimType: 'invalidSyntax' });
    expect(failureOf(() => validateResource(null, 'Group', 'replace')).detail).toContain('PUT body');
  });

  it('leaves the request body untouched', () => {
    const body = JSON.parse(JSON.stringify(okta.createUser));

    validateResource(body, 'User', 'create');

    expect(body).toEqual(okta.createUser);
  });
});
