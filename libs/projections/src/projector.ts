import type { EventStore, Subscription } from '@ledger/eventstore';
import { SCIM_METADATA_FIELDS, type ScimReadModel } from './scim-read-model';

/** Keeps the read model following the log; writers wait on it for read-your-writes. */
export class ReadModelProjector {
  private subscription: Subscription | null = null;
  private failure: Error | null = null;

  constructor(private readonly store: EventStore, private readonly readModel: ScimReadModel) {}

  start(): void {
    this.subscription = this.store.subscribeToAll({ after: this.readModel.checkpoint(), batchSize: 1000 }, (batch) => this.readModel.apply(batch));
    this.subscription.done.catch((error: Error) => {
      this.failure = error;
    });
  }

  get position(): bigint {
    return this.subscription?.position ?? this.readModel.checkpoint();
  }

  get error(): Error | null {
    return this.failure;
  }

  async waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (!this.subscription) throw new Error('projector not started');
    await this.subscription.waitFor(position, timeoutMs);
  }

  caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('projector not started');
    return this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  /** Drops the read model and replays the whole log into it, reporting progress. */
  async rebuild(onProgress?: (position: bigint, head: bigint) => void): Promise<number> {
    await this.stop();
    this.readModel.startRebuild();
    try {
      const head = await this.store.headPosition();
      let after = 0n;
      let count = 0;
      for (;;) {
        const batch = await this.store.readAll({ after, maxCount: 10_000, hashes: false, metadataFields: SCIM_METADATA_FIELDS });
        if (batch.length === 0) break;
        this.readModel.apply(batch);
        count += batch.length;
        after = batch[batch.length - 1]!.position;
        onProgress?.(after, head);
      }
      this.readModel.finishRebuild();
      return count;
    } catch (error) {
      this.readModel.abandonRebuild();
      throw error;
    }
  }
}
