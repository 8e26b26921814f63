/**
 * Relay throughput: events published from the SQLite store to a real local Kafka broker (KRaft,
 * Apache Kafka 3.9 jars via deploy/kafka), acknowledged with acks=all by an idempotent producer,
 * checkpoint saved after each acknowledged batch.
 *
 *   node -r @swc-node/register bench/kafka-relay.bench.ts     (BENCH_EVENTS=20000 BENCH_RUNS=3)
 */
import { KAFKA_DEFAULTS, KafkaRelay, createKafkaClient, ensureTopics, ledgerTopics, type KafkaConfig } from '@ledger/kafka';
import { SqliteEventStore } from '@ledger/eventstore';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaBroker } from '../libs/testing/src/kafka';
import { median, printTable, round } from './lib/stats';

const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const streams = 200;

async function main(): Promise<void> {
  const broker = await startKafkaBroker();
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  try {
    const payload = { userId: 'u', attributes: { name: { givenName: 'Alice', familyName: 'Example' }, title: 'Engineer', department: 'Finance' } };
    const writes = [];
    for (let n = 0; n < events; n++) {
      const stream = n % streams;
      const revision = Math.floor(n / streams);
      writes.push(store.append(`user-bench:${stream}`, [{ type: 'UserAttributesChanged', data: { ...payload, n }, metadata: { tenant: 'bench', correlationId: `c${n}`, actor: 'bench' } }], revision === 0 ? 'no_stream' : revision - 1));
      if (writes.length === 256) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);

    const rows: Array<Record<string, string | number>> = [];
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) {
      const config: KafkaConfig = { ...KAFKA_DEFAULTS, brokers: broker.brokerList, eventsTopic: `bench-${run}.events`, alertsTopic: `bench-${run}.alerts`, logLevel: 'nothing' } as KafkaConfig;
      await ensureTopics(createKafkaClient({ ...config, clientId: 'bench-admin' }), ledgerTopics(config));
      const relay = KafkaRelay.fromConfig(store, config, {}, { checkpoint: `bench-relay-${run}` });
      const started = performance.now();
      await relay.start();
      await relay.waitForPublished(undefined, 300_000);
      const seconds = (performance.now() - started) / 1000;
      await relay.stop();
      rates.push(events / seconds);
      rows.push({ run: run + 1, events, seconds: round(seconds), 'events/s': Math.round(events / seconds) });
    }
    console.log(`\nKafka relay: ${events} events (${streams} streams) from SQLite to a local single-node broker, acks=all, idempotent`);
    printTable(rows);
    console.log(`median: ${Math.round(median(rates))} events/s`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    const file = join(__dirname, 'results', `kafka-relay-${new Date().toISOString().slice(0, 10)}.json`);
    writeFileSync(file, JSON.stringify({ benchmark: 'kafka-relay', at: new Date().toISOString(), events, streams, rows, medianEventsPerSecond: Math.round(median(rates)) }, null, 2));
    console.log(`written ${file}`);
  } finally {
    await store.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
