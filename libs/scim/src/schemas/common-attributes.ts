import { attribute, AttributeDefinition, complexAttribute, stringAttribute } from './attribute-definition';

/**
 * RFC 7643 §3.1 attributes carried by every resource but defined by no schema, so they are not
 * listed under /Schemas, unless a schema redefines one (the User schema's unique externalId). Deviation: §3.1 makes meta's sub-attributes `returned: default`; here
 * meta is returned always so version and location reach a client asking `attributes=userName`.
 */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('schemas', 'reference', 'Schema URNs the resource conforms to.', {
    multiValued: true,
    required: true,
    returned: 'always',
    referenceTypes: ['uri'],
  }),
  stringAttribute('id', 'Unique identifier of the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  stringAttribute('externalId', 'Identifier of the resource as defined by the provisioning client.', { caseExact: true }),
  complexAttribute('meta', 'Resource metadata, maintained by the service provider.', [
    stringAttribute('resourceType', 'Name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
    attribute('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
    attribute('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
    attribute('location', 'reference', 'URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
    stringAttribute('version', 'Version (entity tag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
  ], { mutability: 'readOnly', returned: 'always' }),
];
