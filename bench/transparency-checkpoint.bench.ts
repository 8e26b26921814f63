/**
 * What tamper evidence costs, in one run:
 *
 *  1. At BENCH_EVENTS events (default 1,000,000): building the Merkle tree from the log, its size
 *     on disk, the cost of signing a checkpoint (on demand: catch up, root, Ed25519, durable
 *     CheckpointSigned append), inclusion and consistency proof sizes and times.
 *  2. Durable appends with the tree maintainer following the log vs without it: two stores in
 *     one process, written in BENCH_RUNS (default 10) alternating pairs of BENCH_SECONDS (default
 *     2) segments per writer count (BENCH_WRITERS, default 1,16); median of the paired ratios.
 *
 *   node -r @swc-node/register bench/transparency-checkpoint.bench.ts
 *   BENCH_EVENTS=100000 BENCH_RUNS=4 node -r @swc-node/register bench/transparency-checkpoint.bench.ts
 *   BENCH_EVENTS=0 ...   skips the scale part
 */
import Database from 'better-sqlite3';
import { GENESIS_HASH, SqliteEventStore, eventHash, newEventId, type NewEvent } from '@ledger/eventstore';
import {
  LedgerSigningKey,
  TransparencyLog,
  eventLeafHash,
  signCheckpoint,
  verifyInclusion,
} from '@ledger/transparency';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport, type BenchReport, type Row } from './lib/report';
import { median, percentile, printTable, round } from './lib/stats';

const totalEvents = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const runs = Number(process.env.BENCH_RUNS ?? 10);
const writerCounts = (process.env.BENCH_WRITERS ?? '1,16').split(',').map(Number);
const eventsPerStream = 10;

const payload = {
  userId: '7d0c1d7e-0000-4000-8000-000000000000',
  userName: 'alice@example.com',
  externalId: '00u1abcd',
  active: true,
  attributes: { name: { givenName: 'Alice', familyName: 'Example' }, emails: [{ value: 'alice@example.com', type: 'work', primary: true }] },
  at: '2026-03-03T10:00:00.000Z',
};
const metadata = { tenant: 'bench', correlationId: 'c', requestId: 'r', idp: 'entra', tokenId: 't', actor: 'token:t' };

function event(): NewEvent {
  return { type: 'UserAttributesChanged', data: payload, metadata };
}

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

function timeMs<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: performance.now() - started, value };
}

async function timeMsAsync<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

function fileBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(`${path}${suffix}`).size;
    } catch {
      /* absent */
    }
  }
  return total;
}

/** Writes `count` events with real per-stream hash chains straight into the SQLite file (set-up, not measured). */
function bulkLoad(path: string, count: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO events (stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const streams = Math.max(1, Math.floor(count / eventsPerStream));
  const heads: Array<{ revision: number; hash: string }> = [];
  const recorded = { ...metadata, recordedAt: '2026-03-03T10:00:00.000Z' };
  const data = JSON.stringify(payload);
  const meta = JSON.stringify(recorded);
  const page = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const s = i % streams;
      const head = heads[s];
      const streamId = `user-bench:u${s}`;
      const revision = head ? head.revision + 1 : 0;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const id = newEventId();
      const hash = eventHash({ streamId, revision, id, type: 'UserAttributesChanged', schemaVersion: 1, data: payload, metadata: recorded, prevHash });
      insert.run(streamId, revision, id, 'UserAttributesChanged', 1, data, meta, prevHash, hash);
      heads[s] = { revision, hash };
    }
  });
  for (let from = 0; from < count; from += 10_000) page(from, Math.min(count, from + 10_000));
  db.close();
}

