import { toIntegrationEvent, toSlaAlert, type KafkaMessage } from '@ledger/contracts';
import type { EventStore, RecordedEvent, Subscription } from '@ledger/eventstore';
import { createKafkaClient, type KafkaClientOptions } from './kafka-client';
import type { KafkaConfig } from './kafka.config';
import { KafkajsMessagePublisher } from './kafkajs-message-publisher';
import type { MessagePublisher } from './message-publisher.port';

export interface KafkaRelayOptions {
  store: EventStore;
  publisher: MessagePublisher;
  eventsTopic: string;
  alertsTopic: string;
  /** Name of the stored checkpoint; one per relay that must not skip what another published. */
  checkpoint?: string;
  /** Events read from the store per batch (one checkpoint save per batch). */
  batchSize?: number;
  /**
   * Upper bound of the values sent in one producer request. kafkajs puts everything for one
   * partition into one record batch, and the broker refuses a batch above max.message.bytes.
   */
  maxRequestBytes?: number;
  /** Backoff between attempts while the broker is unreachable. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  onError?: (error: Error, attempt: number) => void;
  clock?: () => Date;
}

export interface KafkaRelayStatus {
  running: boolean;
  /** Global position of the last event the broker acknowledged. */
  publishedPosition: bigint;
  headPosition: bigint;
  /** Events in the store not yet acknowledged by the broker. */
  lag: bigint;
  /** Events published since this relay started (duplicates after a retry included). */
  publishedEvents: number;
  /** Since when publishing has been failing; null while it works. */
  stalledSince: string | null;
  consecutiveFailures: number;
  lastError: { message: string; at: string } | null;
}

export const KAFKA_RELAY_CHECKPOINT = 'kafka-relay';

interface PublishWaiter {
  position: bigint;
  resolve: () => void;
}

class RelayStopped extends Error {
  constructor() {
    super('the relay was stopped before the batch was published');
    this.name = 'RelayStopped';
  }
}

/**
 * Publishes the event store's global log to Kafka, in order, at least once.
 *
 * It is a catch-up subscription whose handler resolves only after the broker acknowledged the
 * batch, and the subscription saves its checkpoint only after the handler resolves: a crash
 * republishes at most the batch in flight, and consumers de-duplicate by ce_id. When the broker
 * is away, the handler keeps retrying the same batch with backoff instead of failing, so the
 * relay stalls (lag grows, status shows the error) and resumes where it stopped.
 */
export class KafkaRelay {
  private subscription: Subscription | null = null;
  private supervisor: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private published = 0n;
  private publishedEvents = 0;
  private stalledSince: Date | null = null;
  private consecutiveFailures = 0;
  private lastError: { message: string; at: string } | null = null;
  private waiters: PublishWaiter[] = [];
  private ownsPublisher = false;
  private readonly clock: () => Date;

