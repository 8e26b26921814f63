import type { Request } from 'express';
import { traceOf } from '../shared/http-context';
import type { RequestContext } from '../shared/request-context';
import type { ScimRequest } from './scim-auth.guard';

/** One context per request: every write of the request shares its time and produced-events list. */
export function scimContext(request: ScimRequest): RequestContext {
  if (request.ledgerContext) return request.ledgerContext;
  const trace = traceOf(request);
  const caller = request.scimCaller!;
  request.ledgerContext = {
    tenant: caller.tenant.tenantId,
    requestId: trace.requestId,
    correlationId: trace.correlationId,
    idp: caller.token.idp,
    tokenId: caller.token.tokenId,
    actor: `token:${caller.token.tokenId}`,
    at: new Date(),
    produced: [],
  };
  return request.ledgerContext;
}

/** The base URL the IdP used, so `meta.location` and `$ref` point where it can follow them. */
export function baseUrlOf(request: Request): string {
  const forwardedProto = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',')[0]?.trim() || request.protocol;
  return `${proto}://${request.get('host') ?? 'localhost'}/tenants/${request.params['tenant']}/scim/v2`;
}
