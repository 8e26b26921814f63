import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ScimReadModel } from '@ledger/projections';
import { TENANT_ID_PATTERN, streams, type RequestRecorded } from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import type { NextFunction, Request, Response } from 'express';
import { EVENT_STORE } from '../infrastructure/tokens';
import { LedgerMetrics, resourceOf, scimTypeLabel } from '../observability/metrics';
import type { ScimRequest } from '../scim/scim-auth.guard';
import { traceOf, type TracedRequest } from '../shared/http-context';
import { ledgerBody, ledgerQuery } from './redact';

const SCIM_PATH = /^\/tenants\/([^/]+)\/(scim\/v2|lifecycle)(\/|$)/;
/** Tenant ids that cannot be ours are filed under this one, so garbage URLs are still on record. */
export const UNKNOWN_TENANT = '_unknown';

/**
 * Every SCIM request, accepted or refused, authenticated or not, becomes a RequestRecorded event
 * on its own stream once the response is sent: the IdP never waits for the ledger, and a
 * request stream never contends with another.
 */
@Injectable()
export class RequestLedger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RequestLedger');
  private pending = new Set<Promise<unknown>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModel: ScimReadModel,
    private readonly metrics: LedgerMetrics,
  ) {}

  onModuleInit(): void {
    this.sweepRetention();
    this.sweeper = setInterval(() => this.sweepRetention(), 3600_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /**
   * Applies each tenant's retention to the request ledger index. The RequestRecorded events stay
   * in the log (removing them would break the hash chain and the Merkle tree), so an export can
   * still reach them; the index, which is what queries and diagnostics read, forgets them.
   */
  sweepRetention(now = new Date()): number {
    let purged = 0;
    for (const tenant of this.readModel.tenants()) {
      const days = this.readModel.requestRetentionDays(tenant.tenantId);
      if (days === null) continue;
      purged += this.readModel.purgeRequestsBefore(tenant.tenantId, new Date(now.getTime() - days * 86_400_000).toISOString());
    }
    return purged;
  }

  /** Express middleware; installed before the body parsers so their refusals are recorded too. */
  middleware() {
    return (request: Request, response: Response, next: NextFunction) => {
      const match = SCIM_PATH.exec(request.path);
      if (!match) return next();
      const trace = traceOf(request as TracedRequest);
      response.setHeader('X-Request-Id', trace.requestId);
      response.setHeader('X-Correlation-Id', trace.correlationId);
      response.on('finish', () => {
        const tenant = decodeURIComponent(match[1]!);
        this.count(request as ScimRequest, response, tenant);
        this.track(this.record(request as ScimRequest, response, tenant));
      });
      next();
    };
  }

  /** Resolves when every record started so far is written (graceful shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private count(request: ScimRequest, response: Response, urlTenant: string): void {
    const tenant = TENANT_ID_PATTERN.test(urlTenant) ? urlTenant : UNKNOWN_TENANT;
    const resource = resourceOf(request.path);
    this.metrics.scimRequests.inc({
      tenant,
      idp: request.scimCaller?.token.idp ?? '',
      method: request.method,
      resource,
      status: String(response.statusCode),
      scim_type: scimTypeLabel(request.scimError?.scimType),
    });
    this.metrics.scimRequestDuration.observe({ method: request.method, resource }, (performance.now() - traceOf(request).startedAt) / 1000);
    const failure = request.authFailure;
    if (failure && failure.reason !== 'suspended') this.metrics.authFailures.inc({ tenant, reason: failure.reason });
    if (failure?.reason === 'wrong_tenant') this.metrics.wrongTenantAttempts.inc({ tenant, token_tenant: failure.tokenTenant ?? '' });
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async record(request: ScimRequest, response: Response, urlTenant: string): Promise<void> {
    try {
      const trace = traceOf(request);
      const tenant = TENANT_ID_PATTERN.test(urlTenant) ? urlTenant : UNKNOWN_TENANT;
      const caller = request.scimCaller;
      const failure = request.authFailure;
      const kept = ledgerBody(request.body);
      const queryAt = request.originalUrl.indexOf('?');
      const forwarded = request.headers['x-forwarded-for'];
      const data: RequestRecorded['data'] = {
        requestId: trace.requestId,
        correlationId: trace.correlationId,
        correlationSource: trace.correlationFromIdp ? 'idp' : 'generated',
        method: request.method,
        path: request.path,
        query: ledgerQuery(queryAt >= 0 ? request.originalUrl.slice(queryAt + 1) : ''),
        status: response.statusCode,
        scimType: request.scimError?.scimType ?? null,
        detail: request.scimError?.message ?? null,
        latencyMs: Math.round((performance.now() - trace.startedAt) * 100) / 100,
        tokenId: caller?.token.tokenId ?? failure?.tokenId ?? null,
        idp: caller?.token.idp ?? null,
        authFailure: failure?.reason ?? null,
        tokenTenant: failure?.tokenTenant && failure.tokenTenant !== tenant ? failure.tokenTenant : null,
        sourceAddress: (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() ?? request.socket.remoteAddress ?? null,
        userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
        body: kept.body,
        bodyTruncated: kept.truncated,
        bodySha256: kept.sha256,
        ignoredAttributes: request.ignoredAttributes ?? [],
        produced: request.ledgerContext?.produced ?? [],
        resourceId: request.resourceId ?? null,
        at: trace.receivedAt.toISOString(),
      };
      await this.store.append(
        streams.request(tenant, trace.requestId),
        [{
          type: 'RequestRecorded',
          data,
          metadata: {
            tenant,
            correlationId: trace.correlationId,
            requestId: trace.requestId,
            idp: data.idp,
            tokenId: data.tokenId,
            actor: data.tokenId ? `token:${data.tokenId}` : 'anonymous',
          },
        }],
        'no_stream',
      );
    } catch (error) {
      this.logger.error(`could not record request: ${(error as Error).message}`);
    }
  }
}
