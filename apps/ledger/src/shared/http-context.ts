import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from './request-context';

/** Headers IdPs use to correlate a request with their own logs, in order of preference. */
const CORRELATION_HEADERS = ['client-request-id', 'x-request-id', 'x-correlation-id', 'x-okta-request-id', 'request-id'];

export interface TracedRequest extends Request {
  ledger?: { requestId: string; correlationId: string; correlationFromIdp: boolean; startedAt: number; receivedAt: Date };
}

/** Assigns request and correlation ids once per request (also sent back as response headers). */
export function traceOf(request: TracedRequest): NonNullable<TracedRequest['ledger']> {
  if (!request.ledger) {
    const requestId = randomUUID();
    let correlationId: string | null = null;
    for (const header of CORRELATION_HEADERS) {
      const value = request.headers[header];
      const text = Array.isArray(value) ? value[0] : value;
      if (text && text.length <= 200) {
        correlationId = text;
        break;
      }
    }
    request.ledger = {
      requestId,
      correlationId: correlationId ?? requestId,
      correlationFromIdp: correlationId !== null,
      startedAt: performance.now(),
      receivedAt: new Date(),
    };
  }
  return request.ledger;
}

export function adminContext(request: Request, tenant: string): RequestContext {
  const trace = traceOf(request);
  return {
    tenant,
    requestId: trace.requestId,
    correlationId: trace.correlationId,
    idp: null,
    tokenId: null,
    actor: 'admin',
    at: new Date(),
  };
}
