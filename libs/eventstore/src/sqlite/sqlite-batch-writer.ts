import type Database from 'better-sqlite3';
import type { ExpectedRevision, RecordedMetadata } from '../event-store.port';
import { satisfiesExpected } from '../append-rules';
import { GENESIS_HASH, eventHash } from '../hash-chain';

/** One append as it crosses to the writer thread: ids and times are already assigned. */
export interface WriteRequest {
  streamId: string;
  expected: ExpectedRevision;
  events: Array<{ id: string; type: string; schemaVersion: number; data: unknown; metadata: RecordedMetadata }>;
}

export type WriteOutcome =
  | { ok: { nextRevision: number; position: string } }
  | { error: { code: 'WRONG_EXPECTED_REVISION'; streamId: string; expected: ExpectedRevision; actual: number } }
  | { error: { code: 'DUPLICATE_EVENT_ID'; eventIds: string } }
  | { error: { code: 'STORE_ERROR'; message: string } };

class Conflict extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('conflict');
  }
}

/**
 * Commits a batch of appends in one transaction (group commit): one fsync for the lot. An append
 * whose expected revision does not hold fails alone; anything else that breaks the shared
 * transaction makes every append retry in its own transaction, so one bad append fails only itself.
 */
export class SqliteBatchWriter {
  private readonly head;
  private readonly insert;

  constructor(private readonly db: Database.Database) {
    this.head = db.prepare<[string], { revision: number; hash: string }>(
      'SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    );
    this.insert = db.prepare(
      `INSERT INTO events (stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  commit(batch: WriteRequest[]): WriteOutcome[] {
    const outcomes: WriteOutcome[] = [];
    try {
      this.db.transaction(() => {
        for (const request of batch) {
          try {
            outcomes.push({ ok: this.write(request) });
          } catch (error) {
            if (!(error instanceof Conflict)) throw error;
            outcomes.push(error.outcome);
          }
        }
      })();
      return outcomes;
    } catch {
      return batch.map((request) => {
        try {
          return { ok: this.db.transaction(() => this.write(request))() };
        } catch (error) {
          return failure(error, request);
        }
      });
    }
  }

  private write(request: WriteRequest): { nextRevision: number; position: string } {
    const head = this.head.get(request.streamId);
    const actual = head ? head.revision : -1;
    if (!satisfiesExpected(request.expected, actual)) {
      throw new Conflict({ error: { code: 'WRONG_EXPECTED_REVISION', streamId: request.streamId, expected: request.expected, actual } });
    }
    let prevHash = head ? head.hash : GENESIS_HASH;
    let revision = actual;
    let position = 0n;
    for (const event of request.events) {
      revision += 1;
      const hash = eventHash({ streamId: request.streamId, revision, ...event, prevHash });
      const info = this.insert.run(
        request.streamId, revision, event.id, event.type, event.schemaVersion,
        JSON.stringify(event.data), JSON.stringify(event.metadata), prevHash, hash,
      );
      position = BigInt(info.lastInsertRowid);
      prevHash = hash;
    }
    return { nextRevision: revision, position: position.toString() };
  }
}


function failure(error: unknown, request: WriteRequest): WriteOutcome {
  if (error instanceof Conflict) return error.outcome;
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && message.includes('event_id')) {
    return { error: { code: 'DUPLICATE_EVENT_ID', eventIds: request.events.map((e) => e.id).join(', ') } };
  }
  return { error: { code: 'STORE_ERROR', message } };
}
