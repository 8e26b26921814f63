import { ScimError, compareForSort, filterEqualityKey, matchesFilter, parseFilter, projectAttributes, type FilterNode } from '@ledger/scim';

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ListQuery {
  filter?: FilterNode;
  filterText?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder?: string;
  attributes?: string;
  excludedAttributes?: string;
}

type Raw = Record<string, unknown>;

/** Query string (GET) or body (POST .search) to a validated list query. */
export function parseListQuery(raw: Raw, resourceType: 'User' | 'Group'): ListQuery {
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (Array.isArray(value)) return value.map(String).join(',');
    if (typeof value !== 'string' && typeof value !== 'number') throw new ScimError(400, 'invalidValue', `${name} must be a string`);
    return String(value);
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new ScimError(400, 'invalidValue', `${name} must be an integer, got "${value}"`);
    return Math.max(parsed, min);
  };
  const filterText = text('filter');
  return {
    filterText,
    filter: filterText === undefined ? undefined : parseFilter(filterText, resourceType),
    // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
    startIndex: integer('startIndex', 1, 1),
    count: Math.min(integer('count', DEFAULT_PAGE, 0), MAX_PAGE),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    attributes: text('attributes'),
    excludedAttributes: text('excludedAttributes'),
  };
}

export function indexHint(query: ListQuery) {
  return query.filter ? filterEqualityKey(query.filter) : undefined;
}

/** Filters, sorts, pages and projects candidate resources into a ListResponse. */
export function listResponse(candidates: Raw[], query: ListQuery, resourceType: 'User' | 'Group') {
  let matched = query.filter ? candidates.filter((resource) => matchesFilter(query.filter!, resource as never)) : candidates;
  if (query.sortBy) matched = [...matched].sort(compareForSort(query.sortBy, query.sortOrder, resourceType) as (a: Raw, b: Raw) => number);
  const page = matched.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  return {
    schemas: [LIST_RESPONSE],
    totalResults: matched.length,
    startIndex: query.startIndex,
    itemsPerPage: page.length,
    Resources: page.map((resource) => projectAttributes(resource as never, resourceType, { attributes: query.attributes, excludedAttributes: query.excludedAttributes })),
  };
}

/** Whether a response needs an attribute at all, so large member lists are not loaded for nothing. */
export function wantsAttribute(query: { attributes?: string; excludedAttributes?: string; filterText?: string; sortBy?: string }, name: string): boolean {
  const lower = name.toLowerCase();
  const names = (list?: string) => (list ?? '').split(',').map((n) => n.trim().toLowerCase().split('.')[0]!);
  if (query.filterText?.toLowerCase().includes(lower) || query.sortBy?.toLowerCase().startsWith(lower)) return true;
  if (query.attributes) return names(query.attributes).includes(lower);
  return !names(query.excludedAttributes).includes(lower);
}

/** A POST .search body: a SearchRequest JSON object (RFC 7644 §3.4.3). */
export function searchBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ScimError(400, 'invalidSyntax', 'a .search body must be a SearchRequest JSON object');
  }
  return body as Record<string, unknown>;
}
