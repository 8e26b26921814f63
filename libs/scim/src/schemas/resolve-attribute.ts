import { AttributeDefinition, SchemaDefinition } from './attribute-definition';
import { resourceModel, ResourceTypeName } from './resource-types';

/** An attribute path resolved against a resource type's schemas. */
export interface ResolvedAttribute {
  /** URN of the schema that owns the attribute (the core schema for id, externalId, meta, schemas). */
  readonly schema: string;
  /** True when the value lives under `resource[schema]` rather than at the top level. */
  readonly extension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
  /** Canonical spelling: `name.givenName`, `urn:...:enterprise:2.0:User:manager.value`. */
  readonly path: string;
}

export function leafDefinition(resolved: ResolvedAttribute): AttributeDefinition {
  return resolved.subAttribute ?? resolved.attribute;
}

const byLowerCaseName = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

export function findAttribute(definitions: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  if (!definitions) return undefined;
  let index = byLowerCaseName.get(definitions);
  if (!index) {
    index = new Map(definitions.map((definition) => [definition.name.toLowerCase(), definition]));
    byLowerCaseName.set(definitions, index);
  }
  return index.get(name.toLowerCase());
}

export function findSubAttribute(attribute: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return findAttribute(attribute.subAttributes, name);
}

export function canonicalPath(schema: string, extension: boolean, attribute: AttributeDefinition, subAttribute?: AttributeDefinition): string {
  const attributePath = subAttribute ? `${attribute.name}.${subAttribute.name}` : attribute.name;
  return extension ? `${schema}:${attributePath}` : attributePath;
}

export function withSubAttribute(resolved: ResolvedAttribute, subAttribute: AttributeDefinition): ResolvedAttribute {
  return {
    schema: resolved.schema,
    extension: resolved.extension,
    attribute: resolved.attribute,
    subAttribute,
    path: canonicalPath(resolved.schema, resolved.extension, resolved.attribute, subAttribute),
  };
}

/** The schema a URN names, if the resource type uses it (case-insensitive, RFC 7643 §2.1). */
export function resolveSchemaUrn(resourceType: ResourceTypeName, urn: string): SchemaDefinition | undefined {
  const model = resourceModel(resourceType);
  const lower = urn.toLowerCase();
  return [model.core, ...model.extensions].find((schema) => schema.id.toLowerCase() === lower);
}

/**
 * Resolves `userName`, `name.givenName`, `urn:...:core:2.0:User:userName` or
 * `urn:...:enterprise:2.0:User:manager.value` (case-insensitively). Returns undefined for
 * anything the resource type does not define, so callers can pick the right scimType.
 */
export function resolveAttribute(resourceType: ResourceTypeName, path: string): ResolvedAttribute | undefined {
  const model = resourceModel(resourceType);
  const lower = path.toLowerCase();
  let schema = model.core;
  let rest = path;
  const qualifying = [model.core, ...model.extensions].find((candidate) => lower.startsWith(`${candidate.id.toLowerCase()}:`));
  if (qualifying) {
    schema = qualifying;
    rest = path.slice(qualifying.id.length + 1);
  } else if (lower.startsWith('urn:')) {
    return undefined;
  }

  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((part) => part.length === 0)) return undefined;
  const [attributeName, subAttributeName] = parts as [string, string | undefined];

  const extension = schema !== model.core;
  const attribute = findAttribute(model.attributesBySchema.get(schema.id), attributeName);
  if (!attribute) return undefined;

  let subAttribute: AttributeDefinition | undefined;
  if (subAttributeName !== undefined) {
    subAttribute = findSubAttribute(attribute, subAttributeName);
    if (!subAttribute) return undefined;
  }
  return { schema: schema.id, extension, attribute, subAttribute, path: canonicalPath(schema.id, extension, attribute, subAttribute) };
}
