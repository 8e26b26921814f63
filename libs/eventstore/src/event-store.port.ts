/**
 * The one port every event store adapter implements. Domain and application code depend on
 * this file only; drivers stay inside the adapters.
 */

/** Who caused an event and through which request: the audit trail of every fact. */
export interface EventMetadata {
  tenant: string;
  correlationId: string;
  causationId?: string | null;
  requestId?: string | null;
  idp?: string | null;
  tokenId?: string | null;
  actor: string;
  /** ISO-8601; stamped by the store at append time unless the caller supplies it (imports, tests). */
  recordedAt?: string;
}

export interface RecordedMetadata extends EventMetadata {
  recordedAt: string;
}

export interface NewEvent<T = unknown> {
  /** UUID; generated when absent. */
  id?: string;
  type: string;
  schemaVersion?: number;
  data: T;
  metadata: EventMetadata;
}

export interface RecordedEvent<T = unknown> {
  id: string;
  streamId: string;
  /** 0-based position of the event inside its stream. */
  revision: number;
  /** Position in the global log; strictly increasing, comparable across streams of one store. */
  position: bigint;
  type: string;
  schemaVersion: number;
  data: T;
  metadata: RecordedMetadata;
  /** Hash of the previous event of the same stream (GENESIS_HASH for revision 0). */
  prevHash: string;
  /** sha256 over this event's canonical content and prevHash. */
  hash: string;
}

/**
 * 'no_stream': the stream must not exist; 'stream_exists': it must; 'any': no check;
 * a number: the revision of the stream's last event must equal it.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event appended (the stream's new head). */
  nextRevision: number;
  /** Global position of the last event appended. */
  position: bigint;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. 0n (the default) reads from the start. */
  after?: bigint;
  maxCount?: number;
  /**
   * false: a store may leave prevHash and hash empty (''), for a replay that never looks at
   * them; on the SQLite log that is a sixth less to read. Default true.
   */
  hashes?: boolean;
  /**
   * Only these metadata fields, for a replay that reads few of them: a store may leave the
   * others out of `metadata`, and a field that is null may come back absent. On the SQLite log
   * it spares parsing every event's metadata; `[]` reads none (the SCIM read model's rebuild).
   * Default: all of it.
   */
  metadataFields?: ReadonlyArray<keyof RecordedMetadata>;
}

export type BatchHandler = (events: RecordedEvent[]) => Promise<void> | void;

export interface SubscribeOptions {
  /** Resume after this position; ignored when a stored checkpoint exists for `checkpoint`. */
  after?: bigint;
  /** Name of a stored checkpoint: loaded on start, saved after every handled batch. */
  checkpoint?: string;
  batchSize?: number;
  /**
   * After a batch shorter than batchSize (the log is caught up), wait this long before reading
   * again, so that a busy log is handled in fewer, larger batches. Ended at once by waitFor,
   * caughtUp and stop, so nobody who waits on the subscription waits for the pause. 0 by default.
   */
  coalesceMs?: number;
}

export interface Subscription {
  /** Position of the last event handed to the handler and completed. */
  readonly position: bigint;
  /** Resolves once the subscription has handled every event up to `position`. */
  waitFor(position: bigint, timeoutMs?: number): Promise<void>;
  /** Resolves when the subscription first reaches the end of the log. */
  caughtUp(): Promise<void>;
  /** Stops after the batch in flight; the handler is not called again. */
  stop(): Promise<void>;
  /** Rejects when the handler or the store fails; the subscription is then stopped. */
  readonly done: Promise<void>;
}

export interface CheckpointStore {
  loadCheckpoint(name: string): Promise<bigint | null>;
  saveCheckpoint(name: string, position: bigint): Promise<void>;
}

export interface EventStore extends CheckpointStore {
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Global position of the newest event, 0n when the log is empty. */
  headPosition(): Promise<bigint>;
  /** Catch-up subscription to all: replays from the checkpoint, then follows live appends. */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  close(): Promise<void>;
}
