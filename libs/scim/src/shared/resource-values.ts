import { ResolvedAttribute } from '../schemas/resolve-attribute';
import { readAttribute } from './attribute-access';
import { isJsonObject, JsonObject } from './json';

/** The object holding an attribute: the resource itself, or its extension object (RFC 7643 §3.3). */
export function attributeContainer(resource: JsonObject, attribute: ResolvedAttribute): JsonObject | undefined {
  if (!attribute.extension) return resource;
  const container = readAttribute(resource, attribute.schema);
  return isJsonObject(container) ? container : undefined;
}

/** Every assigned value at a path, flattened across multi-valued attributes. */
export function valuesAt(resource: JsonObject, attribute: ResolvedAttribute): unknown[] {
  const container = attributeContainer(resource, attribute);
  if (!container) return [];
  const values = asList(readAttribute(container, attribute.attribute.name));
  const subAttribute = attribute.subAttribute;
  if (!subAttribute) return values;
  return values.flatMap((value) => (isJsonObject(value) ? asList(readAttribute(value, subAttribute.name)) : []));
}

export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.filter((item) => item !== undefined && item !== null) : [value];
}
