import type { DomainEvent } from '../shared/decider';

export type AuthFailureReason = 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' | 'wrong_tenant' | 'suspended';

/** A fact about one SCIM request, accepted or not: what came in, who sent it, what we answered. */
export type RequestRecorded = DomainEvent<'RequestRecorded', {
  requestId: string;
  correlationId: string;
  /** Whether the correlation id came from the IdP's header or was generated here. */
  correlationSource: 'idp' | 'generated';
  method: string;
  path: string;
  query: string;
  status: number;
  scimType: string | null;
  /** Our error detail, for failures: what the IdP was told. */
  detail: string | null;
  latencyMs: number;
  tokenId: string | null;
  idp: string | null;
  authFailure: AuthFailureReason | null;
  /** For a wrong-tenant attempt: the tenant the token belongs to. */
  tokenTenant: string | null;
  sourceAddress: string | null;
  userAgent: string | null;
  /** Request body with secrets replaced, or null when there was none. */
  body: unknown;
  bodyTruncated: boolean;
  bodySha256: string | null;
  ignoredAttributes: string[];
  produced: Array<{ streamId: string; type: string; position: string }>;
  resourceId: string | null;
  at: string;
}>;
