import { Injectable } from '@nestjs/common';
import { ReadModelProjector } from '@ledger/projections';

/** Read-your-writes: a write answers only once the read model has applied its events. */
@Injectable()
export class ReadModelGate {
  constructor(private readonly projector: ReadModelProjector) {}

  async reached(position: bigint): Promise<void> {
    if (position > 0n) await this.projector.waitFor(position);
  }
}
