import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@ledger/eventstore';
import { ReadModelProjector } from '@ledger/projections';
import { EVENT_STORE } from '../infrastructure/tokens';
import { LedgerMetrics } from './metrics';

/** Lag providers other modules register (audit projections, the Kafka relay, SLA projections). */
export const LAG_SOURCES = Symbol('LAG_SOURCES');
export interface LagSource {
  name: string;
  position(): bigint;
}

@ApiTags('metrics')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: LedgerMetrics,
    private readonly projector: ReadModelProjector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LAG_SOURCES) private readonly lagSources: LagSource[],
  ) {}

  @Get('metrics')
  // Scrapers carry no token: the route is open, so it declares no security requirement.
  @ApiOperation({ summary: 'Prometheus metrics, projection lag included', security: [] })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const head = await this.store.headPosition();
    const sources: LagSource[] = [{ name: 'scim-read-model', position: () => this.projector.position }, ...this.lagSources];
    for (const source of sources) {
      const position = source.position();
      const lag = head > position ? head - position : 0n;
      this.metrics.projectionLagEvents.set({ projection: source.name }, Number(lag));
      let seconds = 0;
      if (lag > 0n) {
        const [oldest] = await this.store.readAll({ after: position, maxCount: 1 });
        if (oldest) seconds = Math.max(0, (Date.now() - Date.parse(oldest.metadata.recordedAt)) / 1000);
      }
      this.metrics.projectionLagSeconds.set({ projection: source.name }, seconds);
    }
    return this.metrics.registry.metrics();
  }
}
