import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@ledger/eventstore';
import { AckConsumer, KafkaRelay, ensureLedgerTopics, type KafkaConfig } from '@ledger/kafka';
import { runsKafka, type LedgerConfig } from '../config/config';
import { READINESS_CHECKS, type ReadinessCheck } from '../health/health.controller';
import { EVENT_STORE, LEDGER_CONFIG } from '../infrastructure/tokens';
import { LAG_SOURCES, type LagSource } from '../observability/metrics.controller';
import { kafkaSettings } from './kafka-settings';

/**
 * With KAFKA_BROKERS set: creates the topics, publishes the log to the events topic (the relay)
 * and records downstream acknowledgements (the ack consumer). Unset: nothing, and no error.
 * A broker that is away at start delays the relay; it never stops the service from starting.
 */
@Module({})
export class KafkaModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Kafka');
  private relay: KafkaRelay | null = null;
  private acks: AckConsumer | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private published = 0n;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LAG_SOURCES) private readonly lagSources: LagSource[],
    @Inject(READINESS_CHECKS) private readonly readiness: ReadinessCheck[],
  ) {}

  onModuleInit(): void {
    const kafka = kafkaSettings(this.config);
    // One relay per cluster: LEDGER_ROLE=api and timers leave it to the projector role.
    if (!kafka || !runsKafka(this.config)) return;
    this.lagSources.push({ name: 'kafka-relay', position: () => this.published });
    this.readiness.push({
      name: 'kafka',
      check: async () => {
        if (!this.relay) return { up: false, detail: { message: 'connecting to the brokers' } };
        const status = await this.relay.status();
        this.published = status.publishedPosition;
        return { up: status.stalledSince === null, detail: { lag: Number(status.lag), stalledSince: status.stalledSince, lastError: status.lastError?.message ?? null } };
      },
    });
    this.starting = this.start(kafka);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.acks?.stop().catch((error: Error) => this.logger.warn(`ack consumer stop: ${error.message}`));
    await this.relay?.stop().catch((error: Error) => this.logger.warn(`relay stop: ${error.message}`));
  }

  private async start(kafka: KafkaConfig): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await ensureLedgerTopics(kafka);
        break;
      } catch (error) {
        this.logger.warn(`Kafka topics not ready (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
      }
    }
    if (this.stopped) return;
    this.relay = KafkaRelay.fromConfig(this.store, kafka);
    await this.relay.start();
    this.acks = AckConsumer.fromConfig(this.store, kafka);
    await this.acks.start();
    const poll = setInterval(() => {
      void this.relay?.status().then((status) => (this.published = status.publishedPosition)).catch(() => undefined);
    }, 1000);
    poll.unref();
  }
}
