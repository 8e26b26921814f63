import { FilterNode } from './filter-ast';

export type IndexedAttribute = 'id' | 'externalId' | 'userName' | 'displayName';

export interface EqualityKey {
  readonly attribute: IndexedAttribute;
  readonly value: string;
  /** False for userName and displayName: the index lookup must ignore case. */
  readonly caseExact: boolean;
}

/** Most selective first: an id or externalId narrows to one resource, displayName may not. */
const PRIORITY: readonly IndexedAttribute[] = ['id', 'externalId', 'userName', 'displayName'];

/**
 * For `userName eq "x"` (alone or ANDed with anything) returns the equality a caller can look up
 * in an index. The caller still evaluates the full filter on the candidates it finds.
 */
export function filterEqualityKey(filter: FilterNode): EqualityKey | undefined {
  const candidates = equalities(filter);
  for (const attribute of PRIORITY) {
    const found = candidates.find((candidate) => candidate.attribute === attribute);
    if (found) return found;
  }
  return undefined;
}

function equalities(node: FilterNode): EqualityKey[] {
  if (node.type === 'and') return node.operands.flatMap(equalities);
  if (node.type !== 'comparison' || node.operator !== 'eq' || typeof node.value !== 'string') return [];
  const { attribute } = node;
  if (attribute.extension || attribute.subAttribute) return [];
  const name = attribute.attribute.name as IndexedAttribute;
  if (!PRIORITY.includes(name)) return [];
  return [{ attribute: name, value: node.value, caseExact: attribute.attribute.caseExact }];
}
