import { attribute, complexAttribute, multiValuedRecord, SchemaDefinition, stringAttribute } from './attribute-definition';

export const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** RFC 7643 §4.1 / §8.7.1. */
export const USER_SCHEMA: SchemaDefinition = {
  id: USER_SCHEMA_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    stringAttribute('userName', 'Unique identifier for the User, typically used to sign in. Unique per tenant, case-insensitive.', {
      required: true,
      uniqueness: 'server',
    }),
    // RFC 7643 §3.1 defines externalId for every resource; listed here because for Users it is also unique per tenant.
    stringAttribute('externalId', "The User's identifier in the provisioning client. Unique per tenant, case-exact.", {
      caseExact: true,
      uniqueness: 'server',
    }),
    complexAttribute('name', "The components of the user's real name.", [
      stringAttribute('formatted', 'The full name, formatted for display.'),
      stringAttribute('familyName', 'The family name (last name in most Western languages).'),
      stringAttribute('givenName', 'The given name (first name in most Western languages).'),
      stringAttribute('middleName', 'The middle name(s).'),
      stringAttribute('honorificPrefix', 'The honorific prefix(es), e.g. "Ms.".'),
      stringAttribute('honorificSuffix', 'The honorific suffix(es), e.g. "III".'),
    ]),
    stringAttribute('displayName', 'The name of the User, suitable for display to end-users.'),
    stringAttribute('nickName', 'The casual way to address the user.'),
    attribute('profileUrl', 'reference', "A URI pointing to the user's online profile.", { referenceTypes: ['external'] }),
    stringAttribute('title', "The user's title, such as \"Vice President\"."),
    stringAttribute('userType', 'The relationship between the organization and the user, e.g. "Employee".'),
    stringAttribute('preferredLanguage', "The user's preferred written or spoken language (RFC 7231 Accept-Language)."),
    stringAttribute('locale', "The user's default location for localization, e.g. \"en-US\"."),
    stringAttribute('timezone', "The user's time zone in IANA format, e.g. \"Europe/Paris\"."),
    attribute('active', 'boolean', "The user's administrative status; false means the user cannot sign in."),
    stringAttribute('password', "The user's cleartext password. Never returned and never stored in the event log.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValuedRecord('emails', 'Email addresses for the user.', { types: ['work', 'home', 'other'] }),
    multiValuedRecord('phoneNumbers', 'Phone numbers for the user.', {
      types: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
    }),
    multiValuedRecord('ims', 'Instant messaging addresses for the user.', {
      types: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
    }),
    multiValuedRecord('photos', 'URLs of photos of the user.', {
      valueType: 'reference',
      referenceTypes: ['external'],
      types: ['photo', 'thumbnail'],
    }),
    complexAttribute('addresses', 'Physical mailing addresses for this user.', [
      stringAttribute('formatted', 'The full mailing address, formatted for display.'),
      stringAttribute('streetAddress', 'The full street address component.'),
      stringAttribute('locality', 'The city or locality component.'),
      stringAttribute('region', 'The state or region component.'),
      stringAttribute('postalCode', 'The zip code or postal code component.'),
      stringAttribute('country', 'The country name component (ISO 3166-1 alpha-2).'),
      stringAttribute('type', "A label indicating the address's function.", { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'boolean', 'Whether this is the preferred mailing address; true at most once.'),
    ], { multiValued: true }),
    complexAttribute('groups', 'Groups the user belongs to, direct or indirect. Maintained from Group membership.', [
      stringAttribute('value', 'The id of the Group.', { caseExact: true, mutability: 'readOnly' }),
      attribute('$ref', 'reference', 'The URI of the Group.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['User', 'Group'] }),
      stringAttribute('display', "The Group's displayName.", { mutability: 'readOnly' }),
      stringAttribute('type', 'How the membership was derived.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ], { multiValued: true, mutability: 'readOnly' }),
    multiValuedRecord('entitlements', 'Entitlements for the user.'),
    multiValuedRecord('roles', 'Roles for the user.'),
    multiValuedRecord('x509Certificates', 'DER-encoded X.509 certificates issued to the user, base64.', { valueType: 'binary' }),
  ],
};
