import { invalidValue } from '../errors/scim-error';
import { ResourceTypeName } from '../schemas/resource-types';
import { readAttribute } from '../shared/attribute-access';
import { JsonObject } from '../shared/json';

/** Identifiers become claim stream names and index keys; beyond this they are a mistake or an attack. */
export const MAX_IDENTIFIER_LENGTH = 1024;

const IDENTIFIERS: Readonly<Record<ResourceTypeName, readonly string[]>> = {
  User: ['userName', 'externalId'],
  Group: ['displayName', 'externalId'],
};

/** Checks the identifiers a write would store; given `before`, only those it changes. */
export function checkIdentifierLengths(resource: JsonObject, resourceType: ResourceTypeName, before?: JsonObject): void {
  for (const name of IDENTIFIERS[resourceType]) {
    const value = readAttribute(resource, name);
    if (typeof value !== 'string' || value.length <= MAX_IDENTIFIER_LENGTH) continue;
    if (before !== undefined && readAttribute(before, name) === value) continue;
    const characters = [...value].length;
    if (characters > MAX_IDENTIFIER_LENGTH) {
      throw invalidValue(`${name} is ${characters} characters; at most ${MAX_IDENTIFIER_LENGTH} are allowed`);
    }
  }
}
