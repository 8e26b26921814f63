import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { MessagePublisher, OutgoingMessage } from './message-publisher.port';

export interface KafkajsMessagePublisherOptions {
  /** Broker-side wait for the in-sync replicas before it answers. */
  ackTimeoutMs?: number;
}

/**
 * An idempotent kafkajs producer: the broker drops a batch it has already written when a retry
 * resends it, and with one request in flight per connection a retry can never overtake the
 * batch behind it, so each key's order survives broker hiccups and restarts.
 */
export class KafkajsMessagePublisher implements MessagePublisher {
  private producer: Promise<Producer> | null = null;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkajsMessagePublisherOptions = {},
  ) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('the publisher is closed');
    if (messages.length === 0) return;
    const current = this.connect();
    try {
      const producer = await current;
      await producer.send({
        topic,
        acks: -1,
        timeout: this.options.ackTimeoutMs ?? 30_000,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    } catch (error) {
      if (!TRANSPORT_FAILURE.test(describe(error))) await this.discard(current);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.producer) await this.discard(this.producer);
  }

  private connect(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Same partition for a key as Kafka's Java clients pick, so other producers agree with us.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      // A failed connect is reported by the send that awaits it; the next send starts afresh.
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = null;
        void producer.disconnect().catch(() => undefined);
      });
    }
    return this.producer;
  }

  private async discard(current: Promise<Producer>): Promise<void> {
    if (this.producer === current) this.producer = null;
    const producer = await current.catch(() => null);
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * The broker did not answer, or answered "not the leader": the batch may or may not be written.
 * The same producer then resends it with the same producer id and sequence numbers, and the
 * broker drops it if it was written (that is what the idempotent producer is for). After any
 * other failure the producer's sequence state may no longer match the broker's, which kafkajs 2.2
 * does not repair (an endless OUT_OF_ORDER_SEQUENCE_NUMBER), so the next send starts a fresh
 * producer id; the price is a possible duplicate, which consumers drop by ce_id.
 */
const TRANSPORT_FAILURE =
  /KafkaJSConnectionError|KafkaJSConnectionClosedError|KafkaJSRequestTimeoutError|NOT_LEADER|LEADER_NOT_AVAILABLE|NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|NETWORK_EXCEPTION|ECONNREFUSED|ECONNRESET/;

/** kafkajs wraps the error it gave up on: the name and protocol type that matter are on a cause. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current = error as { name?: string; type?: string; message?: string; cause?: unknown } | undefined;
  while (current && parts.length < 5) {
    parts.push(`${current.name ?? ''} ${current.type ?? ''} ${current.message ?? ''}`);
    current = current.cause as typeof current;
  }
  return parts.join(' | ');
}
