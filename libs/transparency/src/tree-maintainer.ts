import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { SqliteEventStore, startWorkerThread, type EventStore, type Subscription } from '@ledger/eventstore';
import type { MerkleTreeStore, TreeEvent } from './merkle-tree-store';
import type { TreeWriterData, TreeWriterMessage } from './tree-writer.worker';

export interface TreeMaintainerOptions {
  batchSize?: number;
  /**
   * After the log is caught up, wait this long before reading again, so a busy log is hashed in
   * larger batches (fewer reads and commits). Cut short whenever someone waits for the tree.
   */
  coalesceMs?: number;
}

interface Waiter {
  position: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Keeps the Merkle tree following the log, resuming after the tree's own position.
 *
 * On the SQLite store the work runs on a thread of its own (tree-writer.worker.ts), reading only
 * the leaf fields of each event: the thread serving HTTP only refreshes its view of the tree when
 * the writer reports progress. On any other store it is a catch-up subscription through the port,
 * on this thread.
 */
export class TreeMaintainer {
  private subscription: Subscription | null = null;
  private worker: Worker | null = null;
  private workerDone: Promise<void> | null = null;
  private stopping = false;
  private failure: Error | null = null;
  private waiters: Waiter[] = [];
  private caughtUpOnce = false;
  private caughtUpListeners: Array<() => void> = [];
  private readonly batchSize: number;
  private readonly coalesceMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly tree: MerkleTreeStore,
    options: TreeMaintainerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2000;
    this.coalesceMs = options.coalesceMs ?? 100;
  }

  start(): void {
    if (this.subscription || this.worker) return;
    if (this.store instanceof SqliteEventStore && this.store.db.name !== ':memory:') {
      this.startWorker(this.store.db.name);
      return;
    }
    this.subscription = this.store.subscribeToAll({ after: this.tree.position, batchSize: this.batchSize, coalesceMs: this.coalesceMs }, (batch) => this.apply(batch));
    this.subscription.done.catch((error: Error) => this.fail(error));
    void this.subscription.caughtUp().then(() => this.markCaughtUp());
  }

  get position(): bigint {
    return this.tree.position;
  }

  get error(): Error | null {
    return this.failure;
  }

  caughtUp(): Promise<void> {
    if (this.caughtUpOnce) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpListeners.push(resolve));
  }

  /** Resolves once the tree covers the event at `position`. */
  waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (this.tree.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (!this.subscription && !this.worker) return Promise.reject(new Error('the tree maintainer is not started'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`the Merkle tree did not reach position ${position} within ${timeoutMs} ms (at ${this.tree.position})`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      // Someone is waiting: no point pausing to gather a bigger batch (a waiter ends the pause).
      this.subscription?.waitFor(position, timeoutMs).catch(() => undefined);
      this.worker?.postMessage({ wake: true });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = this.subscription?.stop();
    this.worker?.postMessage({ stop: true });
    await stopped;
    if (this.worker && this.workerDone) {
      const worker = this.worker;
      // A writer stuck in a long batch is not waited for forever: the tree resumes from its stored position.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await this.workerDone;
      clearTimeout(timer);
    }
    this.subscription = null;
    this.worker = null;
  }

  private startWorker(eventsPath: string): void {
    const data: TreeWriterData = {
      eventsPath,
      treePath: this.tree.db.name,
      indexEventIds: this.tree.indexesEventIds,
      batchSize: this.batchSize,
      coalesceMs: this.coalesceMs,
    };
    const worker = startTreeWriter(data);
    this.worker = worker;
    this.workerDone = new Promise<void>((resolve) => {
      worker.on('message', (message: TreeWriterMessage) => {
        if ('progress' in message) {
          try {
            this.tree.refresh();
          } catch (error) {
            this.fail(error as Error);
            return;
          }
          this.release();
          if (message.caughtUp) this.markCaughtUp();
        } else if ('failed' in message) {
          this.fail(new Error(`the tree writer failed: ${message.failed}`));
        }
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.stopping) this.fail(new Error(`the tree writer exited with code ${code}`));
        resolve();
      });
    });
    // Only pending waiters keep the process alive, as with the store's own writer.
    worker.unref();
  }

  private apply(batch: readonly TreeEvent[]): void {
    this.tree.append(batch);
    this.release();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const position = this.tree.position;
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.position > position) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  private markCaughtUp(): void {
    if (this.caughtUpOnce) return;
    this.caughtUpOnce = true;
    for (const listener of this.caughtUpListeners.splice(0)) listener();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}

function startTreeWriter(data: TreeWriterData): Worker {
  return startWorkerThread(join(__dirname, 'tree-writer.worker'), data);
}
