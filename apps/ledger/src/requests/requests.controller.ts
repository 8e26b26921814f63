import { BadRequestException, Body, Controller, Get, Inject, NotFoundException, Param, Put, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { streamCategory, type RequestRecorded } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/eventstore';
import { ScimReadModel, type RequestFilter } from '@ledger/projections';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Min, ValidateIf } from 'class-validator';
import type { Request } from 'express';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AuditAuthGuard } from '../audit/audit-auth.guard';
import { onlyParams, parseCount, parseOptionalPeriod, parseText } from '../audit/audit-query';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { EVENT_STORE } from '../infrastructure/tokens';
import { adminContext } from '../shared/http-context';
import { TenancyService } from '../tenancy/tenancy.service';
import { tally, tokenSummary } from './diagnostics';
import { UNKNOWN_TENANT } from './request-ledger';
import { stateAround } from './state-around';
import { ApiAuditRequestEscalation, ApiAuditRequests } from '../audit/audit.openapi';

class RetentionDto {
  @ApiProperty({ type: Number, nullable: true, description: 'days the request ledger index keeps requests; null for unlimited' })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(1)
  requestRetentionDays!: number | null;
}

/** The request ledger for IAM engineers and auditors: what came in, what we answered, and why. */
@ApiTags('request ledger')
@ApiBearerAuth()
@Controller()
@UseGuards(AuditAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AuditRequestsController {
  constructor(private readonly readModel: ScimReadModel, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('tenants/:tenant/audit/requests')
  @ApiAuditRequests()
  list(@Param('tenant') tenant: string, @Query() query: Record<string, unknown>) {
    const { period, ...filter } = requestFilter(query);
    const requests = this.readModel.requests(tenant, filter);
    return {
      ...(period ? { period } : {}),
      totalResults: this.readModel.countRequests(tenant, filter), startIndex: (filter.offset ?? 0) + 1, itemsPerPage: requests.length, requests,
    };
  }

  /** One call for a support ticket: the request, our answer, its events, and state before and after. */
  @Get('tenants/:tenant/audit/requests/:requestId/escalation')
  @ApiAuditRequestEscalation()
  async escalation(@Param('tenant') tenant: string, @Param('requestId') requestId: string) {
    const [row] = this.readModel.requests(tenant, { requestId, limit: 1 });
    if (!row) throw new NotFoundException(`request ${requestId} is not in the ledger of tenant ${tenant}`);
    const [recorded] = await this.store.readStream(`request-${row.tenantId}:${requestId}`, { maxCount: 1 });
    const request = (recorded as RecordedEvent<RequestRecorded['data']> | undefined)?.data;
    const producedStreams = [...new Set((request?.produced ?? []).map((p) => p.streamId))];
    const resources = [];
    for (const streamId of producedStreams) {
      const events = (await this.store.readStream(streamId)).filter((e) => e.metadata.requestId === requestId);
      if (events.length === 0) continue;
      resources.push({
        streamId,
        events: events.map(publicEvent),
        ...(await stateAround(this.store, streamId, events[0]!.revision, events[events.length - 1]!.revision)),
      });
    }
    return {
      request: request ?? row,
      response: { status: row.status, scimType: row.scimType, detail: row.detail, latencyMs: row.latencyMs },
      correlatedRequests: this.readModel.requests(tenant, { correlationId: row.correlationId, limit: 50 }).map((r) => r.requestId),
      resources,
    };
  }

}

/** Sync health and retention, for whoever runs the service. */
@ApiTags('request ledger')
@ApiBearerAuth()
@Controller()
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class RequestsAdminController {
  constructor(private readonly readModel: ScimReadModel, private readonly tenancy: TenancyService) {}

  @Get('admin/tenants/:tenant/diagnostics')
  diagnostics(@Param('tenant') tenant: string, @Query('windowSeconds') windowSeconds?: string) {
    this.tenancy.requireTenant(tenant);
    const seconds = windowSeconds === undefined ? 3600 : Number(windowSeconds);
    if (!Number.isInteger(seconds) || seconds < 1) throw new BadRequestException('windowSeconds must be a positive whole number');
    const from = new Date(Date.now() - seconds * 1000).toISOString();
    const rows = this.readModel.requests(tenant, { from, limit: 1_000_000 });
    return {
      tenant,
      window: { seconds, from, to: new Date().toISOString() },
      overall: tally(rows),
      tokens: this.readModel.tokensOf(tenant).map((token) => ({
        ...tokenSummary(token, this.readModel.tokenUsage(token.tokenId)),
        window: tally(rows.filter((r) => r.tokenId === token.tokenId)),
      })),
    };
  }

  /** Requests whose URL named no possible tenant: wrong base URLs, scanners, typos. */
  @Get('admin/unrouted-requests')
  unrouted(@Query() query: Record<string, unknown>) {
    const { period: _period, ...filter } = requestFilter(query);
    return { requests: this.readModel.requests(UNKNOWN_TENANT, filter), startIndex: (filter.offset ?? 0) + 1 };
  }

  @Put('admin/tenants/:tenant/retention')
  async retention(@Req() request: Request, @Param('tenant') tenant: string, @Body() body: RetentionDto) {
    return this.tenancy.setRequestRetention(adminContext(request, tenant), tenant, body.requestRetentionDays ?? null);
  }
}

const REQUEST_FILTERS = ['requestId', 'correlationId', 'tokenId', 'scimType', 'status', 'from', 'to', 'count', 'startIndex'] as const;

/** The same rules as the rest of the audit API: times with a zone, periods [from, to) up to now, one value per filter. */
function requestFilter(query: Record<string, unknown>): RequestFilter & { period?: { from: string; to: string } } {
  onlyParams(query, REQUEST_FILTERS);
  const filter: RequestFilter & { period?: { from: string; to: string } } = {};
  for (const key of ['requestId', 'correlationId', 'tokenId', 'scimType'] as const) {
    const value = parseText(key, query[key]);
    if (value !== undefined) filter[key] = value;
  }
  Object.assign(filter, parseOptionalPeriod(query, () => new Date()));
  if (query['status'] !== undefined && query['status'] !== '') {
    const raw = query['status'];
    const status = typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : NaN;
    if (!(status >= 100 && status <= 599)) throw new BadRequestException(`status "${String(raw).slice(0, 20)}" is not an HTTP status code (100-599)`);
    filter.status = status;
  }
  filter.limit = parseCount(query['count'], 100, 1000);
  filter.offset = parseCount(query['startIndex'], 1, Number.MAX_SAFE_INTEGER, 'startIndex') - 1;
  return filter;
}

function publicEvent(event: RecordedEvent) {
  return { ...event, position: event.position.toString(), category: streamCategory(event.streamId) };
}
