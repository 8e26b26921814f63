import { invalidValue } from '../errors/scim-error';
import { findSubAttribute, leafDefinition, ResolvedAttribute, resolveAttribute, withSubAttribute } from '../schemas/resolve-attribute';
import { ResourceTypeName } from '../schemas/resource-types';
import { readAttribute } from '../shared/attribute-access';
import { describeValue, isJsonObject, JsonObject } from '../shared/json';
import { asList, attributeContainer } from '../shared/resource-values';
import { sortableValue } from '../shared/scalar-comparison';

export type SortOrder = 'ascending' | 'descending';

/**
 * Comparator for RFC 7644 §3.4.2.3 `sortBy` / `sortOrder`. Strings follow the attribute's
 * caseExact rule in code-point order (no locale), dateTimes compare as instants, a multi-valued
 * attribute sorts by its primary value or else its first, and resources without a value sort
 * last when ascending (first when descending, the exact reverse). An unknown sortBy is a 400
 * invalidValue rather than a silently unsorted page, which would make paging look random.
 */
export function compareForSort(
  sortBy: string,
  sortOrder: string | undefined,
  resourceType: ResourceTypeName,
): (a: JsonObject, b: JsonObject) => number {
  const attribute = sortAttribute(sortBy, resourceType);
  const direction = sortDirection(sortOrder);
  const definition = leafDefinition(attribute);
  const keyOf = (resource: JsonObject) => sortableValue(sortValue(resource, attribute), definition);
  return (a, b) => {
    const left = keyOf(a);
    const right = keyOf(b);
    let order: number;
    if (left === undefined || right === undefined) order = left === right ? 0 : left === undefined ? 1 : -1;
    else order = left < right ? -1 : left > right ? 1 : 0;
    return direction === 'ascending' ? order : -order;
  };
}

function sortAttribute(sortBy: string, resourceType: ResourceTypeName): ResolvedAttribute {
  const resolved = typeof sortBy === 'string' ? resolveAttribute(resourceType, sortBy.trim()) : undefined;
  if (!resolved) {
    throw invalidValue(`sortBy ${describeValue(sortBy)} is not an attribute of ${resourceType}; use e.g. userName, name.familyName, meta.lastModified`);
  }
  const leaf = leafDefinition(resolved);
  if (leaf.type !== 'complex') return resolved;
  const value = findSubAttribute(leaf, 'value');
  if (!value) throw invalidValue(`sortBy "${sortBy}" is complex; sort by one of its sub-attributes, e.g. ${resolved.path}.${leaf.subAttributes?.[0]?.name}`);
  return withSubAttribute(resolved, value);
}

function sortDirection(sortOrder: string | undefined): SortOrder {
  if (sortOrder === undefined || sortOrder === '') return 'ascending';
  const lower = typeof sortOrder === 'string' ? sortOrder.toLowerCase() : '';
  if (lower === 'ascending' || lower === 'descending') return lower;
  throw invalidValue(`sortOrder must be "ascending" or "descending", got ${describeValue(sortOrder)}`);
}

function sortValue(resource: JsonObject, attribute: ResolvedAttribute): unknown {
  const container = attributeContainer(resource, attribute);
  if (!container) return undefined;
  const stored = readAttribute(container, attribute.attribute.name);
  let record: unknown = stored;
  if (attribute.attribute.multiValued) {
    const values = asList(stored);
    record = values.find((value) => isJsonObject(value) && readAttribute(value, 'primary') === true) ?? values[0];
  }
  if (!attribute.subAttribute) return record;
  return isJsonObject(record) ? readAttribute(record, attribute.subAttribute.name) : undefined;
}
