import { ScimError } from '../errors/scim-error';
import { SchemaDefinition } from './attribute-definition';
import { ALL_SCHEMAS, RESOURCE_TYPES, ResourceTypeDefinition } from './resource-types';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCHEMA_RESOURCE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_RESOURCE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: T[];
}

export interface SchemaResource extends SchemaDefinition {
  schemas: [typeof SCHEMA_RESOURCE_SCHEMA];
  meta: { resourceType: 'Schema'; location: string };
}

export interface ResourceTypeResource extends ResourceTypeDefinition {
  schemas: [typeof RESOURCE_TYPE_RESOURCE_SCHEMA];
  meta: { resourceType: 'ResourceType'; location: string };
}

/** `baseUrl` is the tenant's SCIM base, e.g. `https://host/tenants/acme/scim/v2` (no trailing slash). */
export function schemaResource(schema: SchemaDefinition, baseUrl: string): SchemaResource {
  return {
    schemas: [SCHEMA_RESOURCE_SCHEMA],
    ...schema,
    meta: { resourceType: 'Schema', location: `${trimSlash(baseUrl)}/Schemas/${schema.id}` },
  };
}

export function resourceTypeResource(resourceType: ResourceTypeDefinition, baseUrl: string): ResourceTypeResource {
  return {
    schemas: [RESOURCE_TYPE_RESOURCE_SCHEMA],
    ...resourceType,
    meta: { resourceType: 'ResourceType', location: `${trimSlash(baseUrl)}/ResourceTypes/${resourceType.id}` },
  };
}

export function listResponse<T>(resources: T[]): ListResponse<T> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
}

/** GET /Schemas */
export function listSchemas(baseUrl: string): ListResponse<SchemaResource> {
  return listResponse(ALL_SCHEMAS.map((schema) => schemaResource(schema, baseUrl)));
}

/** GET /Schemas/{id}; the URN is matched case-insensitively. */
export function getSchema(id: string, baseUrl: string): SchemaResource {
  const schema = ALL_SCHEMAS.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
  if (!schema) {
    throw new ScimError(404, undefined, `Schema "${id}" is not supported. Supported schemas: ${ALL_SCHEMAS.map((s) => s.id).join(', ')}`);
  }
  return schemaResource(schema, baseUrl);
}

/** GET /ResourceTypes */
export function listResourceTypes(baseUrl: string): ListResponse<ResourceTypeResource> {
  return listResponse(Object.values(RESOURCE_TYPES).map((resourceType) => resourceTypeResource(resourceType, baseUrl)));
}

/** GET /ResourceTypes/{name} */
export function getResourceType(name: string, baseUrl: string): ResourceTypeResource {
  const resourceType = Object.values(RESOURCE_TYPES).find((candidate) => candidate.id.toLowerCase() === name.toLowerCase());
  if (!resourceType) {
    throw new ScimError(404, undefined, `Resource type "${name}" is not supported. Supported resource types: User, Group`);
  }
  return resourceTypeResource(resourceType, baseUrl);
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
