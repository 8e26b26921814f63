import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@ledger/eventstore';
import { ReadModelProjector, ScimReadModel } from '@ledger/projections';
import { AdminController } from './admin/admin.controller';
import { ADMIN_TOKEN, AdminAuthGuard } from './admin/admin-auth.guard';
import type { LedgerConfig } from './config/config';
import { HealthController } from './health/health.controller';
import { EVENT_STORE, LEDGER_CONFIG } from './infrastructure/tokens';
import { RequestsModule } from './requests/requests.module';
import { ScimModule } from './scim/scim.module';
import { EventSourcedRepository } from './shared/event-sourced-repository';
import { ReadModelGate } from './shared/read-model-gate';
import { TenancyService } from './tenancy/tenancy.service';

export interface LedgerParts {
  config: LedgerConfig;
  store: EventStore;
  readModel: ScimReadModel;
  projector: ReadModelProjector;
  adminToken: string;
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
      EventSourcedRepository,
      ReadModelGate,
      TenancyService,
      AdminAuthGuard,
    ];
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot(), ScimModule, RequestsModule],
      controllers: [HealthController, AdminController],
      providers: shared,
      exports: shared,
    };
  }
}
