import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { createKafkaClient, type KafkaClientOptions } from './kafka-client';
import type { KafkaConfig } from './kafka.config';

export interface TopicSpec {
  topic: string;
  partitions: number;
  config?: Record<string, string>;
}

/**
 * The broker's default (1 MB) is below what one event can reach: a group PATCH that adds
 * thousands of members is one event, and the relay must never be stuck on a message the broker
 * refuses.
 */
const EVENT_TOPIC_CONFIG = { 'max.message.bytes': String(8 * 1024 * 1024) };

export function ledgerTopics(config: KafkaConfig): TopicSpec[] {
  return [
    { topic: config.eventsTopic, partitions: config.partitions, config: EVENT_TOPIC_CONFIG },
    { topic: config.alertsTopic, partitions: config.partitions, config: EVENT_TOPIC_CONFIG },
    { topic: config.acksTopic, partitions: config.partitions },
    // Rarely written and read by people: one partition keeps it in arrival order.
    { topic: config.deadLetterTopic, partitions: 1 },
  ];
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((t) => !existing.has(t.topic))
      .map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      }));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (error) {
      // Another replica may have created them between listTopics and createTopics.
      if (!/already exists/i.test((error as Error).message)) throw error;
    }
    await untilLed(admin, missing.map((t) => t.topic));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Metadata names a leader a moment before that broker acts as one, and the first writes in
 * between fail with NOT_LEADER_OR_FOLLOWER. Listing offsets is answered by the partition leader
 * only, so once it succeeds the topic takes writes.
 */
async function untilLed(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const topic of topics) {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/** Boot-time convenience: the four ledger topics, through a short-lived client. */
export async function ensureLedgerTopics(config: KafkaConfig, client: KafkaClientOptions = {}): Promise<void> {
  await ensureTopics(createKafkaClient({ ...config, clientId: `${config.clientId}-admin` }, client), ledgerTopics(config));
}
