import { CE_HEADERS, DEAD_LETTER_HEADERS, parseTargetAck, type TargetAck } from '@ledger/contracts';
import type { EventStore, NewEvent } from '@ledger/eventstore';
import { createHash } from 'node:crypto';
import type { Consumer, ConsumerConfig, EachMessagePayload, IHeaders, Kafka } from 'kafkajs';
import { createKafkaClient, type KafkaClientOptions } from './kafka-client';
import type { KafkaConfig } from './kafka.config';
import { KafkajsMessagePublisher } from './kafkajs-message-publisher';
import type { MessagePublisher } from './message-publisher.port';

export const TARGET_ACKNOWLEDGED = 'TargetAcknowledged';

export type TargetAcknowledgedData = TargetAck;

export interface AckConsumerOptions {
  kafka: Kafka;
  store: EventStore;
  acksTopic: string;
  deadLetterTopic: string;
  groupId: string;
  /** Where malformed acks go; default an idempotent producer on `kafka`, closed on stop. */
  publisher?: MessagePublisher;
  consumer?: Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval' | 'rebalanceTimeout' | 'maxWaitTimeInMs'>;
  /** Ceiling of the backoff between replacing consumers that kafkajs gave up; default 30 s. */
  restartMaxMs?: number;
  clock?: () => Date;
}

export interface AckConsumerStatus {
  /** Member of its group and consuming. */
  running: boolean;
  /** Consumers replaced after kafkajs gave one up. */
  restarts: number;
  applied: number;
  /** Acks delivered again (a rebalance or restart before the offset commit) and not appended twice. */
  duplicates: number;
  deadLettered: number;
  lastError: { message: string; at: string } | null;
}

/** `targetAck-<tenant>:<caseId or eventId>`: one stream per thing acknowledged, all targets in it. */
export function targetAckStreamId(tenant: string, ack: Pick<TargetAck, 'caseId' | 'eventId'>): string {
  return `targetAck-${tenant}:${ack.caseId ?? ack.eventId}`;
}

/**
 * Turns acknowledgements from downstream targets into `TargetAcknowledged` events (which close
 * leaver cases waiting on every target), and parks what it cannot understand on a dead-letter
 * topic with the reason, so one bad message never blocks the partition behind it.
 *
 * Offsets are committed after the append, so a crash redelivers; the event id is derived from
 * the message itself, so the redelivered ack is recognised by the store and not recorded twice.
 */
export class AckConsumer {
  private consumer: Consumer | null = null;
  private readonly publisher: MessagePublisher;
  private readonly ownsPublisher: boolean;
  private readonly clock: () => Date;
  private counts = { applied: 0, duplicates: 0, deadLettered: 0 };
  private lastError: { message: string; at: string } | null = null;
  private started = false;
  private stopping = false;
  private running = false;
  private restarts = 0;
  private failedStarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private joined: Promise<void> = Promise.resolve();
  private resolveJoined: () => void = () => undefined;

  constructor(private readonly options: AckConsumerOptions) {
    this.publisher = options.publisher ?? new KafkajsMessagePublisher(options.kafka);
    this.ownsPublisher = !options.publisher;
    this.clock = options.clock ?? (() => new Date());
  }

  static fromConfig(store: EventStore, config: KafkaConfig, client: KafkaClientOptions = {}, options: Partial<AckConsumerOptions> = {}): AckConsumer {
    return new AckConsumer({
      ...options,
      kafka: createKafkaClient({ ...config, clientId: `${config.clientId}-acks` }, client),
      store,
      acksTopic: config.acksTopic,
      deadLetterTopic: config.deadLetterTopic,
      groupId: config.ackGroupId ?? `${config.clientId}-acks`,
    });
  }

