import type Database from 'better-sqlite3';
import type { ExpectedRevision } from '../event-store.port';
import { satisfiesExpected } from '../append-rules';
import { GENESIS_HASH, canonicalEventHash } from '../hash-chain';

/**
 * One append as it crosses to the writer thread: ids and times are already assigned, and data and
 * metadata are canonical JSON text (stored as is and hashed as is), which is also cheaper to pass
 * between threads than the objects.
 */
export interface WriteRequest {
  streamId: string;
  expected: ExpectedRevision;
  events: Array<{ id: string; type: string; schemaVersion: number; data: string; metadata: string }>;
}

interface StreamHead {
  streamKey: number | bigint;
  revision: number;
  hash: string;
}

/** Stream heads kept in memory at most; past it the oldest go (and are read back when needed). */
const HEAD_CACHE_LIMIT = 50_000;

export type WriteOutcome =
  | { ok: { nextRevision: number; position: string } }
  | { error: { code: 'WRONG_EXPECTED_REVISION'; streamId: string; expected: ExpectedRevision; actual: number } }
  | { error: { code: 'DUPLICATE_EVENT_ID'; eventIds: string } }
  | { error: { code: 'STORE_ERROR'; message: string } };

/**
 * Outcomes as they cross back to the caller's thread: successes in two typed arrays (copied as
 * bytes, unlike an object per append), failures listed by index.
 */
export interface PackedOutcomes {
  nextRevisions: Float64Array;
  positions: Float64Array;
  failures: Array<[index: number, error: Extract<WriteOutcome, { error: unknown }>['error']]>;
}

export function packOutcomes(outcomes: WriteOutcome[]): PackedOutcomes {
  const packed: PackedOutcomes = { nextRevisions: new Float64Array(outcomes.length), positions: new Float64Array(outcomes.length), failures: [] };
  outcomes.forEach((outcome, index) => {
    if ('ok' in outcome) {
      packed.nextRevisions[index] = outcome.ok.nextRevision;
      packed.positions[index] = Number(outcome.ok.position);
    } else {
      packed.failures.push([index, outcome.error]);
    }
  });
  return packed;
}

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
  private readonly streamKey;
  private readonly newStream;
  private readonly head;
  private readonly insert;
  private readonly lastPosition;
  /**
   * Heads of recently written streams, so an append need not look its stream up. Only valid while
   * this connection is the only one appending: commit() drops it when the log's last position is
   * not the one this writer left (another process wrote).
   */
  private readonly heads = new Map<string, StreamHead>();
  /** Heads written by the transaction in progress; they reach `heads` only once it commits. */
  private staged = new Map<string, StreamHead>();
  private knownLastPosition: bigint | null = null;

  constructor(private readonly db: Database.Database) {
    this.streamKey = db.prepare<[string], number | bigint>('SELECT stream_key FROM streams WHERE stream_id = ?').pluck();
    this.newStream = db.prepare<[string]>('INSERT INTO streams (stream_id) VALUES (?)');
    this.head = db.prepare<[number | bigint], { revision: number; hash: string }>(
      'SELECT revision, hash FROM events WHERE stream_key = ? ORDER BY revision DESC LIMIT 1',
    );
    this.insert = db.prepare(
      `INSERT INTO events (stream_key, stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.lastPosition = db.prepare<[], bigint | null>('SELECT MAX(position) FROM events').pluck().safeIntegers(true);
  }

  commit(batch: WriteRequest[]): WriteOutcome[] {
    try {
      return this.inTransaction(() =>
        batch.map((request): WriteOutcome => {
          try {
            return { ok: this.write(request) };
          } catch (error) {
            if (error instanceof Conflict) return error.outcome;
            throw error;
          }
        }),
      );
    } catch {
      return batch.map((request) => {
        try {
          return { ok: this.inTransaction(() => this.write(request)) };
        } catch (error) {
          return failure(error, request);
        }
      });
    }
  }

  /** BEGIN IMMEDIATE: the write lock is held from the start, so nobody appends between the check and the inserts. */
  private inTransaction<T>(work: () => T): T {
    let lastPosition: bigint | null = null;
    try {
      const result = this.db
        .transaction(() => {
          if (this.lastPosition.get() !== this.knownLastPosition) this.heads.clear();
          const value = work();
          lastPosition = this.lastPosition.get() ?? null;
          return value;
        })
        .immediate();
      this.knownLastPosition = lastPosition;
      this.keepStaged();
      return result;
    } catch (error) {
      this.staged.clear();
      throw error;
    }
  }

  private keepStaged(): void {
    for (const [streamId, head] of this.staged) {
      this.heads.delete(streamId);
      this.heads.set(streamId, head);
    }
    this.staged.clear();
    for (const oldest of this.heads.keys()) {
      if (this.heads.size <= HEAD_CACHE_LIMIT) break;
      this.heads.delete(oldest);
    }
  }

  /** The stream's key and last event; a stream without events has revision -1 (and maybe no key yet). */
  private currentHead(streamId: string): { streamKey: number | bigint | null; revision: number; hash: string } {
    const known = this.staged.get(streamId) ?? this.heads.get(streamId);
    if (known) return known;
    const streamKey = this.streamKey.get(streamId) ?? null;
    const last = streamKey === null ? undefined : this.head.get(streamKey);
    return { streamKey, revision: last ? last.revision : -1, hash: last ? last.hash : GENESIS_HASH };
  }

  private write(request: WriteRequest): { nextRevision: number; position: string } {
    const head = this.currentHead(request.streamId);
    const actual = head.revision;
    if (!satisfiesExpected(request.expected, actual)) {
      throw new Conflict({ error: { code: 'WRONG_EXPECTED_REVISION', streamId: request.streamId, expected: request.expected, actual } });
    }
    const streamKey = head.streamKey ?? this.newStream.run(request.streamId).lastInsertRowid;
    let prevHash = head.hash;
    let revision = actual;
    let position = 0n;
    for (const event of request.events) {
      revision += 1;
      const hash = canonicalEventHash({ streamId: request.streamId, revision, ...event, prevHash });
      const info = this.insert.run(
        streamKey, request.streamId, revision, event.id, event.type, event.schemaVersion, event.data, event.metadata, prevHash, hash,
      );
      position = BigInt(info.lastInsertRowid);
      prevHash = hash;
    }
    this.staged.set(request.streamId, { streamKey, revision, hash: prevHash });
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
