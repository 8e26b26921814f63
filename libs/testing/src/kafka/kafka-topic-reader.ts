import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';

export interface ConsumedMessage {
  partition: number;
  offset: bigint;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads everything a topic holds at the time of the call, from the first offset to each
 * partition's high watermark, through a throwaway consumer group. Duplicates and gaps stay
 * visible: nothing is de-duplicated or committed.
 */
export async function readWholeTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const watermarks = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map<number, bigint>();
  for (const { partition, high, low } of watermarks) {
    if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high));
  }
  const messages: ConsumedMessage[] = [];
  if (remaining.size === 0) return messages;

  const consumer = kafka.consumer({
    groupId: `topic-reader-${randomUUID()}`,
    // Long enough that a starved test machine does not rebalance the reader in a loop.
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const behind = [...remaining.entries()].map(([p, high]) => `partition ${p} below offset ${high}`).join(', ');
        reject(new Error(`reading ${topic} timed out after ${timeoutMs} ms with ${messages.length} messages read (${behind})`));
      }, timeoutMs);
      consumer.on(consumer.events.CRASH, (event) => {
        if (event.payload.restart) return;
        clearTimeout(timer);
        reject(new Error(`the consumer reading ${topic} crashed: ${event.payload.error.message}`));
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              const high = remaining.get(batch.partition);
              if (high === undefined || offset >= high) continue;
              messages.push({
                partition: batch.partition,
                offset,
                key: message.key?.toString() ?? null,
                value: message.value?.toString() ?? null,
                headers: stringHeaders(message.headers),
              });
              if (offset >= high - 1n) remaining.delete(batch.partition);
            }
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = (Array.isArray(value) ? value[0]! : value).toString();
  }
  return result;
}
