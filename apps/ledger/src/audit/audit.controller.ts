import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { streams, type AuditBundleExported } from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import { randomUUID } from 'node:crypto';
import type { IdentifierKind } from '@ledger/projections';
import type { Response } from 'express';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { EVENT_STORE } from '../infrastructure/tokens';
import { traceOf } from '../shared/http-context';
import { baseUrlOf } from '../scim/scim-context';
import { AuditAuthGuard, type AuditRequest } from './audit-auth.guard';
import { AuditExporter, type ExportFormat, type ExportManifest } from './audit-export';
import {
  onlyParams,
  parseAt,
  parseCategories,
  parseChangesCursor,
  parseCount,
  parseOffsetCursor,
  parseOptionalPeriod,
  parsePeriod,
  parseRevisionCursor,
  parseStaleDays,
  parseTypes,
} from './audit-query';
import { AuditService, DRIFT_LISTS, IDENTIFIER_VIEWS } from './audit.service';
import { ApiAuditController, ApiAuditUserState, ApiAuditUserAccess, ApiAuditUserHistory, ApiAuditUserMembershipHistory, ApiAuditAttributeHistory, ApiAuditByUserName, ApiAuditByExternalId, ApiAuditGroupMembers, ApiAuditGroupHistory, ApiAuditChanges, ApiAuditDrift, ApiAuditExport } from './audit.openapi';

type QueryParams = Record<string, unknown>;
const now = () => new Date();
const atOf = (query: QueryParams) => parseAt(query['at'], now);
const PAGE_PARAMS = ['count', 'cursor'];
const HISTORY_PARAMS = ['from', 'to', 'type', ...PAGE_PARAMS];

/**
 * The audit API: what was the state at time T, and why. Admin token or an auditor token of
 * the tenant. Time travel answers are folded from the user's own stream; memberships, history
 * paging, changes and drift come from the audit projections (see README.md here).
 */
