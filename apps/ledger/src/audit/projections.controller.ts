import { Controller, Get, Inject, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@ledger/eventstore';
import { AuditProjector, ReadModelProjector } from '@ledger/projections';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { EVENT_STORE } from '../infrastructure/tokens';

/** Lag of every projection behind the log, for on-call. */
@ApiTags('projections')
@ApiBearerAuth()
@Controller('admin/projections')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class ProjectionsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly audit: AuditProjector,
    private readonly scim: ReadModelProjector,
  ) {}

  @Get()
  async status() {
    const head = await this.store.headPosition();
    const scimPosition = this.scim.position;
    return {
      head: head.toString(),
      projections: [
        { name: 'scim-read-model', checkpoint: scimPosition.toString(), head: head.toString(), lag: (head > scimPosition ? head - scimPosition : 0n).toString() },
        ...(await this.audit.status()),
      ],
      auditProjectorError: this.audit.error?.message ?? null,
    };
  }
}
