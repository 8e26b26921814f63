import { CE_HEADERS, parseIntegrationEventValue } from '@ledger/contracts';
import { SqliteEventStore, eventHash } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import type { Kafka } from 'kafkajs';
import { join } from 'node:path';
import { acquireKafkaTestBroker, readWholeTopic, type ConsumedMessage, type KafkaTestBroker } from '../../testing/src/kafka';
import { createKafkaClient } from '../src/kafka-client';
import { ensureTopics, ledgerTopics } from '../src/kafka-topics';
import { KafkaRelay } from '../src/kafka-relay';
import type { KafkaConfig } from '../src/kafka.config';
import { aKafkaConfig, appendRounds, impatientClient, streamIds } from './kafka-test-kit';

const STREAMS = 200;
const PER_STREAM = 50;

describe('KafkaRelay on a real broker', () => {
  let broker: KafkaTestBroker;
  let dir: TempDir;
  let store: SqliteEventStore;
  let config: KafkaConfig;
  let kafka: Kafka;
  let sut: KafkaRelay;

  beforeAll(async () => {
    broker = await acquireKafkaTestBroker();
  }, 150_000);

  afterAll(async () => {
    await broker?.release();
  });

  beforeEach(async () => {
    dir = await tempDir('kafka-relay');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 50 });
    config = aKafkaConfig(broker.brokers);
    kafka = createKafkaClient(config, impatientClient);
    await ensureTopics(kafka, ledgerTopics(config));
  });

  afterEach(async () => {
    await sut?.stop();
    await store?.close();
    await dir?.remove();
  });

  it(`relays ${STREAMS * PER_STREAM} events across ${STREAMS} streams, each stream in order on one partition`, async () => {
    const streams = streamIds(STREAMS);
    await appendRounds(store, streams, 0, PER_STREAM, 5);
    const head = await store.headPosition();

    sut = KafkaRelay.fromConfig(store, config, impatientClient);
    const started = Date.now();
    await sut.start();
    await sut.waitForPublished(head, 60_000);
    const elapsedMs = Date.now() - started;
    if (process.env.KAFKA_RELAY_REPORT) {
      process.stdout.write(`relay: ${STREAMS * PER_STREAM} events in ${elapsedMs} ms (${Math.round((STREAMS * PER_STREAM * 1000) / elapsedMs)} events/s)\n`);
    }

    const messages = await readWholeTopic(kafka, config.eventsTopic);
    expect(messages).toHaveLength(STREAMS * PER_STREAM);
    expect(new Set(messages.map((m) => m.headers[CE_HEADERS.id])).size).toBe(STREAMS * PER_STREAM);
    expectEachStreamInOrder(messages, streams, PER_STREAM);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(config.partitions);

    const status = await sut.status();
    expect(status).toMatchObject({ running: true, publishedPosition: head, lag: 0n, stalledSince: null, lastError: null });
    expect(await store.loadCheckpoint(sut.checkpointName)).toBe(head);
  }, 90_000);

  it('publishes CloudEvents whose value lets a consumer verify the hash chain', async () => {
    await appendRounds(store, ['user-acme:alice'], 0, 3);
    sut = KafkaRelay.fromConfig(store, config, impatientClient);
    await sut.start();
    await sut.waitForPublished();

    const [stored, messages] = await Promise.all([store.readStream('user-acme:alice'), readWholeTopic(kafka, config.eventsTopic)]);
    expect(messages).toHaveLength(3);
    messages.forEach((message, index) => {
      const recorded = stored[index]!;
      expect(message.key).toBe('user-acme:alice');
      expect(message.headers).toEqual({
        [CE_HEADERS.specVersion]: '1.0',
        [CE_HEADERS.id]: recorded.id,
        [CE_HEADERS.source]: '/tenants/acme',
        [CE_HEADERS.type]: 'io.scim-ledger.UserAttributesChanged.v1',
        [CE_HEADERS.time]: recorded.metadata.recordedAt,
        [CE_HEADERS.subject]: 'user-acme:alice',
        [CE_HEADERS.tenant]: 'acme',
        [CE_HEADERS.correlationId]: recorded.metadata.correlationId,
        [CE_HEADERS.contentType]: 'application/json',
      });
      const value = parseIntegrationEventValue(message.value!);
      expect(eventHash(value)).toBe(value.hash);
      expect(value.prevHash).toBe(index === 0 ? '0'.repeat(64) : stored[index - 1]!.hash);
    });
  }, 30_000);

  it('sends SLA breaches and resolutions to the alerts topic as well, in case order', async () => {
    const cases = ['slaCase-acme:case-1', 'slaCase-acme:case-2'];
    await appendRounds(store, [...cases, 'user-acme:bob'], 0, 4);
    sut = KafkaRelay.fromConfig(store, config, impatientClient);
    await sut.start();
    await sut.waitForPublished();

    const alerts = await readWholeTopic(kafka, config.alertsTopic);
    for (const caseStream of cases) {
      expect(alerts.filter((m) => m.key === caseStream).map((m) => m.headers[CE_HEADERS.type])).toEqual([
        'io.scim-ledger.SlaBreached.v1',
        'io.scim-ledger.SlaResolved.v1',
      ]);
    }
    expect(alerts).toHaveLength(4);
    expect(await readWholeTopic(kafka, config.eventsTopic)).toHaveLength(12);
  }, 30_000);

  it('resumes from its checkpoint after a restart without publishing anything twice', async () => {
    const streams = streamIds(10);
    await appendRounds(store, streams, 0, 5);
    sut = KafkaRelay.fromConfig(store, config, impatientClient);
    await sut.start();
    await sut.waitForPublished();
    await sut.stop();

    await appendRounds(store, streams, 5, 8);
    sut = KafkaRelay.fromConfig(store, config, impatientClient);
    await sut.start();
    expect((await sut.status()).lag).toBe(30n);
    await sut.waitForPublished();

    const messages = await readWholeTopic(kafka, config.eventsTopic);
    expect(messages).toHaveLength(80);
    expectEachStreamInOrder(messages, streams, 8);
  }, 30_000);
});

/** Every stream on a single partition, its revisions 0..n-1 in offset order, nothing twice. */
function expectEachStreamInOrder(messages: ConsumedMessage[], streams: string[], perStream: number): void {
  const byStream = new Map<string, ConsumedMessage[]>();
  for (const message of messages) {
    const list = byStream.get(message.key!) ?? [];
    list.push(message);
    byStream.set(message.key!, list);
  }
  expect([...byStream.keys()].sort()).toEqual([...streams].sort());
  for (const [streamId, list] of byStream) {
    expect({ streamId, partitions: new Set(list.map((m) => m.partition)).size }).toEqual({ streamId, partitions: 1 });
    const revisions = list.map((m) => parseIntegrationEventValue(m.value!).revision);
    expect({ streamId, revisions }).toEqual({ streamId, revisions: Array.from({ length: perStream }, (_, i) => i) });
  }
}