async function atScale(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-transparency-'));
  const eventsPath = join(dir, 'events.sqlite');
  await new SqliteEventStore({ path: eventsPath }).close();
  const load = timeMs(() => bulkLoad(eventsPath, totalEvents));
  console.log(`loaded ${totalEvents.toLocaleString()} events with hash chains in ${round(load.ms / 1000, 1)} s (set-up)`);

  const store = new SqliteEventStore({ path: eventsPath });
  const log = TransparencyLog.open({ store, dataDir: dir, keyFile: join(dir, 'key.pem'), origin: 'bench.example', checkpointIntervalSeconds: 0 });
  const buildCpu = cpuMicros();
  const build = await timeMsAsync(async () => {
    log.start();
    await log.maintainer.waitFor(await store.headPosition(), 3_600_000);
  });
  const buildCpuPerEvent = (cpuMicros() - buildCpu) / totalEvents;
  log.tree.db.pragma('wal_checkpoint(TRUNCATE)');
  const treeBytes = fileBytes(join(dir, 'transparency.sqlite'));
  console.log(`tree built in ${round(build.ms / 1000, 1)} s`);

  // On-demand checkpoint: one new event each time, so every checkpoint signs a grown tree.
  const signed: number[] = [];
  for (let i = 0; i < 21; i++) {
    await store.append(`user-bench:cp${i}`, [event()], 'no_stream');
    signed.push((await timeMsAsync(() => log.signCheckpoint({ actor: 'bench' }))).ms);
  }
  signed.sort((a, b) => a - b);
  const key = LedgerSigningKey.generate('bench.example');
  const rootAndSign: number[] = [];
  for (let i = 0; i < 1000; i++) {
    rootAndSign.push(
      timeMs(() => signCheckpoint({ origin: 'bench.example', treeSize: log.tree.size, rootHash: log.tree.root(), time: new Date().toISOString() }, key)).ms,
    );
  }
  rootAndSign.sort((a, b) => a - b);

  const size = log.latestCheckpoint()!.treeSize;
  const root = Buffer.from(log.latestCheckpoint()!.rootHash, 'base64');
  const proveTimes: number[] = [];
  const verifyTimes: number[] = [];
  const answerTimes: number[] = [];
  let maxHashes = 0;
  let hashCount = 0;
  let answerBytes = 0;
  const samples = 1000;
  for (let i = 0; i < samples; i++) {
    const leafIndex = Math.floor(Math.random() * size);
    const proof = timeMs(() => log.tree.inclusionProof(leafIndex, size));
    proveTimes.push(proof.ms);
    maxHashes = Math.max(maxHashes, proof.value.length);
    hashCount += proof.value.length;
    const leaf = log.tree.perfect(0, leafIndex);
    verifyTimes.push(timeMs(() => verifyInclusion(leafIndex, size, leaf, proof.value, root)).ms);
    if (i < 100) {
      const position = BigInt(leafIndex + 1);
      const answer = await timeMsAsync(() => log.inclusionProof({ position, treeSize: size }, { actor: 'bench' }));
      answerTimes.push(answer.ms);
      answerBytes = Math.max(answerBytes, JSON.stringify(answer.value).length);
      if (!verifyInclusion(leafIndex, size, eventLeafHash({ ...answer.value.event }), answer.value.proof.map((p) => Buffer.from(p, 'base64')), root)) {
        throw new Error(`inclusion proof of leaf ${leafIndex} does not verify`);
      }
    }
  }
  [proveTimes, verifyTimes, answerTimes].forEach((list) => list.sort((a, b) => a - b));
  const consistencyHalf = timeMs(() => log.tree.consistencyProof(Math.floor(size / 2), size));
  const consistencyRecent = timeMs(() => log.tree.consistencyProof(size - 1000, size));

  await log.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const rows = [
    { measure: 'events in the tree', value: size.toLocaleString() },
    { measure: 'tree build from the log (catch-up), events/s', value: Math.round(totalEvents / (build.ms / 1000)).toLocaleString() },
    { measure: 'tree build CPU, µs per event', value: round(buildCpuPerEvent, 1) },
    { measure: 'transparency.sqlite size, MB (bytes/event)', value: `${round(treeBytes / 1e6, 1)} (${round(treeBytes / size, 1)})` },
    { measure: 'checkpoint on demand (catch-up + sign + durable record), p50 / p90 ms', value: `${round(signed[10]!)} / ${round(percentile(signed, 90))}` },
    { measure: 'root + Ed25519 note signature alone, p50 ms', value: round(median(rootAndSign), 3) },
    { measure: 'inclusion proof: hashes (avg / max), bytes raw', value: `${round(hashCount / samples, 1)} / ${maxHashes}, ${maxHashes * 32}` },
    { measure: 'inclusion proof from the store, p50 / p99 ms', value: `${round(median(proveTimes), 3)} / ${round(percentile(proveTimes, 99), 3)}` },
    { measure: 'inclusion proof API answer (with event read), p50 ms; JSON bytes', value: `${round(median(answerTimes), 3)}; ${answerBytes}` },
    { measure: 'inclusion proof verification, p50 ms', value: round(median(verifyTimes), 3) },
    { measure: `consistency proof ${Math.floor(size / 2)} -> ${size}: hashes, ms`, value: `${consistencyHalf.value.length}, ${round(consistencyHalf.ms, 3)}` },
    { measure: `consistency proof ${size - 1000} -> ${size}: hashes, ms`, value: `${consistencyRecent.value.length}, ${round(consistencyRecent.ms, 3)}` },
  ];
  console.log(`\nTransparency log at ${size.toLocaleString()} events (SQLite, this machine)`);
  printTable(rows);
  return rows;
}

interface Workload {
  store: SqliteEventStore;
  log: TransparencyLog | null;
  dir: string;
  next: number[];
}

