/** RFC 7643 §2.3 / §7 attribute characteristics, exactly as served by /Schemas. */
export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...characteristics,
  };
}

export const stringAttribute = (name: string, description: string, characteristics?: Characteristics) =>
  attribute(name, 'string', description, characteristics);

export const complexAttribute = (
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  characteristics: Characteristics = {},
) => attribute(name, 'complex', description, { ...characteristics, subAttributes });

/**
 * The value / display / type / primary shape shared by emails, phoneNumbers, ims, photos,
 * entitlements, roles and x509Certificates (RFC 7643 §2.4).
 */
export function multiValuedRecord(
  name: string,
  description: string,
  options: { valueType?: AttributeType; referenceTypes?: readonly string[]; types?: readonly string[] } = {},
): AttributeDefinition {
  const value = attribute('value', options.valueType ?? 'string', `The value of the ${name} entry.`, {
    ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
  });
  const type = stringAttribute('type', `A label indicating the ${name} entry's function.`, {
    ...(options.types ? { canonicalValues: options.types } : {}),
  });
  return complexAttribute(name, description, [
    value,
    stringAttribute('display', 'A human-readable name, primarily used for display purposes.'),
    type,
    attribute('primary', 'boolean', `Whether this is the preferred ${name} entry; true at most once.`),
  ], { multiValued: true });
}
