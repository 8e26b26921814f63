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
/** Where bootstrap keeps PUBLIC_BASE_URL on the Express app, for baseUrlOf. */
export const PUBLIC_BASE_URL_SETTING = 'scim-ledger public base url';

export function baseUrlOf(request: Request): string {
  const configured = request.app?.get(PUBLIC_BASE_URL_SETTING) as string | null | undefined;
  if (configured) return `${configured}/tenants/${request.params['tenant']}/scim/v2`;
  // Without PUBLIC_BASE_URL, what the nearest proxy says (any client can set these headers).
  const proto = firstForwarded(request.headers['x-forwarded-proto']) || request.protocol;
  const host = firstForwarded(request.headers['x-forwarded-host']) || request.get('host') || 'localhost';
  return `${proto}://${host}/tenants/${request.params['tenant']}/scim/v2`;
}

function firstForwarded(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() || undefined;
}
