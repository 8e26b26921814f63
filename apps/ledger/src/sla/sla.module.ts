import { Inject, Injectable, Logger, Module, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@ledger/eventstore';
import { createKafkaClient, KafkajsMessagePublisher } from '@ledger/kafka';
import { kafkaSettings } from '../kafka/kafka-settings';
import { RouteSecretStore, SlaRuntime } from '@ledger/sla';
import { join } from 'node:path';
import { runsSlaTimers, type LedgerConfig } from '../config/config';
import { EVENT_STORE, LEDGER_CONFIG } from '../infrastructure/tokens';
import { LAG_SOURCES, type LagSource } from '../observability/metrics.controller';
import { LifecycleSignalsController } from './lifecycle-signals.controller';
import { SignalAuthGuard } from './signal-auth.guard';
import { SlaPolicyController } from './sla-policy.controller';
import { SlaReportsController } from './sla-reports.controller';
import { slaConfigFromEnv } from './sla.config';
import { SlaService } from './sla.service';

function createSlaRuntime(store: EventStore, config: LedgerConfig, secrets: RouteSecretStore): SlaRuntime {
  const sla = slaConfigFromEnv();
  const logger = new Logger('SlaAlerts');
  const kafka = kafkaSettings(config);
  const publisher = kafka ? new KafkajsMessagePublisher(createKafkaClient({ ...kafka, clientId: `${kafka.clientId}-sla` })) : null;
  return new SlaRuntime({
    store,
    path: join(config.dataDir, 'sla.sqlite'),
    // SLA_TIMERS can turn the timers off in any role; LEDGER_ROLE=api or projector leaves them to the timers role.
    timers: sla.timers && runsSlaTimers(config),
    retryBaseMs: sla.retryBaseMs,
    retryMaxMs: sla.retryMaxMs,
    leaseMs: sla.leaseMs,
    deliveryTimeoutMs: sla.deliveryTimeoutMs,
    publisher,
    ownsPublisher: true,
    alertsTopic: kafka?.alertsTopic,
    secret: (ref) => secrets.get(ref),
    log: (entry) => logger.warn(entry),
    onError: (error, part) => logger.error(`SLA ${part}: ${error.message}`),
  });
}

/**
 * Starts the case projection (caught up before the app serves), the timer worker and alert
 * delivery with the app, and stops them with it, before the store closes.
 */
@Injectable()
export class SlaLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly runtime: SlaRuntime,
    @Optional() @Inject(LAG_SOURCES) private readonly lagSources?: LagSource[],
  ) {}

  async onModuleInit(): Promise<void> {
    this.runtime.start();
    await this.runtime.projection.caughtUp();
    // A stuck case projection shows as lag on /metrics (and its alert); it does not take the API out of service.
    this.lagSources?.push({ name: 'sla-cases', position: () => this.runtime.position });
  }

  async onModuleDestroy(): Promise<void> {
    await this.runtime.stop();
  }
}

@Module({
  controllers: [SlaPolicyController, LifecycleSignalsController, SlaReportsController],
  providers: [
    { provide: RouteSecretStore, useFactory: (config: LedgerConfig) => new RouteSecretStore(join(config.dataDir, 'route-secrets.json')), inject: [LEDGER_CONFIG] },
    { provide: SlaRuntime, useFactory: createSlaRuntime, inject: [EVENT_STORE, LEDGER_CONFIG, RouteSecretStore] },
    SlaLifecycle,
    SlaService,
    SignalAuthGuard,
  ],
  exports: [SlaRuntime],
})
export class SlaModule {}
