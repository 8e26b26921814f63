import type { Request } from 'express';
import { traceOf } from '../shared/http-context';
import type { RequestContext } from '../shared/request-context';
import type { ScimRequest } from './scim-auth.guard';

export function scimContext(request: ScimRequest): RequestContext {
  const trace = traceOf(request);
  const caller = request.scimCaller!;
  return {
    tenant: caller.tenant.tenantId,
    requestId: trace.requestId,
    correlationId: trace.correlationId,
    idp: caller.token.idp,
    tokenId: caller.token.tokenId,
    actor: `token:${caller.token.tokenId}`,
    at: new Date(),
  };
}

/** The base URL the IdP used, so `meta.location` and `$ref` point where it can follow them. */
export function baseUrlOf(request: Request): string {
  const forwardedProto = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',')[0]?.trim() || request.protocol;
  return `${proto}://${request.get('host') ?? 'localhost'}/tenants/${request.params['tenant']}/scim/v2`;
}
