import { attribute, complexAttribute, SchemaDefinition, stringAttribute } from './attribute-definition';

export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/**
 * RFC 7643 §4.2 / §8.7.1. Deliberate differences from §8.7.1: displayName is required (as §4.2
 * says), members.value is required (a member without an id is meaningless) and compared exactly
 * like `id`, and members.display is stored because Okta sends it and auditors read it.
 */
export const GROUP_SCHEMA: SchemaDefinition = {
  id: GROUP_SCHEMA_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    stringAttribute('displayName', 'A human-readable name for the Group.', { required: true }),
    complexAttribute('members', 'A list of members of the Group.', [
      stringAttribute('value', 'The id of the member (a User or a Group).', { required: true, caseExact: true, mutability: 'immutable' }),
      attribute('$ref', 'reference', 'The URI of the member resource.', {
        caseExact: true,
        mutability: 'immutable',
        referenceTypes: ['User', 'Group'],
      }),
      stringAttribute('display', 'A human-readable name of the member, e.g. its userName.'),
      stringAttribute('type', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
    ], { multiValued: true }),
  ],
};
