import { BadRequestException, Body, Controller, Get, Param, Put, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { adminContext } from '../shared/http-context';
import { SlaService } from './sla.service';

/** `PUT/GET /admin/tenants/{tenant}/sla-policy`: lifecycle windows and alert routes (DESIGN.md section 6). */
@ApiTags('sla')
@ApiBearerAuth()
@Controller('admin/tenants/:tenant/sla-policy')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class SlaPolicyController {
  constructor(private readonly sla: SlaService) {}

  @Put()
  @ApiOperation({ summary: 'Set the lifecycle SLA policy: a new version when it differs from the current one (see deploy/sla-policy.example.json)' })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        leaver: { windowSeconds: 900, severity: 'critical', scope: 'privileged', privilegedGroups: ['finance-admins'] },
        joiner: { windowSeconds: 86400, severity: 'warning', expectedGroups: ['all-staff'] },
        mover: { windowSeconds: 14400, severity: 'error', groupRules: ['finance-admins'] },
        downstreamTargets: ['hr-db'],
        routes: [{ type: 'pagerduty', routingKeyEnv: 'SLA_PAGERDUTY_ROUTING_KEY' }, { type: 'log' }],
      },
    },
  })
  async set(@Req() request: Request, @Param('tenant') tenant: string, @Body() body: unknown) {
    return this.sla.setPolicy(adminContext(request, tenant), tenant, body);
  }

  /** The current version, or `?version=N`; routing keys show only their last characters. */
  @Get()
  @ApiOperation({ summary: 'The current SLA policy version, or ?version=N' })
  @ApiQuery({ name: 'version', required: false })
  async show(@Param('tenant') tenant: string, @Query('version') version?: string) {
    if (version !== undefined && !/^[1-9]\d{0,8}$/.test(version)) throw new BadRequestException('version must be a positive whole number');
    return this.sla.policy(tenant, version === undefined ? undefined : Number(version));
  }
}
