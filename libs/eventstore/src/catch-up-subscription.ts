import type { BatchHandler, CheckpointStore, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from './event-store.port';

export interface CatchUpSource extends CheckpointStore {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Registers a callback fired after appends commit in this process; returns an unsubscribe. */
  onAppended(listener: () => void): () => void;
}

export interface CatchUpOptions {
  after: bigint;
  checkpoint?: string;
  batchSize: number;
  /** Fallback polling interval, for writers in other processes that cannot notify us. */
  pollIntervalMs: number;
  /** See SubscribeOptions.coalesceMs. */
  coalesceMs?: number;
}

interface Waiter {
  position: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Reads the global log in pages from a position, then waits for append notifications (or the
 * poll interval) and reads again. One batch at a time, in order: the handler never sees an
 * event before the events preceding it.
 */
export class CatchUpSubscription implements Subscription {
  private current: bigint;
  private stopped = false;
  private wake: (() => void) | null = null;
  private endPause: (() => void) | null = null;
  private pending = false;
  private waiters: Waiter[] = [];
  private caughtUpOnce = false;
  private caughtUpListeners: Array<() => void> = [];
  private readonly unsubscribe: () => void;
  readonly done: Promise<void>;

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: CatchUpOptions,
    private readonly handler: BatchHandler,
  ) {
    this.current = options.after;
    this.unsubscribe = source.onAppended(() => this.poke());
    this.done = this.run();
    // A failure is reported through `done` and to waiters; never as an unhandled rejection.
    this.done.catch(() => undefined);
  }

  get position(): bigint {
    return this.current;
  }

  waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (this.current >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { position, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`subscription did not reach position ${position} within ${timeoutMs} ms (at ${this.current})`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.endPause?.();
      this.poke();
    });
  }

  caughtUp(): Promise<void> {
    if (this.caughtUpOnce) return Promise.resolve();
    this.endPause?.();
    return new Promise((resolve) => this.caughtUpListeners.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endPause?.();
    this.poke();
    await this.done.catch(() => undefined);
  }

  private poke(): void {
    this.pending = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async run(): Promise<void> {
    try {
      if (this.options.checkpoint) {
        const stored = await this.source.loadCheckpoint(this.options.checkpoint);
        if (stored !== null) this.current = stored;
      }
      while (!this.stopped) {
        this.pending = false;
        const batch = await this.source.readAll({ after: this.current, maxCount: this.options.batchSize });
        if (this.stopped) break;
        if (batch.length > 0) {
          await this.handler(batch);
          this.current = batch[batch.length - 1]!.position;
          if (this.options.checkpoint) await this.source.saveCheckpoint(this.options.checkpoint, this.current);
          this.releaseWaiters();
          if (batch.length === this.options.batchSize) continue;
          this.markCaughtUp();
          // Read again after the pause whether or not anything was appended meanwhile: an
          // empty read is what puts the subscription to sleep.
          if (await this.pause()) continue;
        }
        this.markCaughtUp();
        if (!this.pending) await this.sleep();
      }
    } catch (error) {
      this.stopped = true;
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of this.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(failure);
      }
      this.waiters = [];
      throw failure;
    } finally {
      this.unsubscribe();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, this.options.pollIntervalMs);
      timer.unref?.();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** True when it paused; nobody waiting on the subscription is kept waiting by it. */
  private async pause(): Promise<boolean> {
    const ms = this.options.coalesceMs ?? 0;
    if (ms <= 0 || this.stopped || this.waiters.length > 0 || this.caughtUpListeners.length > 0) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref?.();
      this.endPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.endPause = null;
    return true;
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= this.current) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else remaining.push(waiter);
    }
    this.waiters = remaining;
  }

  private markCaughtUp(): void {
    this.releaseWaiters();
    if (this.caughtUpOnce) return;
    this.caughtUpOnce = true;
    for (const listener of this.caughtUpListeners) listener();
    this.caughtUpListeners = [];
  }
}

/**
 * The port's subscribeToAll for any adapter that can read the log and tell when it grew: starts
 * a subscription and keeps it in `live` until it ends, so the adapter can stop them all on close.
 */
export function subscribeWithCatchUp(
  source: CatchUpSource,
  options: SubscribeOptions,
  handler: BatchHandler,
  pollIntervalMs: number,
  live: Set<Subscription>,
): Subscription {
  const subscription = new CatchUpSubscription(
    source,
    { after: options.after ?? 0n, checkpoint: options.checkpoint, batchSize: options.batchSize ?? 500, pollIntervalMs, coalesceMs: options.coalesceMs },
    handler,
  );
  live.add(subscription);
  void subscription.done.finally(() => live.delete(subscription)).catch(() => undefined);
  return subscription;
}
