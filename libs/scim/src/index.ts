export { ScimError, SCIM_ERROR_SCHEMA } from './errors/scim-error';
export type { ScimType, ScimErrorResponse } from './errors/scim-error';

export type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  Returned,
  SchemaDefinition,
  Uniqueness,
} from './schemas/attribute-definition';
export { COMMON_ATTRIBUTES } from './schemas/common-attributes';
export { USER_SCHEMA, USER_SCHEMA_URN } from './schemas/user.schema';
export { ENTERPRISE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA_URN } from './schemas/enterprise-user.schema';
export { GROUP_SCHEMA, GROUP_SCHEMA_URN } from './schemas/group.schema';
export { ALL_SCHEMAS, RESOURCE_TYPES } from './schemas/resource-types';
export type { ResourceTypeDefinition, ResourceTypeName } from './schemas/resource-types';
export { resolveAttribute, resolveSchemaUrn } from './schemas/resolve-attribute';
export type { ResolvedAttribute } from './schemas/resolve-attribute';
export {
  getResourceType,
  getSchema,
  listResourceTypes,
  listResponse,
  listSchemas,
  LIST_RESPONSE_SCHEMA,
  RESOURCE_TYPE_RESOURCE_SCHEMA,
  SCHEMA_RESOURCE_SCHEMA,
} from './schemas/discovery';
export type { ListResponse, ResourceTypeResource, SchemaResource } from './schemas/discovery';

export { parseFilter, parsePatchPath } from './filter/filter-parser';
export type { PatchPath } from './filter/filter-parser';
export { matchesFilter } from './filter/filter-evaluator';
export { filterEqualityKey } from './filter/filter-equality-key';
export type { EqualityKey, IndexedAttribute } from './filter/filter-equality-key';
export type {
  ComparisonFilter,
  ComparisonOperator,
  ComparisonValue,
  FilterNode,
  LogicalFilter,
  NotFilter,
  PresentFilter,
  ValuePathFilter,
} from './filter/filter-ast';

export { projectAttributes } from './attributes/project-attributes';
export type { AttributeSelection } from './attributes/project-attributes';
export { compareForSort } from './attributes/compare-for-sort';
export type { SortOrder } from './attributes/compare-for-sort';

export { applyPatch } from './patch/apply-patch';
export type { PatchResult } from './patch/apply-patch';
export { PATCH_OP_SCHEMA } from './patch/patch-request';
export type { PatchOperationName, PatchRequest } from './patch/patch-request';
export { memberDelta, membersOf } from './patch/member-delta';
export type { Member, MemberDelta } from './patch/member-delta';

export { validateResource } from './validate/validate-resource';
export type { ResourceSecrets, ValidatedResource, ValidationMode } from './validate/validate-resource';
export type { IgnoredAttribute } from './validate/coerce-value';
export type { JsonObject } from './shared/json';
