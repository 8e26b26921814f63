import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { appendProblem } from '../append-rules';
import { subscribeWithCatchUp, type CatchUpSource } from '../catch-up-subscription';
import { DuplicateEventId, EventStoreUnavailable, InvalidAppend, WrongExpectedRevision } from '../errors';
import { newEventId } from '../event-id';
import { canonicalJson } from '../hash-chain';
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
import type { PackedOutcomes, WriteOutcome, WriteRequest } from './sqlite-batch-writer';
import { prepareDatabase } from './sqlite-schema';
import { startWorkerThread } from '../worker-thread';

export interface SqliteEventStoreOptions {
  /** Path of the SQLite file. */
  path: string;
  /** Injected for deterministic tests; stamps recordedAt when the caller did not. */
  clock?: () => Date;
  /** Appends committed together in one transaction at most. */
  maxBatch?: number;
  pollIntervalMs?: number;
}

/** Beyond this, appends queue here: the writer is behind, and bigger batches help it most. */
const MAX_BATCHES_IN_FLIGHT = 4;

interface PendingAppend {
  request: WriteRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * An event row as read: arrays (better-sqlite3 raw mode) in EVENT_COLUMNS order, integers as
 * numbers. Building an object per row and converting every integer from a BigInt cost a third of
 * a projection rebuild; positions stay exact up to 2^53 events.
 */
type EventRow = [
  position: number,
  event_id: string,
  stream_id: string,
  revision: number,
  type: string,
  schema_version: number,
  data: string,
  metadata: string,
  prev_hash?: string,
  hash?: string,
];
const EVENT_COLUMNS_WITHOUT_HASHES = 'position, event_id, stream_id, revision, type, schema_version, data, metadata';
const EVENT_COLUMNS = `${EVENT_COLUMNS_WITHOUT_HASHES}, prev_hash, hash`;
/** A metadata field name, as written into the SQL of a narrow read. */
const METADATA_FIELD = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The embedded default store. Appends go to a writer thread that commits whatever queued up
 * while its previous commit ran, in one transaction and one fsync (group commit); nobody hears
 * "appended" before that commit is durable (WAL, synchronous=FULL). Reads use this thread's own
 * connection: WAL lets them run while the writer commits.
 *
 * Positions are rowids assigned by the single writer inside the commit, so they are contiguous
 * and become visible in order: a subscriber reading "after N" can never skip one.
 */
export class SqliteEventStore implements EventStore {
  /** Reader connection (also used for checkpoints, which are not part of the log). */
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly maxBatch: number;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private queue: PendingAppend[] = [];
  /** Batches sent to the writer and not yet answered, by id. */
  private readonly inFlight = new Map<number, PendingAppend[]>();
  private nextBatchId = 1;
  private dispatchScheduled = false;
  private closed = false;
  private workerFailure: Error | null = null;
  private drained: Array<() => void> = [];
  private readonly subscriptions = new Set<Subscription>();
  /** readAll statements with metadataFields, by fields asked for. */
  private readonly narrowReads = new Map<string, Database.Statement<[number, number], unknown[]>>();

  private readonly stmt: {
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[number, number], EventRow>;
    readAllWithoutHashes: Database.Statement<[number, number], EventRow>;
    headPosition: Database.Statement<[], { position: bigint | null }>;
    loadCheckpoint: Database.Statement<[string], { position: bigint }>;
    saveCheckpoint: Database.Statement;
  };

