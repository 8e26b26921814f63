import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore } from '@ledger/eventstore';
import { ReadModelProjector } from '@ledger/projections';
import { EVENT_STORE } from '../infrastructure/tokens';

/** Readiness checks other modules add (for example "kafka" when KAFKA_BROKERS is set). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ up: boolean; detail?: Record<string, unknown> }>;
}

/** A read model further behind than this is not ready: SCIM reads would be stale. */
const MAX_READ_MODEL_LAG = 10_000n;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projector: ReadModelProjector,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly extraChecks: ReadinessCheck[],
  ) {}

  /** Liveness: the process answers. Restarting it would not help anything else. */
  @Get('live')
  // Probes carry no token: security [] overrides the document-wide bearer requirement.
  @ApiOperation({ summary: 'Liveness: the process answers', security: [] })
  @HealthCheck()
  live() {
    return this.health.check([async () => this.indicators.check('process').up({ pid: process.pid })]);
  }

  /** Readiness, and the interface's `/health`: the store takes writes and reads are fresh. */
  @Get(['ready', ''])
  @ApiOperation({ summary: 'Readiness: the store takes writes and the SCIM read model is fresh', security: [] })
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const session = this.indicators.check('store');
        try {
          const head = await this.store.headPosition();
          await this.store.saveCheckpoint('health-probe', head);
          return session.up({ writable: true, headPosition: head.toString() });
        } catch (error) {
          return session.down({ writable: false, message: (error as Error).message });
        }
      },
      async () => {
        const session = this.indicators.check('readModel');
        const head = await this.store.headPosition();
        const lag = head > this.projector.position ? head - this.projector.position : 0n;
        if (this.projector.error) return session.down({ message: `stopped: ${this.projector.error.message}` });
        const detail = { position: this.projector.position.toString(), lagEvents: Number(lag) };
        return lag > MAX_READ_MODEL_LAG ? session.down(detail) : session.up(detail);
      },
      ...this.extraChecks.map((extra) => async () => {
        const session = this.indicators.check(extra.name);
        const result = await extra.check().catch((error: Error) => ({ up: false, detail: { message: error.message } }));
        return result.up ? session.up(result.detail ?? {}) : session.down(result.detail ?? {});
      }),
    ]);
  }
}
