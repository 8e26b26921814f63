import type { NewEvent } from '@ledger/eventstore';
import { randomUUID } from 'node:crypto';
import type { KafkaClientOptions } from '../src/kafka-client';
import type { KafkaConfig } from '../src/kafka.config';

/** Topics of their own per test, so tests sharing one broker never see each other's messages. */
export function aKafkaConfig(brokers: string[], overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  const run = randomUUID().slice(0, 8);
  return {
    brokers,
    clientId: `test-${run}`,
    eventsTopic: `events-${run}`,
    alertsTopic: `alerts-${run}`,
    acksTopic: `acks-${run}`,
    deadLetterTopic: `acks-dead-letter-${run}`,
    partitions: 6,
    logLevel: 'nothing',
    ...overrides,
  };
}

/** Gives up within about a second, so an outage shows in the relay's status quickly. */
export const impatientClient: KafkaClientOptions = {
  retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 },
  connectionTimeoutMs: 500,
  requestTimeoutMs: 5000,
};

/**
 * Short fetch waits keep tests quick; the session stays long because consumers leave their group
 * explicitly on stop, and a short one only makes a CPU-starved test machine rebalance in a loop.
 */
export const fastConsumer = { sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 100 };

/** A stream's events: SLA case streams breach at revision 1 and resolve at revision 2. */
export function anEvent(streamId: string, revision: number): NewEvent {
  const sla = streamId.startsWith('slaCase-');
  const type = sla ? (revision === 1 ? 'SlaBreached' : revision === 2 ? 'SlaResolved' : 'SlaCaseProgressed') : 'UserAttributesChanged';
  return {
    type,
    data: {
      streamId,
      revision,
      changes: [
        { path: 'title', value: `Engineer ${revision}` },
        { path: 'department', value: 'Identity' },
        { path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', value: { value: `mgr-${revision % 7}` } },
      ],
    },
    metadata: {
      tenant: 'acme',
      correlationId: randomUUID(),
      requestId: randomUUID(),
      idp: 'okta',
      tokenId: 'tok-1',
      actor: 'scim:okta',
    },
  };
}

export function streamIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 20 === 0 ? `slaCase-acme:case-${i}` : i % 10 === 5 ? `group-acme:grp-${i}` : `user-acme:usr-${i}`,
  );
}

type Appender = { append(streamId: string, events: NewEvent[], expected: number | 'no_stream'): Promise<unknown> };

/**
 * Appends revisions [fromRound, toRound) to every stream, `perAppend` events per append and all
 * streams at once, so streams interleave in the global log.
 */
export async function appendRounds(store: Appender, streams: string[], fromRound: number, toRound: number, perAppend = 1): Promise<void> {
  for (let round = fromRound; round < toRound; round += perAppend) {
    const revisions = Array.from({ length: Math.min(perAppend, toRound - round) }, (_, i) => round + i);
    await Promise.all(streams.map((s) => appendRetrying(store, s, revisions)));
  }
}

/**
 * A busy SQLite file ("database is locked" past the busy timeout, seen on an overloaded machine)
 * is transient; the expected revision makes a retry safe, since an append that did commit would
 * fail the retry instead of writing twice.
 */
async function appendRetrying(store: Appender, streamId: string, revisions: number[]): Promise<void> {
  const first = revisions[0]!;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.append(streamId, revisions.map((r) => anEvent(streamId, r)), first === 0 ? 'no_stream' : first - 1);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EVENT_STORE_UNAVAILABLE' || attempt >= 3) throw error;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
  state?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > deadline) {
      const detail = state ? ` (state: ${JSON.stringify(state(), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(20);
  }
}
