import { parseIntegrationEventValue } from '@ledger/contracts';
import { SqliteEventStore, type ReadAllOptions, type RecordedEvent } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { KafkaRelay, type KafkaRelayOptions } from '../src/kafka-relay';
import { kafkaConfigFromEnv } from '../src/kafka.config';
import type { MessagePublisher, OutgoingMessage } from '../src/message-publisher.port';
import { appendRounds, eventually, streamIds } from './kafka-test-kit';

/** A broker stand-in that acknowledges, or fails while `down` is set. */
class FakePublisher implements MessagePublisher {
  readonly sent: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
  down = false;
  attempts = 0;

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.attempts += 1;
    if (this.down) {
      throw new Error('Connection error: connect ECONNREFUSED');
    }
    this.sent.push({ topic, messages });
  }

  async close(): Promise<void> {}

  revisionsOf(topic: string): Array<[string, number]> {
    return this.sent
      .filter((r) => r.topic === topic)
      .flatMap((r) => r.messages.map((m) => [String(m.key), parseIntegrationEventValue(String(m.value)).revision] as [string, number]));
  }
}

describe('KafkaRelay', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let publisher: FakePublisher;
  let sut: KafkaRelay;

  const aRelay = (options: Partial<KafkaRelayOptions> = {}): KafkaRelay =>
    new KafkaRelay({ store, publisher, eventsTopic: 'events', alertsTopic: 'alerts', retryInitialMs: 5, retryMaxMs: 20, ...options });

  beforeEach(async () => {
    dir = await tempDir('relay-unit');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 20 });
    publisher = new FakePublisher();
  });

  afterEach(async () => {
    await sut?.stop();
    await store.close();
    await dir.remove();
  });

  it('keeps retrying the same batch while the broker is down and saves no checkpoint for it', async () => {
    await appendRounds(store, ['user-acme:a'], 0, 3);
    publisher.down = true;
    sut = aRelay();
    await sut.start();

    const stalled = await eventually(async () => {
      const status = await sut.status();
      return status.consecutiveFailures >= 3 ? status : undefined;
    }, 5000, 'repeated failures');
    expect(stalled).toMatchObject({ running: true, publishedPosition: 0n, lag: 3n, lastError: { message: 'Connection error: connect ECONNREFUSED' } });
    expect(stalled.stalledSince).not.toBeNull();
    expect(await store.loadCheckpoint(sut.checkpointName)).toBeNull();

    publisher.down = false;
    await sut.waitForPublished(undefined, 5000);
    expect(await sut.status()).toMatchObject({ lag: 0n, stalledSince: null, consecutiveFailures: 0 });
    expect(publisher.revisionsOf('events')).toEqual([['user-acme:a', 0], ['user-acme:a', 1], ['user-acme:a', 2]]);
  });

  it('stops cleanly in the middle of an outage, and a new relay publishes what was left', async () => {
    await appendRounds(store, ['user-acme:a'], 0, 2);
    publisher.down = true;
    sut = aRelay();
    await sut.start();
    await eventually(() => publisher.attempts >= 2, 5000, 'attempts');
    await sut.stop();
    expect(await store.loadCheckpoint(sut.checkpointName)).toBeNull();

    publisher.down = false;
    sut = aRelay();
    await sut.start();
    await sut.waitForPublished(undefined, 5000);
    expect(publisher.revisionsOf('events')).toHaveLength(2);
  });

  it('splits a batch into requests under the size limit and resends only the request that failed', async () => {
    const streams = streamIds(20);
    await appendRounds(store, streams, 0, 5);
    let calls = 0;
    const send = publisher.send.bind(publisher);
    publisher.send = async (topic, messages) => {
      calls += 1;
      // The third request fails once: the first two must not be sent again.
      if (calls === 3) throw new Error('NOT_LEADER_OR_FOLLOWER');
      return send(topic, messages);
    };
    sut = aRelay({ maxRequestBytes: 8 * 1024, batchSize: 100 });
    await sut.start();
    await sut.waitForPublished(undefined, 5000);

    const requests = publisher.sent.filter((r) => r.topic === 'events');
    expect(requests.length).toBeGreaterThan(3);
    for (const request of requests) {
      const bytes = request.messages.reduce((sum, m) => sum + String(m.value).length + String(m.key).length, 0);
      expect(request.messages.length === 1 || bytes <= 8 * 1024).toBe(true);
    }
    const published = publisher.revisionsOf('events');
    expect(published).toHaveLength(100);
    for (const streamId of streams) {
      expect(published.filter(([key]) => key === streamId).map(([, revision]) => revision)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('sends SLA breaches and resolutions to the alerts topic too', async () => {
    await appendRounds(store, ['slaCase-acme:c1', 'user-acme:a'], 0, 4);
    sut = aRelay();
    await sut.start();
    await sut.waitForPublished(undefined, 5000);
    expect(publisher.revisionsOf('alerts')).toEqual([['slaCase-acme:c1', 1], ['slaCase-acme:c1', 2]]);
    expect(publisher.revisionsOf('events')).toHaveLength(8);
  });

  it('subscribes again from its checkpoint when reading the store fails', async () => {
    await appendRounds(store, ['user-acme:a'], 0, 2);
    let failures = 1;
    const realReadAll = store.readAll.bind(store);
    store.readAll = async (options?: ReadAllOptions): Promise<RecordedEvent[]> => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('SQLITE_BUSY: database is locked');
      }
      return realReadAll(options);
    };
    sut = aRelay();
    await sut.start();
    await sut.waitForPublished(2n, 5000);
    expect((await sut.status()).lastError?.message).toBe('SQLITE_BUSY: database is locked');
    expect(publisher.revisionsOf('events')).toHaveLength(2);
  });
});

describe('kafkaConfigFromEnv', () => {
  it('is off without KAFKA_BROKERS', () => {
    expect(kafkaConfigFromEnv({})).toBeNull();
  });

  it('reads brokers and falls back to the default topics', () => {
    expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_PARTITIONS: '12' })).toEqual({
      brokers: ['k1:9092', 'k2:9092'],
      clientId: 'scim-ledger',
      eventsTopic: 'scim-ledger.events',
      alertsTopic: 'scim-ledger.alerts',
      acksTopic: 'scim-ledger.acks',
      deadLetterTopic: 'scim-ledger.acks.dead-letter',
      partitions: 12,
      ackGroupId: undefined,
      logLevel: 'warn',
    });
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_PARTITIONS: 'six' })).toThrow(/KAFKA_PARTITIONS/);
  });
});
