import { AttributeDefinition, SchemaDefinition } from './attribute-definition';
import { COMMON_ATTRIBUTES } from './common-attributes';
import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.schema';
import { GROUP_SCHEMA } from './group.schema';
import { USER_SCHEMA } from './user.schema';

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceTypeDefinition {
  readonly id: ResourceTypeName;
  readonly name: ResourceTypeName;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

export const RESOURCE_TYPES: Readonly<Record<ResourceTypeName, ResourceTypeDefinition>> = {
  User: {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: USER_SCHEMA.id,
    schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA.id, required: false }],
  },
  Group: {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: GROUP_SCHEMA.id,
    schemaExtensions: [],
  },
};

export const ALL_SCHEMAS: readonly SchemaDefinition[] = deepFreeze([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);

/** One attribute of a resource type, with the schema that owns it. */
export interface TopLevelAttribute {
  readonly schema: string;
  /** True when the value lives under `resource[schema]` (RFC 7643 §3.3). */
  readonly extension: boolean;
  readonly attribute: AttributeDefinition;
}

export interface ResourceModel {
  readonly definition: ResourceTypeDefinition;
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
  readonly attributes: readonly TopLevelAttribute[];
  /** Attributes addressable under each schema URN; the core schema's include the common ones. */
  readonly attributesBySchema: ReadonlyMap<string, readonly AttributeDefinition[]>;
}

deepFreeze(RESOURCE_TYPES);
deepFreeze(COMMON_ATTRIBUTES);

const schemaById = new Map(ALL_SCHEMAS.map((schema) => [schema.id, schema]));

function buildModel(definition: ResourceTypeDefinition): ResourceModel {
  const core = schemaById.get(definition.schema)!;
  const extensions = definition.schemaExtensions.map((extension) => schemaById.get(extension.schema)!);
  // A core schema may redefine a common attribute (User externalId is unique); it keeps the common one's place.
  const redefined = (name: string) => core.attributes.find((attribute) => attribute.name === name);
  const attributes: TopLevelAttribute[] = [
    ...COMMON_ATTRIBUTES.map((common) => ({ schema: core.id, extension: false, attribute: redefined(common.name) ?? common })),
    ...core.attributes
      .filter((attribute) => !COMMON_ATTRIBUTES.some((common) => common.name === attribute.name))
      .map((attribute) => ({ schema: core.id, extension: false, attribute })),
    ...extensions.flatMap((schema) => schema.attributes.map((attribute) => ({ schema: schema.id, extension: true, attribute }))),
  ];
  const attributesBySchema = new Map<string, readonly AttributeDefinition[]>(
    [core, ...extensions].map((schema) => [schema.id, attributes.filter((entry) => entry.schema === schema.id).map((entry) => entry.attribute)]),
  );
  return { definition, core, extensions, attributes, attributesBySchema };
}

const models: Record<ResourceTypeName, ResourceModel> = {
  User: buildModel(RESOURCE_TYPES.User),
  Group: buildModel(RESOURCE_TYPES.Group),
};

export function resourceModel(resourceType: ResourceTypeName): ResourceModel {
  const model = models[resourceType];
  if (model === undefined) throw new TypeError(`Unknown SCIM resource type ${String(resourceType)}`);
  return model;
}

/** Definitions are handed out in discovery responses; freezing keeps a careless caller from editing the schema. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
