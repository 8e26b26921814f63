import { AttributeDefinition } from '../schemas/attribute-definition';
import { resolveAttribute, resolveSchemaUrn } from '../schemas/resolve-attribute';
import { resourceModel, ResourceTypeName, TopLevelAttribute } from '../schemas/resource-types';
import { readAttribute } from '../shared/attribute-access';
import { isJsonObject, isPresent, JsonObject } from '../shared/json';

export interface AttributeSelection {
  /** `attributes` query parameter: a comma-separated string or a list of paths. */
  readonly attributes?: string | readonly string[];
  /** `excludedAttributes` query parameter. */
  readonly excludedAttributes?: string | readonly string[];
}

/** Paths named by a parameter, grouped per top-level attribute. */
interface NamedPaths {
  readonly schemas: Set<string>;
  readonly whole: Set<string>;
  readonly subAttributes: Map<string, Set<string>>;
  readonly isEmpty: boolean;
}

/**
 * RFC 7644 §3.4.2.5. `returned: always` attributes (id, schemas, meta) are always kept,
 * `returned: never` (password) never leaves, `returned: request` only when asked for.
 * Names are matched case-insensitively, may be sub-attributes (`name.givenName`), URN-qualified
 * (`urn:...:enterprise:2.0:User:department`) or a whole extension URN. Unknown names are
 * ignored rather than rejected so one typo does not break an IdP's reconciliation.
 */
export function projectAttributes(resource: JsonObject, resourceType: ResourceTypeName, selection: AttributeSelection = {}): JsonObject {
  const model = resourceModel(resourceType);
  const included = namedPaths(resourceType, selection.attributes);
  const excluded = namedPaths(resourceType, selection.excludedAttributes);
  const output: JsonObject = {};

  for (const entry of model.attributes) {
    const container = entry.extension ? readAttribute(resource, entry.schema) : resource;
    if (!isJsonObject(container)) continue;
    const value = readAttribute(container, entry.attribute.name);
    if (value === undefined) continue;
    const keep = subAttributeFilter(entry, included, excluded);
    if (!keep) continue;
    const projected = projectValue(entry.attribute, value, keep);
    if (projected === undefined) continue;
    if (!entry.extension) {
      output[entry.attribute.name] = projected;
    } else {
      const extension = (output[entry.schema] ??= {}) as JsonObject;
      extension[entry.attribute.name] = projected;
    }
  }
  return output;
}

type SubAttributeFilter = (subAttribute: AttributeDefinition) => boolean;

/** Undefined when the attribute is dropped; otherwise says which sub-attributes stay. */
function subAttributeFilter(entry: TopLevelAttribute, included: NamedPaths, excluded: NamedPaths): SubAttributeFilter | undefined {
  const { attribute } = entry;
  if (attribute.returned === 'never') return undefined;
  if (attribute.returned === 'always') return (sub) => sub.returned !== 'never';

  const key = attributeKey(entry.schema, attribute.name);
  const wholeIncluded = included.schemas.has(entry.schema) || included.whole.has(key);
  const includedSubs = included.subAttributes.get(key);
  if (!included.isEmpty && !wholeIncluded && !includedSubs) return undefined;
  if (included.isEmpty && attribute.returned === 'request') return undefined;
  if (excluded.schemas.has(entry.schema) || excluded.whole.has(key)) return undefined;

  const excludedSubs = excluded.subAttributes.get(key);
  return (sub) => {
    if (sub.returned === 'never') return false;
    if (sub.returned === 'always') return true;
    if (excludedSubs?.has(sub.name)) return false;
    return wholeIncluded || !includedSubs || includedSubs.has(sub.name);
  };
}

function projectValue(attribute: AttributeDefinition, value: unknown, keep: SubAttributeFilter): unknown {
  if (attribute.type !== 'complex') return value;
  const projectRecord = (record: unknown): JsonObject | undefined => {
    if (!isJsonObject(record)) return undefined;
    const projected: JsonObject = {};
    for (const sub of attribute.subAttributes ?? []) {
      const subValue = readAttribute(record, sub.name);
      if (subValue !== undefined && keep(sub)) projected[sub.name] = subValue;
    }
    return isPresent(projected) ? projected : undefined;
  };
  if (!attribute.multiValued) return projectRecord(value);
  const records = (Array.isArray(value) ? value : [value]).map(projectRecord).filter((record) => record !== undefined);
  return records.length > 0 ? records : undefined;
}

function namedPaths(resourceType: ResourceTypeName, names: string | readonly string[] | undefined): NamedPaths {
  const list = (typeof names === 'string' ? names.split(',') : (names ?? [])).map((name) => name.trim()).filter((name) => name.length > 0);
  const paths: NamedPaths = { schemas: new Set(), whole: new Set(), subAttributes: new Map(), isEmpty: list.length === 0 };
  for (const name of list) {
    const schema = resolveSchemaUrn(resourceType, name);
    if (schema) {
      paths.schemas.add(schema.id);
      continue;
    }
    const resolved = resolveAttribute(resourceType, name);
    if (!resolved) continue;
    const key = attributeKey(resolved.schema, resolved.attribute.name);
    if (!resolved.subAttribute) {
      paths.whole.add(key);
      continue;
    }
    const subs = paths.subAttributes.get(key) ?? new Set<string>();
    subs.add(resolved.subAttribute.name);
    paths.subAttributes.set(key, subs);
  }
  return paths;
}

function attributeKey(schema: string, attributeName: string): string {
  return `${schema}|${attributeName}`;
}