function openWorkload(withTree: boolean, writers: number): Workload {
  const dir = mkdtempSync(join(tmpdir(), 'bench-transparency-appends-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  const log = withTree
    ? TransparencyLog.open({ store, dataDir: dir, keyFile: join(dir, 'key.pem'), origin: 'bench.example', checkpointIntervalSeconds: 0 })
    : null;
  log?.start();
  return { store, log, dir, next: Array.from({ length: writers }, () => 0) };
}

/** One segment of durable single-event appends from `writers` concurrent writers, each on its own streams. */
async function appendSegment(workload: Workload): Promise<{ eventsPerSec: number; latencies: number[]; cpuPerAppend: number }> {
  const latencies: number[] = [];
  const cpuBefore = cpuMicros();
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    workload.next.map(async (_, w) => {
      while (performance.now() < deadline) {
        const n = workload.next[w]!;
        const revision = n % 50;
        const started = performance.now();
        await workload.store.append(`bench-w${w}s${Math.floor(n / 50)}`, [event()], revision === 0 ? 'no_stream' : revision - 1);
        latencies.push(performance.now() - started);
        workload.next[w] = n + 1;
      }
    }),
  );
  // The whole process, writer thread included: the tree's share shows as the difference.
  const cpuPerAppend = (cpuMicros() - cpuBefore) / latencies.length;
  return { eventsPerSec: latencies.length / seconds, latencies, cpuPerAppend };
}

/**
 * Two stores in one process, one followed by the tree maintainer and one not, written in
 * alternating segments (A B, B A, ...): load from other processes on the machine hits both
 * sides alike, and each pair gives one ratio. The slowdown is the median of those ratios.
 */
async function appendSlowdown(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const writers of writerCounts) {
    const without = openWorkload(false, writers);
    const withTree = openWorkload(true, writers);
    await Promise.all([appendSegment(without), appendSegment(withTree)]);
    const off: number[] = [];
    const on: number[] = [];
    const ratios: number[] = [];
    const offLatencies: number[] = [];
    const onLatencies: number[] = [];
    const offCpu: number[] = [];
    const onCpu: number[] = [];
    let maxLag = 0;
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? [without, withTree] : [withTree, without];
      const results = new Map<Workload, Awaited<ReturnType<typeof appendSegment>>>();
      for (const workload of order) results.set(workload, await appendSegment(workload));
      const a = results.get(without)!;
      const b = results.get(withTree)!;
      off.push(a.eventsPerSec);
      on.push(b.eventsPerSec);
      ratios.push(b.eventsPerSec / a.eventsPerSec);
      offLatencies.push(...a.latencies);
      onLatencies.push(...b.latencies);
      offCpu.push(a.cpuPerAppend);
      onCpu.push(b.cpuPerAppend);
      maxLag = Math.max(maxLag, Number((await withTree.store.headPosition()) - withTree.log!.maintainer.position));
    }
    for (const workload of [without, withTree]) {
      await workload.log?.stop();
      await workload.store.close();
      rmSync(workload.dir, { recursive: true, force: true });
    }
    offLatencies.sort((x, y) => x - y);
    onLatencies.sort((x, y) => x - y);
    rows.push({
      writers,
      'appends/s without tree (median)': Math.round(median(off)),
      'appends/s with tree (median)': Math.round(median(on)),
      'slowdown % (median of paired runs)': round((1 - median(ratios)) * 100, 1),
      'p99 ms without / with': `${round(percentile(offLatencies, 99))} / ${round(percentile(onLatencies, 99))}`,
      'process CPU µs/append without / with': `${round(median(offCpu), 1)} / ${round(median(onCpu), 1)}`,
      'tree lag after a segment (max events)': maxLag,
      'paired runs': runs,
      'with/without per pair': ratios.map((r) => round(r, 3)).join(' '),
    });
  }
  console.log(`\nDurable single-event appends, with vs without the tree maintainer: ${runs} alternating pairs of ${seconds}s segments`);
  printTable(rows);
  return rows;
}

async function main(): Promise<void> {
  const scale = totalEvents > 0 ? await atScale() : null;
  const slowdown = await appendSlowdown();
  const report: BenchReport = {
    benchmark: 'transparency-checkpoint',
    at: new Date().toISOString(),
    settings: { events: totalEvents, seconds, runs, writers: writerCounts },
    tables: [
      ...(scale ? [{ title: `Transparency log at ${totalEvents} events`, rows: scale }] : []),
      { title: 'Durable appends with vs without the tree maintainer', rows: slowdown },
    ],
    notes: ['slowdown: two stores in one process written in alternating segments; median of the per-pair ratios'],
  };
  writeReport(report);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
