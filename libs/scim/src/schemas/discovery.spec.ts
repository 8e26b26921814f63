import { ScimError } from '../errors/scim-error';
import { failureOf } from '../testing/scim-fixtures';
import { AttributeDefinition } from './attribute-definition';
import { getResourceType, getSchema, listResourceTypes, listSchemas } from './discovery';
import { ENTERPRISE_USER_SCHEMA_URN } from './enterprise-user.schema';
import { GROUP_SCHEMA_URN } from './group.schema';
import { USER_SCHEMA_URN } from './user.schema';

const BASE = 'https://ledger.example.com/tenants/acme/scim/v2';

function attributeNamed(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition {
  const found = attributes.find((attribute) => attribute.name === name);
  if (!found) throw new Error(`no attribute ${name}`);
  return found;
}

describe('discovery: /Schemas and /ResourceTypes (RFC 7643 §6, §7)', () => {
  it('when /Schemas is listed, then it is a ListResponse of the User, Group and Enterprise User schemas with meta', () => {
    const sut = listSchemas(BASE);

    expect(sut.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(sut.totalResults).toBe(3);
    expect(sut.Resources.map((schema) => schema.id)).toEqual([USER_SCHEMA_URN, GROUP_SCHEMA_URN, ENTERPRISE_USER_SCHEMA_URN]);
    for (const schema of sut.Resources) {
      expect(schema.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(schema.meta).toEqual({ resourceType: 'Schema', location: `${BASE}/Schemas/${schema.id}` });
    }
  });

  it('when the User schema is read, then it has every RFC 7643 §4.1 attribute, and externalId as unique per tenant, with full characteristics', () => {
    const sut = getSchema(USER_SCHEMA_URN, BASE);

    expect(sut.attributes.map((attribute) => attribute.name)).toEqual([
      'userName', 'externalId', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale',
      'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements',
      'roles', 'x509Certificates',
    ]);
    for (const attribute of sut.attributes) {
      expect(Object.keys(attribute)).toEqual(
        expect.arrayContaining(['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness']),
      );
    }
    expect(attributeNamed(sut.attributes, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attributeNamed(sut.attributes, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(attributeNamed(sut.attributes, 'userName')).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
    expect(attributeNamed(sut.attributes, 'externalId')).toMatchObject({ required: false, uniqueness: 'server', caseExact: true, mutability: 'readWrite', returned: 'default' });
    const emailType = attributeNamed(attributeNamed(sut.attributes, 'emails').subAttributes!, 'type');
    expect(emailType.canonicalValues).toEqual(['work', 'home', 'other']);
  });

  it('when the Enterprise User schema is read, then manager has value, $ref and a readOnly displayName', () => {
    const manager = attributeNamed(getSchema(ENTERPRISE_USER_SCHEMA_URN, BASE).attributes, 'manager');

    expect(manager.subAttributes!.map((sub) => [sub.name, sub.mutability])).toEqual([
      ['value', 'readWrite'],
      ['$ref', 'readWrite'],
      ['displayName', 'readOnly'],
    ]);
  });

  it('when the Group schema is read, then members has value, $ref, display and type, and externalId (not unique for groups) stays common', () => {
    const members = attributeNamed(getSchema(GROUP_SCHEMA_URN, BASE).attributes, 'members');

    expect(members.subAttributes!.map((sub) => sub.name)).toEqual(['value', '$ref', 'display', 'type']);
    expect(getSchema(GROUP_SCHEMA_URN, BASE).attributes.map((attribute) => attribute.name)).not.toContain('externalId');
    expect(attributeNamed(members.subAttributes!, 'type').canonicalValues).toEqual(['User', 'Group']);
  });

  it('given an unknown schema id, then it answers 404 naming the supported schemas', () => {
    const error = failureOf(() => getSchema('urn:example:nope', BASE));

    expect(error.status).toBe(404);
    expect(error.detail).toContain(USER_SCHEMA_URN);
  });

  it('when /ResourceTypes is listed, then User carries the enterprise extension (optional) and Group none', () => {
    const sut = listResourceTypes(`${BASE}/`);

    expect(sut.Resources).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER_SCHEMA_URN,
        schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA_URN, required: false }],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: GROUP_SCHEMA_URN,
        schemaExtensions: [],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/Group` },
      },
    ]);
  });

  it('reads one resource type by name and 404s an unknown one', () => {
    expect(getResourceType('group', BASE).endpoint).toBe('/Groups');
    expect(failureOf(() => getResourceType('Device', BASE))).toBeInstanceOf(ScimError);
  });

  it('cannot be edited through a discovery response', () => {
    const served = getSchema(USER_SCHEMA_URN, BASE);

    expect(() => {
      (served.attributes as AttributeDefinition[]).push(served.attributes[0]!);
    }).toThrow(TypeError);
  });
});
