import { Body, Controller, HttpCode, Param, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { scimContext } from '../scim/scim-context';
import { adminContext } from '../shared/http-context';
import { SignalAuthGuard, type SignalRequest } from './signal-auth.guard';
import { SlaService } from './sla.service';

/**
 * `POST /tenants/{tenant}/lifecycle/signals`: an HR system reports a termination
 * (`{"type":"termination","userName":"alice@example.com","effectiveAt":"..."}`). It opens the
 * leaver case, or joins the one an IdP deactivation already opened.
 */
@ApiTags('sla')
@ApiBearerAuth()
@Controller('tenants/:tenant/lifecycle/signals')
@UseGuards(SignalAuthGuard)
@UseFilters(AdminExceptionFilter)
export class LifecycleSignalsController {
  constructor(private readonly sla: SlaService) {}

  @Post()
  @ApiOperation({ summary: 'Report a termination (HR): opens or joins the leaver SLA case. Bearer: the tenant SCIM token or the admin token' })
  @ApiBody({ schema: { type: 'object', example: { type: 'termination', userName: 'alice@example.com', effectiveAt: '2026-03-03T17:00:00Z', signalId: 'workday-7731', source: 'workday' } } })
  @ApiAcceptedResponse({
    description: 'The signal is recorded (`recorded: false` when this signalId was already). `case` is the leaver case it opened or joined, or null when none opens;'
      + ' `casePending: true` means the case projection was still behind after 5 s: the case is not known yet and will appear in `GET /tenants/{tenant}/sla/cases`.',
  })
  @HttpCode(202)
  async record(@Req() request: SignalRequest, @Param('tenant') tenant: string, @Body() body: unknown) {
    const context = request.signalCaller === 'admin' ? adminContext(request, tenant) : scimContext(request);
    return this.sla.recordTermination(context, tenant, body);
  }
}
