import { BadRequestException, Controller, Get, Header, NotFoundException, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { SlaRuntime, type CaseStatusFilter } from '@ledger/sla';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { TenancyService } from '../tenancy/tenancy.service';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const STATUSES: CaseStatusFilter[] = ['all', 'open', 'breached', 'closed'];
const DAY_MS = 24 * 3600 * 1000;

/** SLA cases and reports per tenant, for on-call and auditors (admin token). */
@ApiTags('sla')
@ApiBearerAuth()
@Controller('tenants/:tenant/sla')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class SlaReportsController {
  constructor(private readonly runtime: SlaRuntime, private readonly tenancy: TenancyService) {}

  /** `?from&to` (ISO; default the last 30 days) `&format=json|csv`: cases whose window started in [from, to). */
  @Get('report')
  @ApiOperation({ summary: 'SLA report: cases, share within window, p50/p95 time to complete, each breach with its timeline' })
  @ApiQuery({ name: 'from', required: false, description: 'ISO date or time; default 30 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO date or time; default now' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async report(
    @Param('tenant') tenant: string,
    @Res({ passthrough: true }) response: Response,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('format') format = 'json',
  ) {
    this.tenancy.requireTenant(tenant);
    if (format !== 'json' && format !== 'csv') throw new BadRequestException('format must be json or csv');
    const end = instant('to', to) ?? new Date();
    const start = instant('from', from) ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start.getTime() >= end.getTime()) throw new BadRequestException('from must be before to');
    await this.current();
    if (format === 'csv') {
      response.setHeader('content-type', 'text/csv; charset=utf-8');
      response.setHeader('content-disposition', `attachment; filename="sla-report-${tenant}-${start.toISOString().slice(0, 10)}-${end.toISOString().slice(0, 10)}.csv"`);
      return this.runtime.reportCsv(tenant, start.toISOString(), end.toISOString());
    }
    return this.runtime.report(tenant, start.toISOString(), end.toISOString());
  }

  /** `?status=open|breached|closed|all&limit=100`, newest first. */
  @Get('cases')
  @ApiOperation({ summary: 'Lifecycle SLA cases, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: ['all', 'open', 'breached', 'closed'] })
  @ApiQuery({ name: 'limit', required: false })
  @Header('cache-control', 'no-store')
  async cases(@Param('tenant') tenant: string, @Query('status') status = 'all', @Query('limit') limit = '100') {
    this.tenancy.requireTenant(tenant);
    if (!STATUSES.includes(status as CaseStatusFilter)) throw new BadRequestException(`status must be one of ${STATUSES.join(', ')}`);
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) throw new BadRequestException('limit must be between 1 and 1000');
    await this.current();
    return { tenant, status, cases: this.runtime.listCases(tenant, status as CaseStatusFilter, Number(limit)) };
  }

  /** One case with its timeline, what it still waits for, and every alert delivery attempt. */
  @Get('cases/:caseId')
  @ApiOperation({ summary: 'One case: timeline, what it still waits for, alert deliveries' })
  async case(@Param('tenant') tenant: string, @Param('caseId') caseId: string) {
    this.tenancy.requireTenant(tenant);
    await this.current();
    const detail = this.runtime.caseDetail(tenant, caseId);
    if (!detail) throw new NotFoundException(`tenant ${tenant} has no SLA case ${caseId}`);
    return detail;
  }

  /** Reads answer from the case projection once it has caught up with what was written before the request. */
  private async current(): Promise<void> {
    await this.runtime.projection.waitFor(await this.runtime.headPosition(), 5000).catch(() => undefined);
  }
}

function instant(name: string, value: string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  if (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw new BadRequestException(`${name} must be an ISO-8601 date or time, e.g. 2026-03-01 or 2026-03-01T00:00:00Z`);
  return new Date(Date.parse(value));
}
