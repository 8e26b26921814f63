import type { EventMetadata } from '@ledger/eventstore';

/** Who is acting, through which request: travels from the HTTP edge into every event's metadata. */
export interface RequestContext {
  tenant: string;
  requestId: string;
  correlationId: string;
  causationId?: string | null;
  idp: string | null;
  tokenId: string | null;
  actor: string;
  at: Date;
  /** Filled by the repository with what the request appended, for the request ledger. */
  produced?: Array<{ streamId: string; type: string; position: string }>;
}

export function metadataOf(context: RequestContext): EventMetadata {
  return {
    tenant: context.tenant,
    correlationId: context.correlationId,
    causationId: context.causationId ?? null,
    requestId: context.requestId,
    idp: context.idp,
    tokenId: context.tokenId,
    actor: context.actor,
    recordedAt: context.at.toISOString(),
  };
}
