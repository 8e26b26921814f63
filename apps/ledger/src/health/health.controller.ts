import { Controller, Get, HttpException, Inject } from '@nestjs/common';
import type { EventStore } from '@ledger/eventstore';
import { ReadModelProjector } from '@ledger/projections';
import { EVENT_STORE } from '../infrastructure/tokens';

@Controller()
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly projector: ReadModelProjector) {}

  /** 200 only when the store accepts a write and the read model is following the log. */
  @Get('health')
  async health() {
    try {
      const head = await this.store.headPosition();
      await this.store.saveCheckpoint('health-probe', head);
      if (this.projector.error) throw new Error(`read model stopped: ${this.projector.error.message}`);
      return { status: 'ok', store: 'writable', headPosition: head.toString(), readModelPosition: this.projector.position.toString() };
    } catch (error) {
      throw new HttpException({ status: 'unavailable', detail: (error as Error).message }, 503);
    }
  }
}
