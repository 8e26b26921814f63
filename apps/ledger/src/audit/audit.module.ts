import { Inject, Injectable, Module, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@ledger/eventstore';
import { AuditProjector, AuditReadModel } from '@ledger/projections';
import { join } from 'node:path';
import type { LedgerConfig } from '../config/config';
import { EVENT_STORE, LEDGER_CONFIG } from '../infrastructure/tokens';
import { LAG_SOURCES, type LagSource } from '../observability/metrics.controller';
import { AuditAuthGuard } from './audit-auth.guard';
import { AuditExporter } from './audit-export';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditorsController } from './auditors.controller';
import { AuditorsService } from './auditors.service';
import { ProjectionsController } from './projections.controller';

/** Starts the audit projections with the app (caught up before it serves) and stops them with it. */
@Injectable()
export class AuditProjectionLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly projector: AuditProjector,
    private readonly model: AuditReadModel,
    @Optional() @Inject(LAG_SOURCES) private readonly lagSources?: LagSource[],
  ) {}

  async onModuleInit(): Promise<void> {
    this.projector.start();
    await this.projector.caughtUp();
    this.lagSources?.push({ name: 'audit-projections', position: () => this.projector.position });
  }

  async onModuleDestroy(): Promise<void> {
    await this.projector.stop();
    this.model.close();
  }
}

@Module({
  controllers: [AuditController, AuditorsController, ProjectionsController],
  providers: [
    {
      provide: AuditReadModel,
      useFactory: (config: LedgerConfig) => new AuditReadModel(join(config.dataDir, 'audit.sqlite')),
      inject: [LEDGER_CONFIG],
    },
    {
      provide: AuditProjector,
      useFactory: (store: EventStore, model: AuditReadModel) => new AuditProjector(store, model),
      inject: [EVENT_STORE, AuditReadModel],
    },
    AuditProjectionLifecycle,
    AuditAuthGuard,
    AuditService,
    AuditExporter,
    AuditorsService,
  ],
  exports: [AuditReadModel, AuditProjector, AuditAuthGuard],
})
export class AuditModule {}
