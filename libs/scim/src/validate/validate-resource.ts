import { invalidSyntax, invalidValue } from '../errors/scim-error';
import { AttributeDefinition, SchemaDefinition } from '../schemas/attribute-definition';
import { findAttribute, resolveSchemaUrn } from '../schemas/resolve-attribute';
import { resourceModel, ResourceTypeName } from '../schemas/resource-types';
import { isJsonObject, isPresent, JsonObject, typeName } from '../shared/json';
import { appendDistinct, countPrimaries } from '../shared/records';
import { coerceAttributeValue, IgnoredAttribute } from './coerce-value';
import { checkIdentifierLengths } from './identifier-length';

export type ValidationMode = 'create' | 'replace';

/**
 * Schema URNs that IdPs list but that define no attributes. Entra ID's documented Create Group
 * request carries the first one; rejecting it would break every group push from Entra.
 */
const MARKER_SCHEMAS: readonly string[] = ['http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'];

/** Values that must never reach the event log; the caller hashes or forwards them. */
export interface ResourceSecrets {
  password?: string;
}

export interface ValidatedResource {
  /** Canonical attribute names, coerced values, without readOnly and writeOnly attributes. */
  readonly resource: JsonObject;
  readonly secrets: ResourceSecrets;
  /** Sent by the client but not stored: unknown attributes, and readOnly ones (id, meta, groups). */
  readonly ignoredAttributes: readonly IgnoredAttribute[];
}

/**
 * Validates a POST (`create`) or PUT (`replace`) body. Follows RFC 7644 §3.3 / §3.5.1: readOnly
 * values are ignored rather than rejected, so Okta's PUT with `id` and `groups` succeeds.
 * Unknown attributes are ignored too (the RFC does not require rejecting them, and an IdP with an
 * extra attribute mapping would otherwise fail every user); both are reported in
 * `ignoredAttributes` so the request ledger can show them.
 */
export function validateResource(resource: unknown, resourceType: ResourceTypeName, mode: ValidationMode): ValidatedResource {
  const verb = mode === 'create' ? 'POST' : 'PUT';
  if (!isJsonObject(resource)) {
    throw invalidSyntax(`The ${verb} body must be a JSON object representing a ${resourceType}, got ${resource === undefined ? 'no body' : typeName(resource)}`);
  }

  const model = resourceModel(resourceType);
  const secrets: ResourceSecrets = {};
  const ignored: IgnoredAttribute[] = [];
  const schemas = declaredSchemas(resource, resourceType, ignored);
  const output: JsonObject = { schemas: schemas.map((schema) => schema.id) };
  const coreAndCommon = model.attributesBySchema.get(model.core.id)!;

  const store = (definition: AttributeDefinition, value: unknown, container: JsonObject, path: string) => {
    if (definition.name === 'schemas') return;
    if (definition.mutability === 'readOnly') {
      ignored.push({ path, reason: 'readOnly' });
      return;
    }
    const coerced = coerceAttributeValue(definition, value, path, ignored);
    if (coerced === null) return;
    if (definition.mutability === 'writeOnly') {
      if (definition.name === 'password') secrets.password = coerced as string;
      return;
    }
    container[definition.name] = checkedMultiValue(definition, coerced, path);
  };

  const storeAll = (schema: SchemaDefinition, attributes: JsonObject, container: JsonObject, prefix: string) => {
    const definitions = schema === model.core ? coreAndCommon : schema.attributes;
    for (const [key, value] of Object.entries(attributes)) {
      const definition = findAttribute(definitions, key);
      if (definition) store(definition, value, container, `${prefix}${definition.name}`);
      else ignored.push({ path: `${prefix}${key}`, reason: 'unknownAttribute' });
    }
  };

  for (const [key, value] of Object.entries(resource)) {
    if (key.toLowerCase() === 'schemas') continue;
    const schema = resolveSchemaUrn(resourceType, key);
    if (!schema) {
      const definition = findAttribute(coreAndCommon, key);
      if (definition) store(definition, value, output, definition.name);
      else ignored.push({ path: key, reason: 'unknownAttribute' });
      continue;
    }
    if (value === null) continue;
    if (!isJsonObject(value)) throw invalidValue(`"${schema.id}" must be an object of ${schema.name} attributes, got ${typeName(value)}`);
    if (schema === model.core) {
      storeAll(schema, value, output, `${schema.id}:`);
      continue;
    }
    const extension: JsonObject = {};
    storeAll(schema, value, extension, `${schema.id}:`);
    if (Object.keys(extension).length === 0) continue;
    output[schema.id] = extension;
    // Some clients send extension attributes without listing the extension in `schemas`.
    if (!schemas.includes(schema)) (output['schemas'] as string[]).push(schema.id);
  }

  for (const definition of model.core.attributes) {
    if (definition.required && !isPresent(output[definition.name])) {
      throw invalidValue(
        `${definition.name} is required: the ${verb} body for a ${resourceType} has no ${definition.name}. Check the identity provider's attribute mapping for ${definition.name}.`,
      );
    }
  }
  checkIdentifierLengths(output, resourceType);
  return { resource: output, secrets, ignoredAttributes: ignored };
}

function declaredSchemas(resource: JsonObject, resourceType: ResourceTypeName, ignored: IgnoredAttribute[]): SchemaDefinition[] {
  const model = resourceModel(resourceType);
  const supported = [model.core, ...model.extensions].map((schema) => `"${schema.id}"`).join(', ');
  const declared = Object.entries(resource).find(([key]) => key.toLowerCase() === 'schemas')?.[1];
  if (!Array.isArray(declared) || declared.some((urn) => typeof urn !== 'string')) {
    throw invalidValue(`"schemas" must be an array of schema URNs containing "${model.core.id}"`);
  }
  const schemas: SchemaDefinition[] = [];
  for (const urn of declared as string[]) {
    if (MARKER_SCHEMAS.some((marker) => marker.toLowerCase() === urn.toLowerCase())) {
      ignored.push({ path: urn, reason: 'markerSchema' });
      continue;
    }
    const schema = resolveSchemaUrn(resourceType, urn);
    if (!schema) throw invalidValue(`"schemas" lists "${urn}", which is not a ${resourceType} schema here. Supported: ${supported}`);
    if (!schemas.includes(schema)) schemas.push(schema);
  }
  if (!schemas.includes(model.core)) throw invalidValue(`"schemas" must contain "${model.core.id}" for a ${resourceType}`);
  return [model.core, ...schemas.filter((schema) => schema !== model.core)];
}

function checkedMultiValue(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (!definition.multiValued || !Array.isArray(value)) return value;
  if (countPrimaries(value) > 1) throw invalidValue(`${path} has more than one value with "primary": true; at most one is allowed`);
  return appendDistinct(definition, [], value);
}
