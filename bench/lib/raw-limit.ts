import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId } from '@ledger/eventstore';
import { WRITER_CHECKPOINT_PAGES, prepareDatabase } from '../../libs/eventstore/src/sqlite/sqlite-schema';
import { percentile } from './stats';

/** An event row exactly as the service stored it (the payload the limit re-inserts). */
export interface EventRowTemplate {
  streamId: string;
  revision: number;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  prevHash: string;
  hash: string;
}

/** The rows the service appended after `afterPosition`, read from its events file. */
export function rowsAfter(eventsFile: string, afterPosition: number): EventRowTemplate[] {
  const db = new Database(eventsFile, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare('SELECT stream_id, revision, type, schema_version, data, metadata, prev_hash, hash FROM events WHERE position > ? ORDER BY position')
        .all(afterPosition) as Array<Record<string, string | number>>
    ).map((r) => ({
      streamId: String(r['stream_id']),
      revision: Number(r['revision']),
      type: String(r['type']),
      schemaVersion: Number(r['schema_version']),
      data: String(r['data']),
      metadata: String(r['metadata']),
      prevHash: String(r['prev_hash']),
      hash: String(r['hash']),
    }));
  } finally {
    db.close();
  }
}

export function headPosition(eventsFile: string): number {
  const db = new Database(eventsFile, { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number | null }).p ?? 0);
  } finally {
    db.close();
  }
}

export interface RawLimitResult {
  writesPerCommit: number;
  rowsPerWrite: number;
  /** SCIM writes' worth of rows per second. */
  writesPerSec: number;
  rowsPerSec: number;
  /** Time of one commit (what a writer waits at best), ms. */
  commitP50: number;
  commitP99: number;
}

/**
 * The storage limit on this machine: the same rows, into the same schema (events table with its
 * unique indexes) with the same durability (WAL, synchronous=FULL), straight through
 * better-sqlite3 from one thread, `writesPerCommit` SCIM writes' rows per transaction. No hashing,
 * no JSON, no HTTP: only SQLite and the disk.
 */
export function rawInsertLimit(rows: EventRowTemplate[], writesPerCommit: number, seconds: number): RawLimitResult {
  if (rows.length === 0) throw new Error('no template rows to insert');
  const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
  const db = new Database(join(dir, 'events.sqlite'));
  try {
    // Checkpoints as the store's writer thread takes them.
    prepareDatabase(db, { checkpointPages: WRITER_CHECKPOINT_PAGES });
    const newStream = db.prepare<[string]>('INSERT INTO streams (stream_id) VALUES (?)');
    const insert = db.prepare(
      `INSERT INTO events (stream_key, stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const commit = db.transaction((firstWrite: number) => {
      for (let w = 0; w < writesPerCommit; w++) {
        const suffix = `#${firstWrite + w}`;
        // Each write's streams are new ones (a streams row each), as in a create.
        const keys = new Map<string, number | bigint>();
        for (const row of rows) {
          const streamId = row.streamId + suffix;
          let key = keys.get(streamId);
          if (key === undefined) keys.set(streamId, (key = newStream.run(streamId).lastInsertRowid));
          insert.run(key, streamId, row.revision, newEventId(), row.type, row.schemaVersion, row.data, row.metadata, row.prevHash, row.hash);
        }
      }
    });
    const commitTimes: number[] = [];
    let writes = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    while (performance.now() < deadline) {
      const t = performance.now();
      commit(writes);
      commitTimes.push(performance.now() - t);
      writes += writesPerCommit;
    }
    const elapsed = (performance.now() - started) / 1000;
    commitTimes.sort((a, b) => a - b);
    return {
      writesPerCommit,
      rowsPerWrite: rows.length,
      writesPerSec: writes / elapsed,
      rowsPerSec: (writes * rows.length) / elapsed,
      commitP50: percentile(commitTimes, 50),
      commitP99: percentile(commitTimes, 99),
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rows one request made the service store, including those it appends after answering
 * (the request ledger records a request once its response is sent): starts on an idle server
 * and waits until the log is quiet again.
 */
export async function rowsWrittenBy(eventsFile: string, idle: () => Promise<unknown>, request: () => Promise<void>): Promise<EventRowTemplate[]> {
  await idle();
  const before = headPosition(eventsFile);
  await request();
  let head = headPosition(eventsFile);
  for (let quiet = 0; quiet < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = headPosition(eventsFile);
    quiet = now === head ? quiet + 1 : 0;
    head = now;
  }
  return rowsAfter(eventsFile, before);
}
