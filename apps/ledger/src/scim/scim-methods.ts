import { ScimError } from '@ledger/scim';
import type { Response } from 'express';

const READ = ['GET', 'HEAD'];
const COLLECTION = ['GET', 'HEAD', 'POST'];
const RESOURCE = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'];
const SEARCH = ['POST'];

/** What each SCIM path under `/tenants/{t}/scim/v2` answers to; Express answers HEAD wherever GET is routed. */
const ENDPOINTS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^\/(Users|Groups)$/i, COLLECTION],
  [/^\/(Users\/|Groups\/)?\.search$/i, SEARCH],
  [/^\/(Users|Groups)\/[^/]+$/i, RESOURCE],
  [/^\/Bulk$/i, ['POST']],
  [/^\/(ServiceProviderConfig|ResourceTypes|Schemas)$/i, READ],
  [/^\/(ResourceTypes|Schemas)\/[^/]+$/i, READ],
];

export type EndpointMethods = { kind: 'methods'; allowed: readonly string[] } | { kind: 'me' } | { kind: 'unknown' };

/** `path` is relative to the SCIM base, e.g. `/Users/123`. */
export function endpointMethods(path: string): EndpointMethods {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (/^\/Me(\/|$)/i.test(trimmed)) return { kind: 'me' };
  const match = ENDPOINTS.find(([pattern]) => pattern.test(trimmed));
  return match ? { kind: 'methods', allowed: match[1] } : { kind: 'unknown' };
}

/** RFC 9110 §15.5.6: a 405 must carry Allow; set here because the SCIM error body cannot. */
export function methodNotAllowed(response: Response, method: string, path: string, allowed: readonly string[]): ScimError {
  response.setHeader('Allow', allowed.join(', '));
  return new ScimError(405, undefined, `${method} is not supported on ${path}; allowed: ${allowed.join(', ')}`);
}

/** RFC 7644 §3.11: a service provider without /Me answers 501. */
export function meNotSupported(): ScimError {
  return new ScimError(501, undefined, '/Me is not supported here: the bearer token stands for an IdP, not a user; use /Users/{id}');
}