  constructor(options: SqliteEventStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    prepareDatabase(this.db, { checkpointPages: 0 });
    this.clock = options.clock ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 1024;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.appended.setMaxListeners(0);

    this.stmt = {
      readForwards: this.db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_key = (SELECT stream_key FROM streams WHERE stream_id = ?) AND revision >= ? ORDER BY revision ASC LIMIT ?`,
        )
        .raw(true),
      readBackwards: this.db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_key = (SELECT stream_key FROM streams WHERE stream_id = ?) AND revision <= ? ORDER BY revision DESC LIMIT ?`,
        )
        .raw(true),
      readAll: this.db.prepare<[number, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`).raw(true),
      readAllWithoutHashes: this.db
        .prepare<[number, number], EventRow>(`SELECT ${EVENT_COLUMNS_WITHOUT_HASHES} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`)
        .raw(true),
      headPosition: this.db.prepare('SELECT MAX(position) AS position FROM events'),
      loadCheckpoint: this.db.prepare('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: this.db.prepare(
        `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ),
    };
    this.stmt.headPosition.safeIntegers(true);
    this.stmt.loadCheckpoint.safeIntegers(true);

    this.worker = startWorkerThread(join(__dirname, 'sqlite-writer.worker'), { path: options.path });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: { replies?: Array<{ id: number; outcomes: PackedOutcomes }> }) => {
      if (message.replies) this.settle(message.replies);
    });
    this.worker.on('error', (error) => this.failAll(new EventStoreUnavailable(`SQLite writer failed: ${error.message}`, error)));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new EventStoreUnavailable(`SQLite writer exited with code ${code}`));
    });
    this.worker.unref();
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new InvalidAppend('the event store is closed'));
    if (this.workerFailure) return Promise.reject(this.workerFailure);
    const invalid = appendProblem(streamId, events, expected);
    if (invalid) return Promise.reject(new InvalidAppend(invalid));
    const recordedAt = this.clock().toISOString();
    let request: WriteRequest;
    try {
      request = {
        streamId,
        expected,
        events: events.map((event) => ({
          id: event.id ?? newEventId(),
          type: event.type,
          schemaVersion: event.schemaVersion ?? 1,
          data: canonicalJson(event.data),
          metadata: canonicalJson({ ...event.metadata, recordedAt: event.metadata.recordedAt ?? recordedAt }),
        })),
      };
    } catch (error) {
      // A BigInt or a cycle: refused here, as a rejected append, before anything is queued.
      return Promise.reject(new InvalidAppend(`event data and metadata must be JSON: ${(error as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.scheduleDispatch();
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
    const after = Number(options.after ?? 0n);
    const maxCount = options.maxCount ?? 1000;
    if (options.metadataFields) return this.readAllNarrow(options.metadataFields, options.hashes !== false, after, maxCount);
    const statement = options.hashes === false ? this.stmt.readAllWithoutHashes : this.stmt.readAll;
    return statement.all(after, maxCount).map(toRecorded);
  }

  /** readAll with SQLite picking the metadata fields asked for out of the JSON: one column each. */
  private readAllNarrow(fields: ReadonlyArray<keyof RecordedMetadata>, hashes: boolean, after: number, maxCount: number): RecordedEvent[] {
    const key = `${hashes}:${fields.join(',')}`;
    let statement = this.narrowReads.get(key);
    if (!statement) {
      for (const field of fields) if (!METADATA_FIELD.test(field)) throw new RangeError(`not a metadata field: ${JSON.stringify(field)}`);
      const picked = fields.map((field) => `metadata ->> '${field}'`).join(', ');
      const columns = `position, event_id, stream_id, revision, type, schema_version, data${picked ? `, ${picked}` : ''}${hashes ? ', prev_hash, hash' : ''}`;
      statement = this.db.prepare<[number, number], unknown[]>(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`).raw(true);
      this.narrowReads.set(key, statement);
    }
    return statement.all(after, maxCount).map((row) => {
      const metadata: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) if (row[7 + i] !== null) metadata[fields[i]!] = row[7 + i];
      return recorded(row, metadata as unknown as RecordedMetadata, 7 + fields.length);
    });
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
    const source: CatchUpSource = {
      readAll: (o) => this.readAll(o),
      loadCheckpoint: (n) => this.loadCheckpoint(n),
      saveCheckpoint: (n, p) => this.saveCheckpoint(n, p),
      onAppended: (listener) => {
        this.appended.on('appended', listener);
        return () => this.appended.off('appended', listener);
      },
    };
    return subscribeWithCatchUp(source, options, handler, this.pollIntervalMs, this.subscriptions);
  }

  /** Finishes queued appends, stops subscriptions, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.inFlight.size > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    if (!this.workerFailure) {
      this.worker.ref();
      await this.ready.catch(() => undefined);
      const closed = new Promise<void>((resolve) => this.worker.once('message', () => resolve()));
      this.worker.postMessage({ close: true });
      await closed;
    }
    await this.worker.terminate();
    this.db.close();
  }

  /**
   * Dispatch at the end of the current microtask queue, not at once: when a commit is
   * acknowledged its writers' next appends all arrive in that same pass, and they belong in one
   * batch. The batch goes to the writer even while it commits the previous one: preparing the
   * next batch here overlaps that commit, and the writer merges whatever waits into its next
   * transaction.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.inFlight.size < MAX_BATCHES_IN_FLIGHT && !this.workerFailure) {
      const batch = this.queue.splice(0, this.maxBatch);
      const id = this.nextBatchId++;
      this.inFlight.set(id, batch);
      // Pending appends keep the process alive; an idle store does not.
      this.worker.ref();
      this.worker.postMessage({ id, batch: batch.map((pending) => pending.request) });
    }
  }

  private settle(replies: Array<{ id: number; outcomes: PackedOutcomes }>): void {
    let anyAppended = false;
    for (const { id, outcomes } of replies) {
      const batch = this.inFlight.get(id);
      if (!batch) continue;
      this.inFlight.delete(id);
      const failed = new Map(outcomes.failures);
      batch.forEach((pending, index) => {
        const failure = failed.get(index);
        if (failure) pending.reject(toError(failure));
        else pending.resolve({ nextRevision: outcomes.nextRevisions[index]!, position: BigInt(outcomes.positions[index]!) });
      });
      if (failed.size < batch.length) anyAppended = true;
    }
    this.dispatch();
    if (anyAppended) this.appended.emit('appended');
    if (this.inFlight.size === 0 && this.queue.length === 0) {
      this.worker.unref();
      for (const resolve of this.drained.splice(0)) resolve();
    }
  }

  private failAll(error: Error): void {
    if (this.workerFailure) return;
    this.workerFailure = error;
    const pending = [...[...this.inFlight.values()].flat(), ...this.queue.splice(0)];
    this.inFlight.clear();
    for (const p of pending) p.reject(error);
    for (const resolve of this.drained.splice(0)) resolve();
  }
}

function toError(error: Extract<WriteOutcome, { error: unknown }>['error']): Error {
  switch (error.code) {
    case 'WRONG_EXPECTED_REVISION':
      return new WrongExpectedRevision(error.streamId, error.expected, error.actual);
    case 'DUPLICATE_EVENT_ID':
      return new DuplicateEventId(error.eventIds);
    case 'STORE_ERROR':
      return new EventStoreUnavailable(`SQLite append failed: ${error.message}`);
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return recorded(row, JSON.parse(row[7]), 8);
}

/** A row whose first seven columns are EVENT_COLUMNS' and whose hashes, if read, start at `hashAt`. */
function recorded(row: readonly unknown[], metadata: RecordedMetadata, hashAt: number): RecordedEvent {
  return {
    id: row[1] as string,
    streamId: row[2] as string,
    revision: row[3] as number,
    position: BigInt(row[0] as number),
    type: row[4] as string,
    schemaVersion: row[5] as number,
    data: JSON.parse(row[6] as string),
    metadata,
    // Absent when read without hashes.
    prevHash: (row[hashAt] as string | undefined) ?? '',
    hash: (row[hashAt + 1] as string | undefined) ?? '',
  };
}
