import { CE_HEADERS, DEAD_LETTER_HEADERS } from '@ledger/contracts';
import { SqliteEventStore } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import type { Kafka, Producer } from 'kafkajs';
import { join } from 'node:path';
import { acquireKafkaTestBroker, readWholeTopic, type KafkaTestBroker } from '../../testing/src/kafka';
import { AckConsumer, TARGET_ACKNOWLEDGED } from '../src/ack-consumer';
import { createKafkaClient } from '../src/kafka-client';
import { ensureTopics, ledgerTopics } from '../src/kafka-topics';
import type { KafkaConfig } from '../src/kafka.config';
import { aKafkaConfig, eventually, fastConsumer, impatientClient } from './kafka-test-kit';

const AT = '2026-03-03T10:00:00Z';

describe('AckConsumer on a real broker', () => {
  let broker: KafkaTestBroker;
  let dir: TempDir;
  let store: SqliteEventStore;
  let config: KafkaConfig;
  let kafka: Kafka;
  let producer: Producer;
  let sut: AckConsumer;

  beforeAll(async () => {
    broker = await acquireKafkaTestBroker();
  }, 150_000);

  afterAll(async () => {
    await broker?.release();
  });

  beforeEach(async () => {
    dir = await tempDir('ack-consumer');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 50 });
    config = aKafkaConfig(broker.brokers, { partitions: 3 });
    kafka = createKafkaClient(config, impatientClient);
    await ensureTopics(kafka, ledgerTopics(config));
    // The test's own producer retries as a production one would; only the consumer under test is impatient.
    producer = createKafkaClient(config).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    sut = anAckConsumer(`acks-${config.clientId}`);
    await sut.start();
  });

  afterEach(async () => {
    await sut?.stop();
    await producer?.disconnect();
    await store?.close();
    await dir?.remove();
  });

  function anAckConsumer(groupId: string): AckConsumer {
    return new AckConsumer({
      kafka,
      store,
      acksTopic: config.acksTopic,
      deadLetterTopic: config.deadLetterTopic,
      groupId,
      consumer: fastConsumer,
    });
  }

  it('records a valid ack as a TargetAcknowledged event of the acknowledging target', async () => {
    await producer.send({
      topic: config.acksTopic,
      messages: [
        { key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'leaver-1', outcome: 'applied', at: AT }) },
        {
          key: 'acme',
          value: JSON.stringify({ targetId: 'slack', caseId: 'leaver-1', eventId: 'evt-9', outcome: 'failed', at: AT, detail: 'seat locked', extra: 1 }),
          headers: { [CE_HEADERS.correlationId]: 'corr-42' },
        },
      ],
    });

    await eventually(() => sut.status().applied === 2, 15_000, 'two acks applied', () => sut.status());
    const events = await store.readStream('targetAck-acme:leaver-1');
    expect(events.map((e) => ({ type: e.type, data: e.data, actor: e.metadata.actor, tenant: e.metadata.tenant }))).toEqual([
      { type: TARGET_ACKNOWLEDGED, data: { targetId: 'github', caseId: 'leaver-1', outcome: 'applied', at: AT }, actor: 'kafka:github', tenant: 'acme' },
      {
        type: TARGET_ACKNOWLEDGED,
        data: { targetId: 'slack', caseId: 'leaver-1', eventId: 'evt-9', outcome: 'failed', at: AT, detail: 'seat locked' },
        actor: 'kafka:slack',
        tenant: 'acme',
      },
    ]);
    expect(events[0]!.metadata.correlationId).toMatch(new RegExp(`^kafka:${config.acksTopic}/\\d+/\\d+$`));
    expect(events[1]!.metadata).toMatchObject({ correlationId: 'corr-42', causationId: 'evt-9' });
  }, 30_000);

  it('takes the tenant from the tenant field when the message has no key, and keys streams by event id without a case', async () => {
    await producer.send({
      topic: config.acksTopic,
      messages: [{ key: null, value: JSON.stringify({ tenant: 'globex', targetId: 'jira', eventId: 'evt-1', outcome: 'skipped', at: AT }) }],
    });

    await eventually(() => sut.status().applied === 1, 15_000, 'the ack applied', () => sut.status());
    const [event] = await store.readStream('targetAck-globex:evt-1');
    expect(event!.metadata).toMatchObject({ tenant: 'globex', actor: 'kafka:jira', causationId: 'evt-1' });
  }, 30_000);

  it('sends malformed acks to the dead-letter topic with the reason, and carries on', async () => {
    const bad = [
      { key: 'acme', value: 'not json at all' },
      { key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'leaver-2', outcome: 'maybe', at: AT }) },
      { key: 'acme', value: JSON.stringify({ targetId: 'github', outcome: 'applied', at: AT }) },
      { key: 'acme', value: JSON.stringify({ tenant: 'globex', targetId: 'github', caseId: 'c', outcome: 'applied', at: AT }) },
      { key: null, value: JSON.stringify({ targetId: 'github', caseId: 'c', outcome: 'applied', at: AT }) },
      { key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'c', outcome: 'applied', at: 'yesterday' }) },
    ];
    const good = { key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'leaver-2', outcome: 'applied', at: AT }) };
    // One partition, so the good ack queues behind every bad one.
    await producer.send({ topic: config.acksTopic, messages: [...bad, good].map((m) => ({ ...m, partition: 0, headers: { origin: 'test' } })) });

    await eventually(() => sut.status().applied === 1 && sut.status().deadLettered === bad.length, 15_000, 'every ack handled', () => sut.status());
    const dead = await readWholeTopic(kafka, config.deadLetterTopic);
    expect(dead.map((m) => m.value)).toEqual(bad.map((m) => m.value));
    expect(dead.map((m) => m.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
      expect.stringMatching(/^value is not JSON/),
      'outcome must be one of applied, failed, skipped',
      'one of eventId or caseId is required',
      'tenant field "globex" does not match the message key "acme"',
      'tenant is missing: set the tenant field or key the message by tenant',
      'at must be an ISO-8601 timestamp with a time zone',
    ]);
    expect(dead[0]!.headers).toMatchObject({
      origin: 'test',
      [DEAD_LETTER_HEADERS.sourceTopic]: config.acksTopic,
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: '0',
    });
    expect(dead[0]!.key).toBe('acme');
    expect(await store.readStream('targetAck-acme:leaver-2')).toHaveLength(1);
  }, 30_000);

  it('does not record an ack twice when it is delivered again', async () => {
    await producer.send({
      topic: config.acksTopic,
      messages: [{ key: 'acme', value: JSON.stringify({ targetId: 'github', caseId: 'leaver-3', outcome: 'applied', at: AT }) }],
    });
    await eventually(() => sut.status().applied === 1, 15_000, 'the ack applied', () => sut.status());

    // A second group reads the topic from the start: exactly what a lost offset commit causes.
    const replay = anAckConsumer(`replay-${config.clientId}`);
    await replay.start();
    try {
      await eventually(() => replay.status().duplicates === 1, 15_000, 'the redelivered ack recognised', () => replay.status());
      expect(replay.status().applied).toBe(0);
    } finally {
      await replay.stop();
    }
    expect(await store.readStream('targetAck-acme:leaver-3')).toHaveLength(1);
  }, 30_000);
});
