import { invalidValue } from '../errors/scim-error';
import { AttributeDefinition } from '../schemas/attribute-definition';
import { findSubAttribute } from '../schemas/resolve-attribute';
import { parseDateTime } from '../shared/date-time';
import { describeValue, isJsonObject, isPresent, JsonObject, typeName } from '../shared/json';
import { booleanFromString } from '../shared/scalar-comparison';

/** Something the client sent that was dropped instead of failing the request. */
export interface IgnoredAttribute {
  readonly path: string;
  readonly reason: 'unknownAttribute' | 'readOnly' | 'markerSchema';
}

/**
 * Checks a client-supplied value against its attribute definition and returns the value to store
 * (null when the client unassigns it). Coerces what real IdPs send: Entra's "True"/"False" for
 * booleans, a bare id or a one-element array for `manager`, a single object for a multi-valued
 * attribute. Unknown and readOnly sub-attributes are dropped and reported in `ignored`.
 */
export function coerceAttributeValue(definition: AttributeDefinition, value: unknown, path: string, ignored: IgnoredAttribute[]): unknown {
  if (value === undefined || value === null) return null;
  if (definition.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const coerced = items
      .map((item, index) => coerceSingleValue(definition, item, Array.isArray(value) ? `${path}[${index}]` : path, ignored))
      .filter((item) => item !== null);
    return coerced.length === 0 ? null : coerced;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    if (value.length > 1) throw invalidValue(`${path} is single-valued but ${value.length} values were sent`);
    return coerceSingleValue(definition, value[0], path, ignored);
  }
  return coerceSingleValue(definition, value, path, ignored);
}

export interface CoercionOptions {
  /** A partial update of an existing value (`members[value eq "x"]`): required sub-attributes may be absent. */
  readonly partial?: boolean;
}

export function coerceSingleValue(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  ignored: IgnoredAttribute[],
  options: CoercionOptions = {},
): unknown {
  // RFC 7643 §2.5: an empty string is unassigned, like null; storing "" would fake a change.
  if (value === undefined || value === null || value === '') return null;
  switch (definition.type) {
    case 'complex':
      return coerceComplex(definition, value, path, ignored, options);
    case 'boolean': {
      const flag = typeof value === 'string' ? booleanFromString(value.trim()) : value;
      if (typeof flag !== 'boolean') throw invalidValue(`${path} must be true or false, got ${describeValue(value)}`);
      return flag;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidValue(`${path} must be an integer, got ${describeValue(value)}`);
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidValue(`${path} must be a number, got ${describeValue(value)}`);
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || parseDateTime(value) === undefined) {
        throw invalidValue(`${path} must be an xsd:dateTime such as "2011-05-13T04:42:34Z", got ${describeValue(value)}`);
      }
      return value;
    default:
      if (typeof value !== 'string') throw invalidValue(`${path} must be a string, got ${typeName(value)} ${describeValue(value)}`);
      return value;
  }
}

function coerceComplex(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  ignored: IgnoredAttribute[],
  options: CoercionOptions,
): JsonObject | null {
  const valueSubAttribute = findSubAttribute(definition, 'value');
  if (!isJsonObject(value)) {
    // Entra sends `manager` as a bare id; a bare member id is read the same way.
    if (valueSubAttribute && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      return { value: coerceSingleValue(valueSubAttribute, value, `${path}.value`, ignored) };
    }
    const names = (definition.subAttributes ?? []).map((sub) => sub.name).join(', ');
    throw invalidValue(`${path} must be an object with sub-attributes (${names}), got ${typeName(value)} ${describeValue(value)}`);
  }
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const subAttribute = findSubAttribute(definition, key);
    if (!subAttribute) {
      ignored.push({ path: `${path}.${key}`, reason: 'unknownAttribute' });
      continue;
    }
    if (subAttribute.mutability === 'readOnly') {
      ignored.push({ path: `${path}.${subAttribute.name}`, reason: 'readOnly' });
      continue;
    }
    const coerced = coerceAttributeValue(subAttribute, subValue, `${path}.${subAttribute.name}`, ignored);
    if (coerced !== null) result[subAttribute.name] = coerced;
  }
  for (const subAttribute of options.partial ? [] : (definition.subAttributes ?? [])) {
    if (subAttribute.required && !isPresent(result[subAttribute.name])) {
      throw invalidValue(`${path}.${subAttribute.name} is required, got ${describeValue(value)}`);
    }
  }
  return isPresent(result) ? result : null;
}
