import { AttributeDefinition } from '../schemas/attribute-definition';
import { readAttribute } from './attribute-access';
import { deepEqual, isJsonObject } from './json';

/**
 * Group members are identified by the member id alone, so the same user sent once with
 * `"type": "User"` and once without is one member. Other records are compared whole.
 */
export function memberIdentity(attribute: AttributeDefinition, record: unknown): string | undefined {
  if (attribute.name !== 'members' || !isJsonObject(record)) return undefined;
  const value = readAttribute(record, 'value');
  return typeof value === 'string' ? value : undefined;
}

/** Appends records that are not already present; Map lookups keep 10k-member groups linear. */
export function appendDistinct(attribute: AttributeDefinition, existing: unknown[], incoming: readonly unknown[]): unknown[] {
  const result = [...existing];
  const seenMembers = new Set<string>();
  for (const record of existing) {
    const id = memberIdentity(attribute, record);
    if (id !== undefined) seenMembers.add(id);
  }
  for (const record of incoming) {
    const id = memberIdentity(attribute, record);
    if (id !== undefined) {
      if (seenMembers.has(id)) continue;
      seenMembers.add(id);
    } else if (result.some((candidate) => deepEqual(candidate, record))) {
      continue;
    }
    result.push(record);
  }
  return result;
}

export function countPrimaries(records: readonly unknown[]): number {
  return records.filter((record) => isJsonObject(record) && readAttribute(record, 'primary') === true).length;
}
