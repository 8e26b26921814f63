/**
 * Raw durable appends through the EventStore port (SQLite adapter, WAL, synchronous=FULL):
 * single-event appends from 1, 16 and 64 concurrent writers, each to its own stream with an
 * exact expected revision, as SCIM command handlers do. Prints events/s and per-append latency.
 *
 *   npm run bench:appends            (BENCH_SECONDS=5 BENCH_RUNS=3 by default)
 */
import { SqliteEventStore, canonicalJson, newEventId, type NewEvent } from '@ledger/eventstore';
import { WRITER_CHECKPOINT_PAGES } from '../libs/eventstore/src/sqlite/sqlite-schema';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './lib/report';
import { median, percentile, printTable, round } from './lib/stats';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const writerCounts = (process.env.BENCH_WRITERS ?? '1,16,64').split(',').map(Number);

const payload = {
  userId: '7d0c1d7e-0000-4000-8000-000000000000',
  userName: 'alice@example.com',
  externalId: '00u1abcd',
  active: true,
  attributes: { name: { givenName: 'Alice', familyName: 'Example' }, emails: [{ value: 'alice@example.com', type: 'work', primary: true }] },
};

function event(): NewEvent {
  return {
    type: 'UserAttributesChanged',
    data: payload,
    metadata: { tenant: 'bench', correlationId: 'c', requestId: 'r', idp: 'entra', tokenId: 't', actor: 'token:t' },
  };
}

async function runOnce(writers: number): Promise<{ eventsPerSec: number; p50: number; p99: number; p999: number; max: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-appends-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  // The writer thread starts with the store (about 0.3 s from sources): not part of any append's latency.
  await store.append('bench-warm-up', [event()], 'no_stream');
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let revision = -1;
      let stream = 0;
      while (performance.now() < deadline) {
        if (revision >= 49) { stream++; revision = -1; }
        const started = performance.now();
        await store.append(`bench-w${w}s${stream}`, [event()], revision < 0 ? 'no_stream' : revision);
        latencies.push(performance.now() - started);
        revision++;
      }
    }),
  );
  const elapsed = seconds;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { eventsPerSec: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9), max: latencies[latencies.length - 1] ?? 0 };
}

/**
 * The storage limit on this machine: the rows the port writes, in the same layout (`writers`
 * streams written side by side, 50 events each, then fresh streams; a streams row per new stream)
 * and with the same durability, inserted straight through better-sqlite3 with one transaction per
 * `writers` rows: what group commit could reach at best. Hashes are computed elsewhere, so this
 * measures the storage alone.
 */
function rawInsertLimit(rowsPerCommit: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
  const probe = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  const db: Database.Database = probe.db;
  // The store's reader connection never checkpoints; here it writes, so it checkpoints as the writer thread does.
  db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  const newStream = db.prepare<[string]>('INSERT INTO streams (stream_id) VALUES (?)');
  const insert = db.prepare(
    `INSERT INTO events (stream_key, stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sample = event();
  const data = canonicalJson(sample.data);
  const metadata = canonicalJson({ ...sample.metadata, recordedAt: new Date().toISOString() });
  const hashes = Array.from({ length: 1024 }, () => randomBytes(32).toString('hex'));
  const keys: Array<number | bigint> = [];
  let revision = 0;
  let generation = 0;
  const commit = db.transaction(() => {
    for (let w = 0; w < rowsPerCommit; w++) {
      const streamId = `bench-w${w}s${generation}`;
      if (revision === 0) keys[w] = newStream.run(streamId).lastInsertRowid;
      const hash = hashes[(w + revision) % hashes.length]!;
      insert.run(keys[w], streamId, revision, newEventId(), 'UserAttributesChanged', 1, data, metadata, hash, hash);
    }
    if (++revision === 50) {
      revision = 0;
      generation++;
    }
  });
  let rows = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    commit();
    rows += rowsPerCommit;
  }
  const perSec = rows / ((performance.now() - started) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return perSec;
}

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const writers of writerCounts) {
    const results = [];
    const limits = [];
    for (let run = 0; run < runs; run++) {
      results.push(await runOnce(writers));
      limits.push(rawInsertLimit(writers));
    }
    const throughput = median(results.map((r) => r.eventsPerSec));
    const limit = median(limits);
    rows.push({
      writers,
      'events/s (median)': Math.round(throughput),
      'raw limit rows/s': Math.round(limit),
      'port / limit': round(throughput / limit),
      'p50 ms': round(median(results.map((r) => r.p50))),
      'p99 ms': round(median(results.map((r) => r.p99))),
      'p99.9 ms': round(median(results.map((r) => r.p999))),
      'max ms': round(median(results.map((r) => r.max))),
      runs,
      'events/s per run': results.map((r) => Math.round(r.eventsPerSec)).join(' / '),
    });
  }
  console.log(`\nDurable single-event appends through the port, SQLite WAL synchronous=FULL, ${seconds}s per run`);
  printTable(rows);
  // The repository's bench/results, also when run from the compiled copy under node_modules/.cache.
  mkdirSync(join(repoRoot(), 'bench', 'results'), { recursive: true });
  const file = join(repoRoot(), 'bench', 'results', `event-store-appends-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: 'event-store-appends', at: new Date().toISOString(), seconds, rows }, null, 2));
  console.log(`\nwritten ${file}`);
}

void main();
