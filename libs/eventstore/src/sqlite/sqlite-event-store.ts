import Database from 'better-sqlite3';
import { newEventId } from '../event-id';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CatchUpSubscription } from '../catch-up-subscription';
import { DuplicateEventId, InvalidAppend, WrongExpectedRevision } from '../errors';
import type {
  AppendResult,
  BatchHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  RecordedMetadata,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { GENESIS_HASH, eventHash } from '../hash-chain';

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for throwaway tests. */
  path: string;
  /** Injected for deterministic tests; stamps recordedAt when the caller did not. */
  clock?: () => Date;
  /** Appends committed together in one transaction at most. */
  maxBatch?: number;
  pollIntervalMs?: number;
}

interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface EventRow {
  position: number | bigint;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY,
  stream_id      TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  event_id       TEXT    NOT NULL UNIQUE,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  prev_hash      TEXT    NOT NULL,
  hash           TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name       TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/**
 * The embedded default store. Appends queue up and commit together (group commit): one
 * transaction and one fsync for everything that arrived while the previous commit ran, and no
 * caller hears "appended" before that commit is durable (WAL, synchronous=FULL).
 *
 * Positions are SQLite rowids assigned by the single writer inside the commit, so they are
 * contiguous and become visible in order: a subscriber reading "after N" can never skip one.
 */
export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly maxBatch: number;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();

  private readonly stmt: {
    head: Database.Statement<[string], { revision: number; hash: string }>;
    insert: Database.Statement;
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[bigint, number], EventRow>;
    headPosition: Database.Statement<[], { position: bigint | null }>;
    loadCheckpoint: Database.Statement<[string], { position: bigint }>;
    saveCheckpoint: Database.Statement;
  };

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.clock = options.clock ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 512;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.appended.setMaxListeners(0);

    this.stmt = {
      head: this.db.prepare('SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      readForwards: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?',
      ),
      readBackwards: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
      ),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      headPosition: this.db.prepare('SELECT MAX(position) AS position FROM events'),
      loadCheckpoint: this.db.prepare('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: this.db.prepare(
        `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ),
    };
    this.stmt.readAll.safeIntegers(true);
    this.stmt.headPosition.safeIntegers(true);
    this.stmt.loadCheckpoint.safeIntegers(true);
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new InvalidAppend('the event store is closed'));
    const invalid = validateAppend(streamId, events, expected);
    if (invalid) return Promise.reject(new InvalidAppend(invalid));
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.readBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.stmt.readForwards.all(streamId, options.fromRevision ?? 0, maxCount);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.stmt.readAll.all(options.after ?? 0n, options.maxCount ?? 1000).map(toRecorded);
  }

  async headPosition(): Promise<bigint> {
    return this.stmt.headPosition.get()?.position ?? 0n;
  }

  async loadCheckpoint(name: string): Promise<bigint | null> {
    return this.stmt.loadCheckpoint.get(name)?.position ?? null;
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    this.stmt.saveCheckpoint.run(name, position, this.clock().toISOString());
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const subscription = new CatchUpSubscription(
      {
        readAll: (o) => this.readAll(o),
        loadCheckpoint: (n) => this.loadCheckpoint(n),
        saveCheckpoint: (n, p) => this.saveCheckpoint(n, p),
        onAppended: (listener) => {
          this.appended.on('appended', listener);
          return () => this.appended.off('appended', listener);
        },
      },
      {
        after: options.after ?? 0n,
        checkpoint: options.checkpoint,
        batchSize: options.batchSize ?? 500,
        pollIntervalMs: this.pollIntervalMs,
      },
      handler,
    );
    this.subscriptions.add(subscription);
    void subscription.done.finally(() => this.subscriptions.delete(subscription)).catch(() => undefined);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    while (this.queue.length > 0) this.flush();
    this.db.close();
  }

  /** Commits everything queued in one transaction; a failing append fails alone. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;

    const outcomes: Array<{ ok: AppendResult } | { error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const pending of batch) {
          try {
            outcomes.push({ ok: this.write(pending) });
          } catch (error) {
            if (!(error instanceof WrongExpectedRevision)) throw error;
            outcomes.push({ error });
          }
        }
      })();
    } catch {
      // Something other than a concurrency conflict (a duplicate event id, a full disk) broke the
      // shared transaction: commit each append on its own so one bad append fails only itself.
      outcomes.length = 0;
      for (const pending of batch) {
        try {
          outcomes.push({ ok: this.db.transaction(() => this.write(pending))() });
        } catch (error) {
          outcomes.push({ error: translateSqliteError(error, pending) });
        }
      }
    }

    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if ('ok' in outcome) pending.resolve(outcome.ok);
      else pending.reject(outcome.error);
    });
    if (outcomes.some((o) => 'ok' in o)) this.appended.emit('appended');
  }

  private write(pending: PendingAppend): AppendResult {
    const head = this.stmt.head.get(pending.streamId);
    const actual = head ? head.revision : -1;
    if (!satisfies(pending.expected, actual)) {
      throw new WrongExpectedRevision(pending.streamId, pending.expected, actual);
    }
    let prevHash = head ? head.hash : GENESIS_HASH;
    let revision = actual;
    let position = 0n;
    const recordedAt = this.clock().toISOString();
    for (const event of pending.events) {
      revision += 1;
      const id = event.id ?? newEventId();
      const schemaVersion = event.schemaVersion ?? 1;
      const metadata: RecordedMetadata = { ...event.metadata, recordedAt: event.metadata.recordedAt ?? recordedAt };
      const hash = eventHash({ streamId: pending.streamId, revision, id, type: event.type, schemaVersion, data: event.data, metadata, prevHash });
      const info = this.stmt.insert.run(
        pending.streamId, revision, id, event.type, schemaVersion,
        JSON.stringify(event.data), JSON.stringify(metadata), prevHash, hash,
      );
      position = BigInt(info.lastInsertRowid);
      prevHash = hash;
    }
    return { nextRevision: revision, position };
  }
}

function satisfies(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

function validateAppend(streamId: string, events: NewEvent[], expected: ExpectedRevision): string | null {
  if (typeof streamId !== 'string' || streamId.length === 0) return 'stream id must be a non-empty string';
  if (!Array.isArray(events) || events.length === 0) return 'append needs at least one event';
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    return `expected revision must be a non-negative integer, got ${expected}`;
  }
  for (const event of events) {
    if (!event.type) return 'every event needs a type';
    if (!event.metadata?.tenant) return `event ${event.type} has no tenant in its metadata`;
  }
  return null;
}

function translateSqliteError(error: unknown, pending: PendingAppend): unknown {
  if (error instanceof WrongExpectedRevision) return error;
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && message.includes('event_id')) {
    const ids = pending.events.map((e) => e.id).filter(Boolean).join(', ');
    return new DuplicateEventId(ids);
  }
  return error;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: BigInt(row.position),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
