import { CE_HEADERS, parseIntegrationEventValue } from '@ledger/contracts';
import { SqliteEventStore } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { readWholeTopic, startKafkaBroker, type KafkaBroker } from '../../testing/src/kafka';
import { createKafkaClient } from '../src/kafka-client';
import { ensureTopics, ledgerTopics } from '../src/kafka-topics';
import { AckConsumer } from '../src/ack-consumer';
import { KafkaRelay } from '../src/kafka-relay';
import { KafkajsMessagePublisher } from '../src/kafkajs-message-publisher';
import type { MessagePublisher, OutgoingMessage } from '../src/message-publisher.port';
import { aKafkaConfig, appendRounds, eventually, fastConsumer, impatientClient, sleep, streamIds } from './kafka-test-kit';

/**
 * Kills the broker a millisecond into one send, so it dies with the request in flight: some
 * runs it has written part of the batch without answering, and the retry duplicates that part.
 */
class BrokerKillingPublisher implements MessagePublisher {
  private armed = false;
  killed: Promise<void> | null = null;

  constructor(
    private readonly inner: MessagePublisher,
    private readonly kill: () => Promise<void>,
  ) {}

  arm(): void {
    this.armed = true;
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (!this.armed) return this.inner.send(topic, messages);
    this.armed = false;
    const sending = this.inner.send(topic, messages);
    this.killed = sleep(1).then(() => this.kill());
    await sending;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * This file takes its broker down, so it owns one instead of sharing the run's broker: other
 * test files must not see the outage.
 */
describe('Kafka clients through a broker outage', () => {
  let broker: KafkaBroker;
  let dir: TempDir;
  let store: SqliteEventStore;
  let sut: KafkaRelay;

  beforeAll(async () => {
    broker = await startKafkaBroker();
    dir = await tempDir('kafka-outage');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 50 });
  }, 150_000);

  afterAll(async () => {
    await sut?.stop();
    await store?.close();
    await dir?.remove();
    await broker?.stop();
  });

  it('stalls while the broker is down, then resumes, losing and reordering nothing', async () => {
    const config = aKafkaConfig(broker.brokerList);
    const kafka = createKafkaClient(config, impatientClient);
    await ensureTopics(kafka, ledgerTopics(config));
    const streams = streamIds(30);
    await appendRounds(store, streams, 0, 10);
    const publisher = new BrokerKillingPublisher(new KafkajsMessagePublisher(kafka), () => broker.kill());
    sut = new KafkaRelay({
      store,
      publisher,
      eventsTopic: config.eventsTopic,
      alertsTopic: config.alertsTopic,
      retryInitialMs: 50,
      retryMaxMs: 400,
      batchSize: 200,
    });
    await sut.start();
    await sut.waitForPublished(await store.headPosition(), 30_000);

    // Live traffic from here to the end: the broker dies while the relay is following appends.
    let rounds = 10;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await appendRounds(store, streams, rounds, rounds + 1);
        rounds += 1;
        await sleep(40);
      }
    })();
    await sut.waitForPublished((await store.headPosition()) + 60n, 30_000);
    publisher.arm();
    await eventually(() => publisher.killed !== null, 20_000, 'a send to kill the broker under');
    await publisher.killed;

    const stalled = await eventually(async () => {
      const status = await sut.status();
      return status.stalledSince !== null && status.lag > 0n ? status : undefined;
    }, 20_000, 'the relay to notice the outage', () => ({ rounds }));
    expect(stalled.lastError).not.toBeNull();
    await sleep(300);
    expect((await sut.status()).publishedPosition).toBe(stalled.publishedPosition);

    await broker.restart();
    await sut.waitForPublished((await store.headPosition()) + 60n, 60_000);
    writing = false;
    await writer;
    await sut.waitForPublished(await store.headPosition(), 60_000);

    const status = await sut.status();
    expect(status).toMatchObject({ lag: 0n, stalledSince: null, consecutiveFailures: 0 });
    expect(status.lastError).not.toBeNull();

    const stored = await store.readAll({ maxCount: 100_000 });
    expect(stored).toHaveLength(streams.length * rounds);
    const messages = await readWholeTopic(kafka, config.eventsTopic);
    const ids = messages.map((m) => m.headers[CE_HEADERS.id]!);
    expect(new Set(ids)).toEqual(new Set(stored.map((e) => e.id)));

    // Exactly once after de-duplication by ce_id, and each stream still in revision order.
    const seen = new Set<string>();
    const revisions = new Map<string, number[]>();
    for (const message of messages) {
      const id = message.headers[CE_HEADERS.id]!;
      if (seen.has(id)) continue;
      seen.add(id);
      const list = revisions.get(message.key!) ?? [];
      list.push(parseIntegrationEventValue(message.value!).revision);
      revisions.set(message.key!, list);
    }
    expect(seen.size).toBe(stored.length);
    for (const streamId of streams) {
      expect({ streamId, revisions: revisions.get(streamId) }).toEqual({ streamId, revisions: Array.from({ length: rounds }, (_, i) => i) });
    }
    if (process.env.KAFKA_RELAY_REPORT) {
      process.stdout.write(`outage: ${messages.length - stored.length} duplicates in ${messages.length} messages; last error: ${status.lastError?.message}\n`);
    }
    await sut.stop();
    await publisher.close();
  }, 120_000);

  it('starts the relay and the ack consumer while the broker is down; both work once it is back', async () => {
    const config = aKafkaConfig(broker.brokerList, { partitions: 1 });
    const kafka = createKafkaClient(config, impatientClient);
    await ensureTopics(kafka, ledgerTopics(config));
    await broker.shutdown();
    const relay = KafkaRelay.fromConfig(store, config, impatientClient, { checkpoint: `relay-${config.clientId}`, retryInitialMs: 50, retryMaxMs: 400 });
    const consumer = new AckConsumer({
      kafka,
      store,
      acksTopic: config.acksTopic,
      deadLetterTopic: config.deadLetterTopic,
      groupId: `acks-${config.clientId}`,
      consumer: fastConsumer,
      restartMaxMs: 500,
    });
    try {
      await relay.start();
      await consumer.start();
      await eventually(() => consumer.status().restarts >= 1, 20_000, 'the dead consumer to be replaced', () => consumer.status());
      expect(consumer.status()).toMatchObject({ running: false, lastError: expect.anything() });
      const stalled = await relay.status();
      expect(stalled).toMatchObject({ publishedPosition: 0n, lastError: expect.anything() });
      expect(stalled.lag).toBeGreaterThan(0n);

      await broker.restart();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({
        topic: config.acksTopic,
        messages: [{ key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'leaver-9', outcome: 'applied', at: '2026-03-03T10:00:00Z' }) }],
      });
      await producer.disconnect();
      await eventually(() => consumer.status().applied === 1, 30_000, 'the ack applied', () => consumer.status());
      expect(consumer.status().running).toBe(true);
      expect(await store.readStream('targetAck-acme:leaver-9')).toHaveLength(1);

      // Everything in the store, the new TargetAcknowledged included, reaches the events topic.
      await relay.waitForPublished(await store.headPosition(), 30_000);
      const published = await readWholeTopic(kafka, config.eventsTopic);
      expect(new Set(published.map((m) => m.headers[CE_HEADERS.id])).size).toBe((await store.readAll({ maxCount: 100_000 })).length);
      expect(published.at(-1)!.headers[CE_HEADERS.type]).toBe('io.scim-ledger.TargetAcknowledged.v1');
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  }, 60_000);
});
