import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventStore, RecordedEvent } from '@ledger/eventstore';
import { TransparencyLog, type ActorContext } from '@ledger/transparency';
import type { LedgerConfig } from '../config/config';
import { EVENT_STORE, LEDGER_CONFIG } from '../infrastructure/tokens';
import { LAG_SOURCES, type LagSource } from '../observability/metrics.controller';

/**
 * The transparency log inside the app: the Merkle tree follows the log from module start, the
 * checkpoint schedule runs, and both stop with the app (after HTTP, before the store closes).
 * Other modules (the audit export) inject this to put proofs into what they export.
 */
@Injectable()
export class TransparencyService implements OnModuleInit, OnApplicationShutdown {
  readonly log: TransparencyLog;
  private readonly logger = new Logger('Transparency');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Optional() @Inject(LAG_SOURCES) private readonly lagSources?: LagSource[],
  ) {
    this.log = TransparencyLog.open({
      store,
      dataDir: config.dataDir,
      keyFile: config.ledgerKeyFile,
      origin: config.ledgerOrigin,
      checkpointIntervalSeconds: config.checkpointIntervalSeconds,
      logger: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
  }

  onModuleInit(): void {
    if (this.log.keyCreated) this.logger.log(`generated the ledger signing key ${this.log.keyId} in ${this.config.ledgerKeyFile}`);
    this.log.start();
    this.lagSources?.push({ name: 'merkle-tree', position: () => this.log.maintainer.position });
  }

  /** After the HTTP server has closed (no request still needs the tree), before the store closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.log.stop();
  }

  /** An evidence bundle (JSON lines with proofs) for chosen events, e.g. one tenant's export. */
  bundle(events: readonly RecordedEvent[], description: string, context?: ActorContext): Promise<string> {
    return this.log.buildBundle(events, description, context);
  }
}