@ApiAuditController()
@Controller('tenants/:tenant/audit')
@UseGuards(AuditAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly exporter: AuditExporter,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('users/:id/state')
  @ApiAuditUserState()
  userState(@Req() request: AuditRequest, @Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, ['at']);
    return this.audit.userState(tenant, id, atOf(query), baseUrlOf(request));
  }

  @Get('users/:id/access')
  @ApiAuditUserAccess()
  access(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, ['at']);
    return this.audit.access(tenant, id, atOf(query));
  }

  @Get('users/:id/history')
  @ApiAuditUserHistory()
  userHistory(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, HISTORY_PARAMS);
    return this.audit.history(streams.user(tenant, id), 'User', id, historyQuery(query));
  }

  @Get('users/:id/membership-history')
  @ApiAuditUserMembershipHistory()
  membershipHistory(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, PAGE_PARAMS);
    return this.audit.membershipHistory(tenant, id, membershipHistoryQuery(query));
  }

  @Get('users/:id/attribute-history')
  @ApiAuditAttributeHistory()
  attributeHistory(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, ['attribute', ...PAGE_PARAMS]);
    const attribute = query['attribute'];
    if (attribute !== undefined && (typeof attribute !== 'string' || attribute.length === 0 || attribute.length > 300)) {
      throw new BadRequestException('attribute must be one attribute name, e.g. title or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department');
    }
    // History is kept per attribute (a complex one like name whole): name.givenName would match nothing.
    const leaf = typeof attribute === 'string' ? attribute.slice(attribute.lastIndexOf(':') + 1) : '';
    if (leaf.includes('.')) {
      throw new BadRequestException(`attribute "${String(attribute).slice(0, 100)}" names a sub-attribute; history is kept per attribute: ask for "${String(attribute).slice(0, String(attribute).lastIndexOf('.'))}"`);
    }
    const cursor = parseRevisionCursor(query['cursor']);
    return this.audit.attributeHistory(tenant, id, {
      attribute: attribute as string | undefined,
      cursor: cursor === undefined ? undefined : BigInt(cursor),
      count: parseCount(query['count'], 50, 1000),
    });
  }

  @Get('users/by-username/:value/:view')
  @ApiAuditByUserName()
  byUserName(@Req() request: AuditRequest, @Param('tenant') tenant: string, @Param('value') value: string, @Param('view') view: string, @Query() query: QueryParams) {
    return this.byIdentifier(request, tenant, 'userName', value, view, query);
  }

  @Get('users/by-external-id/:value/:view')
  @ApiAuditByExternalId()
  byExternalId(@Req() request: AuditRequest, @Param('tenant') tenant: string, @Param('value') value: string, @Param('view') view: string, @Query() query: QueryParams) {
    return this.byIdentifier(request, tenant, 'externalId', value, view, query);
  }

  @Get('groups/:id/members')
  @ApiAuditGroupMembers()
  members(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, ['at', 'startIndex', 'count', 'effective']);
    return this.audit.groupMembers(tenant, id, atOf(query), {
      startIndex: parseCount(query['startIndex'], 1, Number.MAX_SAFE_INTEGER, 'startIndex'),
      count: parseCount(query['count'], 10_000, 100_000),
      effective: parseFlag('effective', query['effective']),
    });
  }

  @Get('groups/:id/history')
  @ApiAuditGroupHistory()
  groupHistory(@Param('tenant') tenant: string, @Param('id') id: string, @Query() query: QueryParams) {
    onlyParams(query, HISTORY_PARAMS);
    return this.audit.history(streams.group(tenant, id), 'Group', id, historyQuery(query));
  }

  @Get('changes')
  @ApiAuditChanges()
  changes(@Param('tenant') tenant: string, @Query() query: QueryParams) {
    onlyParams(query, ['from', 'to', 'type', 'category', 'count', 'cursor']);
    const period = parsePeriod(query, now);
    return this.audit.changes({
      tenant,
      ...period,
      types: parseTypes(query['type']),
      categories: parseCategories(query['category']),
      after: parseChangesCursor(query['cursor']),
      count: parseCount(query['count'], 100, 1000),
    });
  }

  @Get('drift')
  @ApiAuditDrift()
  drift(@Param('tenant') tenant: string, @Query() query: QueryParams) {
    onlyParams(query, ['staleDays', 'from', 'to', 'count', 'list', 'startIndex']);
    const asked = query['list'];
    const list = asked === undefined || asked === '' ? undefined : DRIFT_LISTS.find((name) => typeof asked === 'string' && name.toLowerCase() === asked.toLowerCase());
    if (asked !== undefined && asked !== '' && list === undefined) {
      throw new BadRequestException(`list must be one of ${DRIFT_LISTS.join(', ')}`);
    }
    const startIndex = parseCount(query['startIndex'], 1, Number.MAX_SAFE_INTEGER, 'startIndex');
    if (startIndex > 1 && list === undefined) throw new BadRequestException('startIndex pages one list: give list as well');
    return this.audit.drift(tenant, {
      staleDays: parseStaleDays(query['staleDays']),
      now: now(),
      ...parsePeriod(query, now),
      count: parseCount(query['count'], 100, 1000),
      list,
      startIndex,
    });
  }

  @Get('export')
  @ApiAuditExport()
  async export(@Req() request: AuditRequest, @Param('tenant') tenant: string, @Query() query: QueryParams, @Res() response: Response): Promise<void> {
    onlyParams(query, ['from', 'to', 'format']);
    const { from, to } = parsePeriod(query, now);
    const format = (query['format'] ?? 'jsonl') as ExportFormat;
    if (format !== 'jsonl' && format !== 'csv') throw new BadRequestException('format must be jsonl or csv');
    const caller = request.auditCaller!;
    const exportId = randomUUID();
    const generatedBy = caller.kind === 'admin' ? 'admin' : `auditor:${caller.auditor.auditorId}`;
    response.status(200);
    response.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="audit-${tenant}-${from.slice(0, 10)}-${to.slice(0, 10)}.${format}"`);
    response.setHeader('Cache-Control', 'no-store');
    // HEAD (which Express routes here) would run the whole export for nothing and record a bundle nobody got.
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.setHeader('X-Audit-Export-Id', exportId);
    let closed = false;
    response.on('close', () => {
      closed = true;
    });
    try {
      const manifest = await this.exporter.export(
        { tenant, from, to, format, baseUrl: baseUrlOf(request), now: now(), generatedBy, exportId },
        {
          closed: () => closed || response.destroyed,
          write: (chunk) =>
            new Promise<void>((resolve) => {
              if (response.write(chunk)) resolve();
              else response.once('drain', resolve).once('close', resolve);
            }),
        },
      );
      // Only a bundle handed out whole is evidence, so only that is recorded; the record comes
      // before the end of the body, so a client that got the whole bundle can find it.
      if (!closed && !response.destroyed) await this.recordExport(request, tenant, generatedBy, manifest);
      response.end();
    } catch (error) {
      // Headers are gone: a truncated bundle without its manifest is the failure signal.
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async recordExport(request: AuditRequest, tenant: string, generatedBy: string, manifest: ExportManifest): Promise<void> {
    const trace = traceOf(request);
    const at = new Date().toISOString();
    const data: AuditBundleExported['data'] = {
      exportId: manifest.exportId, tenantId: tenant, from: manifest.from, to: manifest.to, format: manifest.format, generatedBy,
      counts: manifest.counts, firstPosition: manifest.firstPosition, lastPosition: manifest.lastPosition, sha256: manifest.sha256, at,
    };
    await this.store.append(streams.auditExport(tenant, manifest.exportId), [{
      type: 'AuditBundleExported',
      data,
      metadata: {
        tenant, requestId: trace.requestId, correlationId: trace.correlationId, causationId: null, idp: null, tokenId: null, actor: generatedBy, recordedAt: at,
      },
    }], 'no_stream');
  }

  private async byIdentifier(request: AuditRequest, tenant: string, identifier: IdentifierKind, value: string, view: string, query: QueryParams) {
    if (!IDENTIFIER_VIEWS.includes(view as (typeof IDENTIFIER_VIEWS)[number])) {
      throw new BadRequestException(`unknown view "${view}": use ${IDENTIFIER_VIEWS.join(', ')}`);
    }
    onlyParams(query, ['at', ...(view === 'history' ? HISTORY_PARAMS : view === 'membership-history' ? PAGE_PARAMS : [])]);
    const at = atOf(query);
    // Parse the view's own parameters before resolving, so bad input answers 400 whoever held the name.
    const history = view === 'history' ? historyQuery(query) : undefined;
    const membership = view === 'membership-history' ? membershipHistoryQuery(query) : undefined;
    const { userId, holders } = await this.audit.resolve(tenant, identifier, value, at);
    try {
      if (view === 'state') return { ...(await this.audit.userState(tenant, userId, at, baseUrlOf(request))), holders };
      if (view === 'access') return { ...(await this.audit.access(tenant, userId, at)), holders };
      if (membership) return { ...(await this.audit.membershipHistory(tenant, userId, membership)), holders };
      return { id: userId, ...(await this.audit.history(streams.user(tenant, userId), 'User', userId, history!)), holders };
    } catch (error) {
      // A deleted holder's state is a 404 DELETED, like by id; it says who the name belonged to.
      if (error instanceof NotFoundException) {
        const body = error.getResponse();
        throw new NotFoundException({ ...(typeof body === 'object' ? body : { message: body }), id: userId, holders });
      }
      throw error;
    }
  }
}

/** Stream history filters. `to` after now is cut to now; periods are [from, to). */
function historyQuery(query: QueryParams) {
  const { from, to } = parseOptionalPeriod(query, now);
  return {
    from,
    to,
    types: parseTypes(query['type']),
    cursor: parseRevisionCursor(query['cursor']),
    count: parseCount(query['count'], 50, 1000),
  };
}

function membershipHistoryQuery(query: QueryParams) {
  return { offset: parseOffsetCursor(query['cursor']), count: parseCount(query['count'], 100, 1000) };
}

function parseFlag(name: string, raw: unknown): boolean {
  const text = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new BadRequestException(`${name} must be true or false`);
}
