import { attribute, complexAttribute, SchemaDefinition, stringAttribute } from './attribute-definition';

export const ENTERPRISE_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** RFC 7643 §4.3 / §8.7.1. */
export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    stringAttribute('employeeNumber', 'Identifier assigned to the person by the organization.'),
    stringAttribute('costCenter', 'Name of a cost center.'),
    stringAttribute('organization', 'Name of an organization.'),
    stringAttribute('division', 'Name of a division.'),
    stringAttribute('department', 'Name of a department.'),
    complexAttribute('manager', "The user's manager.", [
      stringAttribute('value', 'The id of the SCIM resource representing the manager.', { caseExact: true }),
      attribute('$ref', 'reference', 'The URI of the SCIM resource representing the manager.', {
        caseExact: true,
        referenceTypes: ['User'],
      }),
      stringAttribute('displayName', "The manager's displayName, maintained by the service provider.", { mutability: 'readOnly' }),
    ]),
  ],
};
