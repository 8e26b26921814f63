import type { EventStore, Subscription } from '@ledger/eventstore';
import type { AuditReadModel } from './audit-read-model';

export interface ProjectionStatus {
  name: string;
  /** Last log position applied. */
  checkpoint: string;
  /** Newest position in the log. */
  head: string;
  /** head - checkpoint, in log positions (events, on the SQLite store). */
  lag: string;
}

/** Keeps the audit read models following the log (a catch-up subscription) and rebuilds them. */
export class AuditProjector {
  private subscription: Subscription | null = null;
  private failure: Error | null = null;

  constructor(private readonly store: EventStore, private readonly model: AuditReadModel) {}

  start(): void {
    if (this.subscription) return;
    this.failure = null;
    this.subscription = this.store.subscribeToAll({ after: this.model.lowestCheckpoint(), batchSize: 1000 }, (batch) => this.model.apply(batch));
    this.subscription.done.catch((error: Error) => {
      this.failure = error;
    });
  }

  get error(): Error | null {
    return this.failure;
  }

  get position(): bigint {
    return this.subscription?.position ?? this.model.lowestCheckpoint();
  }

  caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('audit projector not started');
    return this.subscription.caughtUp();
  }

  async waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (!this.subscription) throw new Error('audit projector not started');
    await this.subscription.waitFor(position, timeoutMs);
  }

  /** Waits (bounded) until everything appended so far is projected; false when it timed out. */
  async catchUpToHead(timeoutMs: number): Promise<boolean> {
    const head = await this.store.headPosition();
    if (this.position >= head) return true;
    try {
      await this.waitFor(head, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    return [...this.model.checkpoints()].map(([name, checkpoint]) => ({
      name,
      checkpoint: checkpoint.toString(),
      head: head.toString(),
      lag: (head > checkpoint ? head - checkpoint : 0n).toString(),
    }));
  }

  /**
   * Empties the chosen projections (all by default) and replays the log into them from zero.
   * Stops the live subscription first; call start() again to follow the log afterwards.
   */
  async rebuild(options: { only?: readonly string[]; batchSize?: number; onProgress?: (position: bigint, head: bigint, events: number) => void } = {}): Promise<number> {
    await this.stop();
    this.model.reset(options.only);
    this.model.dropQueryIndexes(options.only);
    const head = await this.store.headPosition();
    let after = this.model.lowestCheckpoint();
    let count = 0;
    try {
      for (;;) {
        const batch = await this.store.readAll({ after, maxCount: options.batchSize ?? 5000 });
        if (batch.length === 0) break;
        this.model.apply(batch);
        count += batch.length;
        after = batch[batch.length - 1]!.position;
        options.onProgress?.(after, head, count);
      }
    } finally {
      this.model.buildQueryIndexes();
    }
    return count;
  }
}