  /**
   * Starts consuming in the background and returns at once: a broker that is down at start-up
   * must not stop the service from starting. Progress shows in status() and whenJoined().
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.joined = new Promise((resolve) => (this.resolveJoined = resolve));
    this.launch();
  }

  /** Resolves when the consumer has joined its group and owns partitions. */
  whenJoined(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('the ack consumer is not started'));
    return this.joined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const consumer = this.consumer;
    this.consumer = null;
    this.running = false;
    await consumer?.disconnect().catch(() => undefined);
    if (this.ownsPublisher) await this.publisher.close();
  }

  private launch(): void {
    if (this.stopping) return;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      // disconnect() waits for the fetch in flight; the 5 s default would hold up every shutdown.
      maxWaitTimeInMs: 1000,
      ...this.options.consumer,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
      this.failedStarts = 0;
      this.resolveJoined();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.recordError(event.payload.error);
      // kafkajs restarts by itself after retriable errors only; after the others (a group
      // coordinator that stayed unavailable through its retries, say) the consumer is dead, and
      // a fresh one is the way back.
      if (!event.payload.restart) this.relaunch(consumer);
    });
    const run = async (): Promise<void> => {
      await consumer.connect();
      // A group without committed offsets starts at the oldest ack: acks sent before the first
      // start of this service must not be lost.
      await consumer.subscribe({ topics: [this.options.acksTopic], fromBeginning: true });
      await consumer.run({ eachMessage: (payload) => this.handle(payload) });
    };
    run().catch((error: unknown) => {
      this.recordError(error);
      this.relaunch(consumer);
    });
  }

  /** The crash event and the failed run() may both report one death: one relaunch for both. */
  private relaunch(dead: Consumer): void {
    if (this.stopping || dead !== this.consumer || this.restartTimer) return;
    this.running = false;
    this.restarts += 1;
    this.failedStarts += 1;
    const delay = Math.min(this.options.restartMaxMs ?? 30_000, 250 * 2 ** Math.min(this.failedStarts - 1, 8));
    this.restartTimer = setTimeout(() => {
      void dead
        .disconnect()
        .catch(() => undefined)
        .then(() => {
          this.restartTimer = undefined;
          this.launch();
        });
    }, delay);
  }

  status(): AckConsumerStatus {
    return { running: this.running, restarts: this.restarts, ...this.counts, lastError: this.lastError };
  }

  private async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const parsed = parseTargetAck(message.value, message.key);
    if (!parsed.ok) {
      await this.deadLetter(topic, partition, message.offset, message, parsed.reason);
      return;
    }
    const { tenant, ack } = parsed;
    const source = `${topic}/${partition}/${message.offset}`;
    const event: NewEvent<TargetAcknowledgedData> = {
      id: messageEventId(topic, partition, message.offset, message.timestamp, message.value),
      type: TARGET_ACKNOWLEDGED,
      schemaVersion: 1,
      data: ack,
      metadata: {
        tenant,
        correlationId: header(message.headers, CE_HEADERS.correlationId) ?? `kafka:${source}`,
        // The acknowledged event caused this one.
        causationId: ack.eventId ?? null,
        actor: `kafka:${ack.targetId}`,
      },
    };
    try {
      await this.options.store.append(targetAckStreamId(tenant, ack), [event], 'any');
      this.counts.applied += 1;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'DUPLICATE_EVENT_ID') {
        this.counts.duplicates += 1;
        return;
      }
      if (code === 'INVALID_APPEND') {
        await this.deadLetter(topic, partition, message.offset, message, `the event store refused it: ${(error as Error).message}`);
        return;
      }
      // Anything else (store unavailable) is transient: kafkajs retries the message, and the
      // offset is not committed before it succeeds.
      this.recordError(error);
      throw error;
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    offset: string,
    message: EachMessagePayload['message'],
    reason: string,
  ): Promise<void> {
    await this.publisher.send(this.options.deadLetterTopic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...definedHeaders(message.headers),
          [DEAD_LETTER_HEADERS.reason]: reason,
          [DEAD_LETTER_HEADERS.sourceTopic]: topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: offset,
          [DEAD_LETTER_HEADERS.at]: this.clock().toISOString(),
        },
      },
    ]);
    this.counts.deadLettered += 1;
  }

  private recordError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = { message, at: this.clock().toISOString() };
  }
}

const ACK_EVENT_NAMESPACE = Buffer.from('5f1c7a3e9b2d4e6f8a0b1c2d3e4f5a6b', 'hex');

/**
 * A UUID (version 5 layout) from the message's identity. Offsets alone would repeat if the topic
 * were ever recreated, so the timestamp and the content are part of it.
 */
function messageEventId(topic: string, partition: number, offset: string, timestamp: string, value: Buffer | null): string {
  const hash = createHash('sha1')
    .update(ACK_EVENT_NAMESPACE)
    .update(`${topic}\n${partition}\n${offset}\n${timestamp}\n`)
    .update(value ?? Buffer.alloc(0))
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toString();
}

function definedHeaders(headers: IHeaders | undefined): Record<string, string | Buffer | Array<string | Buffer>> {
  const result: Record<string, string | Buffer | Array<string | Buffer>> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) result[name] = value;
  return result;
}