  constructor(private readonly options: KafkaRelayOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** A relay with its own kafkajs producer, closed when the relay stops. */
  static fromConfig(store: EventStore, config: KafkaConfig, client: KafkaClientOptions = {}, options: Partial<KafkaRelayOptions> = {}): KafkaRelay {
    const publisher = new KafkajsMessagePublisher(createKafkaClient({ ...config, clientId: `${config.clientId}-relay` }, client));
    const relay = new KafkaRelay({ ...options, store, publisher, eventsTopic: config.eventsTopic, alertsTopic: config.alertsTopic });
    relay.ownsPublisher = true;
    return relay;
  }

  get checkpointName(): string {
    return this.options.checkpoint ?? KAFKA_RELAY_CHECKPOINT;
  }

  async start(): Promise<void> {
    if (this.supervisor) return;
    this.stopping = false;
    this.published = (await this.options.store.loadCheckpoint(this.checkpointName)) ?? 0n;
    this.supervisor = this.supervise();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.subscription?.stop();
    await this.supervisor;
    this.supervisor = null;
    if (this.ownsPublisher) await this.options.publisher.close();
  }

  async status(): Promise<KafkaRelayStatus> {
    const headPosition = await this.options.store.headPosition();
    const lag = headPosition > this.published ? headPosition - this.published : 0n;
    return {
      running: this.supervisor !== null && !this.stopping,
      publishedPosition: this.published,
      headPosition,
      lag,
      publishedEvents: this.publishedEvents,
      stalledSince: this.stalledSince?.toISOString() ?? null,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
    };
  }

  /** Resolves once everything up to `position` (default: the current head) was acknowledged. */
  async waitForPublished(position?: bigint, timeoutMs = 30_000): Promise<void> {
    const target = position ?? (await this.options.store.headPosition());
    if (this.published >= target) return;
    await new Promise<void>((resolve, reject) => {
      const waiter: PublishWaiter = {
        position: target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`relay did not publish up to ${target} within ${timeoutMs} ms (at ${this.published}; last error: ${this.lastError?.message ?? 'none'})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Keeps a subscription alive: the handler never fails on a broker outage, but the store can
   * (a read error, a busy database), and the relay must then resume from its checkpoint rather
   * than stay dead until someone restarts the process.
   */
  private async supervise(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      this.subscription = this.options.store.subscribeToAll(
        { checkpoint: this.checkpointName, batchSize: this.options.batchSize ?? 500 },
        (batch) => this.publish(batch),
      );
      try {
        await this.subscription.done;
        return;
      } catch (error) {
        if (this.stopping || error instanceof RelayStopped) return;
        attempt += 1;
        this.recordFailure(error, attempt);
        await this.pause(attempt);
      }
    }
  }

  private async publish(batch: RecordedEvent[]): Promise<void> {
    const requests = [
      ...chunk(batch.map(toIntegrationEvent), this.options.maxRequestBytes).map((messages) => ({ topic: this.options.eventsTopic, messages })),
      ...chunk(batch.map(toSlaAlert).filter((m): m is KafkaMessage => m !== null), this.options.maxRequestBytes).map((messages) => ({
        topic: this.options.alertsTopic,
        messages,
      })),
    ];
    // Requests already acknowledged are not sent again when a later one fails: fewer duplicates,
    // and per-key order holds because request n+1 only starts after request n was acknowledged.
    let next = 0;
    for (let attempt = 1; next < requests.length; attempt++) {
      if (this.stopping) throw new RelayStopped();
      try {
        for (; next < requests.length; next++) {
          await this.options.publisher.send(requests[next]!.topic, requests[next]!.messages);
        }
      } catch (error) {
        this.recordFailure(error, attempt);
        await this.pause(attempt);
      }
    }
    this.published = batch[batch.length - 1]!.position;
    this.publishedEvents += batch.length;
    this.stalledSince = null;
    this.consecutiveFailures = 0;
    this.releaseWaiters();
  }

  private recordFailure(error: unknown, attempt: number): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    const now = this.clock();
    this.stalledSince ??= now;
    this.consecutiveFailures += 1;
    this.lastError = { message: failure.message, at: now.toISOString() };
    this.options.onError?.(failure, attempt);
  }

  private pause(attempt: number): Promise<void> {
    const initial = this.options.retryInitialMs ?? 100;
    const max = this.options.retryMaxMs ?? 5000;
    const delay = Math.min(max, initial * 2 ** Math.min(attempt - 1, 16));
    // Jitter, so replicas that lost the broker together do not come back in lockstep.
    const jittered = delay / 2 + Math.random() * (delay / 2);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, jittered);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private releaseWaiters(): void {
    const remaining: PublishWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= this.published) waiter.resolve();
      else remaining.push(waiter);
    }
    this.waiters = remaining;
  }
}

/** Splits messages into runs whose values add up to at most `maxBytes` (one message at least). */
function chunk(messages: KafkaMessage[], maxBytes = 512 * 1024): KafkaMessage[][] {
  const chunks: KafkaMessage[][] = [];
  let current: KafkaMessage[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = message.value.length + message.key.length;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
