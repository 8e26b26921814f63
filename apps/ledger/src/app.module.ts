import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { EventStore } from '@ledger/eventstore';
import { ReadModelProjector, ScimReadModel } from '@ledger/projections';
import { AdminController } from './admin/admin.controller';
import { ADMIN_TOKEN, AdminAuthGuard } from './admin/admin-auth.guard';
import type { LedgerConfig } from './config/config';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health/health.controller';
import { loggingParams } from './observability/logging';
import { LAG_SOURCES, MetricsController, type LagSource } from './observability/metrics.controller';
import { LedgerMetrics } from './observability/metrics';
import { EVENT_STORE, LEDGER_CONFIG } from './infrastructure/tokens';
import { RequestsModule } from './requests/requests.module';
import { AuditModule } from './audit/audit.module';
import { ScimModule } from './scim/scim.module';
import { SlaModule } from './sla/sla.module';
import { TransparencyModule } from './transparency/transparency.module';
import { ConsoleModule } from './console/console.module';
import { KafkaModule } from './kafka/kafka.module';
import { EventSourcedRepository } from './shared/event-sourced-repository';
import { ReadModelGate } from './shared/read-model-gate';
import { TenancyService } from './tenancy/tenancy.service';

export interface LedgerParts {
  config: LedgerConfig;
  store: EventStore;
  readModel: ScimReadModel;
  projector: ReadModelProjector;
  adminToken: string;
  metrics: LedgerMetrics;
  /** Where log lines go; stdout when absent. */
  logDestination?: DestinationStream;
}

/** Everything the app needs arrives built, so tests and main wire the same module. */
@Module({})
export class AppModule {
  static register(parts: LedgerParts): DynamicModule {
    const shared = [
      { provide: LEDGER_CONFIG, useValue: parts.config },
      { provide: EVENT_STORE, useValue: parts.store },
      { provide: ScimReadModel, useValue: parts.readModel },
      { provide: ReadModelProjector, useValue: parts.projector },
      { provide: ADMIN_TOKEN, useValue: parts.adminToken },
      { provide: LedgerMetrics, useValue: parts.metrics },
      // Modules add their own lag sources and readiness checks to these lists when they start.
      { provide: LAG_SOURCES, useValue: [] as LagSource[] },
      { provide: READINESS_CHECKS, useValue: [] as ReadinessCheck[] },
      EventSourcedRepository,
      ReadModelGate,
      TenancyService,
      AdminAuthGuard,
    ];
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(loggingParams(parts.config, parts.logDestination)),
        TerminusModule,
        CqrsModule.forRoot(),
        ScimModule,
        AuditModule,
        RequestsModule,
        TransparencyModule,
        SlaModule,
        ConsoleModule,
        KafkaModule,
      ],
      controllers: [HealthController, MetricsController, AdminController],
      providers: shared,
      exports: shared,
    };
  }
}
