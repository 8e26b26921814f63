import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  convertToCommandError,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventData,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { Channel } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { appendProblem, satisfiesExpected } from '../append-rules';
import { subscribeWithCatchUp, type CatchUpSource } from '../catch-up-subscription';
import { EventStoreUnavailable, InvalidAppend, WrongExpectedRevision } from '../errors';
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
import { UNKNOWN_COMMIT_POSITION, packPosition, unpackPosition } from './esdb-position';

export interface EsdbEventStoreOptions {
  /** Stamps recordedAt when the caller did not. */
  clock?: () => Date;
  /**
   * Subscriptions are woken by a live $all subscription; this poll only covers the moments that
   * notification is down (reconnecting after the server went away).
   */
  pollIntervalMs?: number;
  /** Events kept in each checkpoint stream, set as its $maxCount. */
  checkpointHistory?: number;
}

/** Fields the adapter adds to the caller's metadata so the hash chain survives a round trip. */
interface StoredMetadata extends RecordedMetadata {
  schemaVersion: number;
  prevHash: string;
  hash: string;
}

interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: RecordedMetadata;
}

type AllStreamEvent = AllStreamResolvedEvent & { event: NonNullable<AllStreamResolvedEvent['event']> };

interface StreamHead {
  revision: number;
  hash: string;
}

const CHECKPOINT_PREFIX = 'checkpoint-';
/** Never shown through the port: system streams, and the checkpoint streams this adapter writes. */
const HIDDEN_STREAM = /^(\$|checkpoint-)/;
const VISIBLE_STREAM_REGEX = '^(?!\\$|checkpoint-)';
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCAN_PAGE = 256;
/** Bounds the retries of an 'any' / 'stream_exists' append racing other writers on one stream. */
const MAX_APPEND_ATTEMPTS = 100;
const KNOWN_HEADS = 10_000;

/**
 * EventStoreDB adapter (gRPC, @eventstore/db-client). Streams map one to one; data is the JSON
 * event body; the metadata carries the caller's metadata plus recordedAt, schemaVersion, prevHash
 * and hash, so a stream read back verifies on its own.
 *
 * Every append pins the expected revision to a concrete head (or to no stream), even for 'any'
 * and 'stream_exists': the new events' hashes depend on the head, and the pinned revision makes
 * the server reject an append whose chain was computed on a stale head. Such a loss is retried
 * when the caller's own expectation still holds. Only 'any', 'stream_exists' and an exact
 * revision this handle has not yet seen cost a read of the head before the append.
 *
 * Reads of $all skip system events and the `checkpoint-<name>` streams that hold subscription
 * checkpoints (with $maxCount set on them), so the port shows only the ledger's own events.
 *
 * Needs EventStoreDB 22.10 or later, which reports $all positions on stream reads.
 */
export class EsdbEventStore implements EventStore {
  private readonly clock: () => Date;
  private readonly pollIntervalMs: number;
  private readonly checkpointHistory: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly configuredCheckpointStreams = new Set<string>();
  /** Newest event seen per stream, most recently used last; see headToChainOn. */
  private readonly knownHeads = new Map<string, StreamHead>();
  private readonly appended = new EventEmitter();
  private notifier: AllStreamSubscription | null = null;
  private notifierRestart: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.checkpointHistory = options.checkpointHistory ?? 10;
    this.appended.setMaxListeners(0);
  }

  /** Connects and probes the server, so a wrong address fails at start-up rather than on first use. */
  static async connect(connectionString: string, options: EsdbEventStoreOptions = {}): Promise<EsdbEventStore> {
    const store = new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
    try {
      await store.drain(store.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    } catch (error) {
      await store.close();
      throw translate(error);
    }
    return store;
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) throw new InvalidAppend('the event store is closed');
    const invalid = validateAppend(streamId, events, expected);
    if (invalid) throw new InvalidAppend(invalid);
    const recordedAt = this.clock().toISOString();
    // Ids and timestamps are fixed before the first attempt, so a retry writes the same events.
    const prepared: PreparedEvent[] = events.map((event) => ({
      id: (event.id ?? randomUUID()).toLowerCase(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data ?? null,
      metadata: { ...event.metadata, recordedAt: event.metadata.recordedAt ?? recordedAt },
    }));

    for (let attempt = 1; ; attempt++) {
      const head = await this.headToChainOn(streamId, expected);
      const links = chain(streamId, prepared, head);
      try {
        const result = await this.client.appendToStream(streamId, links.map(toEventData), {
          expectedRevision: head ? BigInt(head.revision) : NO_STREAM,
        });
        if (!result.position) throw new Error(`EventStoreDB did not report the position of the append to ${streamId}`);
        const nextRevision = Number(result.nextExpectedRevision);
        this.rememberHead(streamId, { revision: nextRevision, hash: links[links.length - 1]!.metadata.hash });
        return { nextRevision, position: packPosition(result.position) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw translate(error);
        const current = error.actualVersion === NO_STREAM ? -1 : Number(error.actualVersion);
        const stillHolds = expected === 'any' || (expected === 'stream_exists' && current >= 0);
        if (!stillHolds || attempt >= MAX_APPEND_ATTEMPTS) throw new WrongExpectedRevision(streamId, expected, current);
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const backwards = options.direction === 'backwards';
    if (maxCount <= 0 || (backwards && options.fromRevision !== undefined && options.fromRevision < 0)) return [];
    const fromRevision =
      options.fromRevision === undefined ? (backwards ? END : START) : BigInt(Math.max(0, options.fromRevision));
    try {
      const events = await this.drain(
        this.client.readStream(streamId, { direction: backwards ? BACKWARDS : FORWARDS, fromRevision, maxCount }),
      );
      const recorded = events.map(toRecorded);
      const newest = backwards ? recorded[0] : recorded[recorded.length - 1];
      if (newest?.hash) this.rememberHead(streamId, { revision: newest.revision, hash: newest.hash });
      return recorded;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translate(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? 0n;
    const maxCount = options.maxCount ?? 1000;
    if (maxCount <= 0) return [];
    // One more than asked: a forward read from a position starts with the event at it, which "after" excludes.
    const pageSize = Math.min(Math.max(maxCount, SCAN_PAGE - 1), 4095) + 1;
    const found: RecordedEvent[] = [];
    let seen = after;
    for (;;) {
      const from: ReadPosition = seen === 0n ? START : unpackPosition(seen);
      const page = await this.readAllPage(from, FORWARDS, pageSize);
      for (const resolved of page) {
        const position = packPosition(resolved.event.position);
        if (position <= seen) continue;
        seen = position;
        if (!isVisible(resolved.event)) continue;
        found.push(toRecorded(resolved));
        if (found.length === maxCount) return found;
      }
      if (page.length < pageSize) return found;
    }
  }

  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    for (;;) {
      const page = await this.readAllPage(from, BACKWARDS, SCAN_PAGE);
      const newest = page.find((resolved) => isVisible(resolved.event));
      if (newest) return packPosition(newest.event.position);
      const oldest = page[page.length - 1];
      if (page.length < SCAN_PAGE || !oldest) return 0n;
      from = oldest.event.position;
    }
  }

  async loadCheckpoint(name: string): Promise<bigint | null> {
    try {
      const [last] = await this.drain(
        this.client.readStream(checkpointStream(name), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }),
      );
      const data: unknown = last?.event?.data;
      if (data === undefined) return null;
      if (!isRecord(data) || typeof data.position !== 'string') {
        throw new Error(`checkpoint ${name} holds an event this adapter did not write`);
      }
      return BigInt(data.position);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw translate(error);
    }
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    const stream = checkpointStream(name);
    try {
      if (!this.configuredCheckpointStreams.has(stream)) {
        // Only the newest checkpoint is ever read; the server may scavenge the rest.
        await this.client.setStreamMetadata(stream, { maxCount: this.checkpointHistory });
        this.configuredCheckpointStreams.add(stream);
      }
      await this.client.appendToStream(
        stream,
        jsonEvent({ type: 'CheckpointStored', data: { position: position.toString(), storedAt: this.clock().toISOString() } }),
        { expectedRevision: ANY },
      );
    } catch (error) {
      throw translate(error);
    }
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const source: CatchUpSource = {
      readAll: (o) => this.readAll(o),
      loadCheckpoint: (n) => this.loadCheckpoint(n),
      saveCheckpoint: (n, p) => this.saveCheckpoint(n, p),
      onAppended: (listener) => this.onAppended(listener),
    };
    return subscribeWithCatchUp(source, options, handler, this.pollIntervalMs, this.subscriptions);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.stopNotifier();
    await this.client.dispose();
    // dispose() cancels calls but leaves the channel's socket open until it idles out.
    const channel = await (this.client as unknown as { getChannel(): Promise<Channel> }).getChannel().catch(() => null);
    channel?.close();
  }

  /**
   * The head the new events chain onto, or null for a new stream. The server checks the pinned
   * revision, so 'no_stream' needs no read, and an exact revision whose hash this handle already
   * knows needs none either: an event's hash never changes once written.
   */
  private async headToChainOn(streamId: string, expected: ExpectedRevision): Promise<StreamHead | null> {
    if (expected === 'no_stream') return null;
    const known = this.knownHeads.get(streamId);
    if (typeof expected === 'number' && known?.revision === expected) return known;
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    const actual = last ? last.revision : -1;
    if (!satisfiesExpected(expected, actual)) throw new WrongExpectedRevision(streamId, expected, actual);
    if (!last) return null;
    if (!last.hash) {
      throw new InvalidAppend(`stream ${streamId} ends in an event without a hash chain; it was not written by the ledger`);
    }
    return { revision: last.revision, hash: last.hash };
  }

  private rememberHead(streamId: string, head: StreamHead): void {
    const known = this.knownHeads.get(streamId);
    if (known && known.revision > head.revision) return;
    this.knownHeads.delete(streamId);
    this.knownHeads.set(streamId, head);
    if (this.knownHeads.size > KNOWN_HEADS) this.knownHeads.delete(this.knownHeads.keys().next().value as string);
  }

  private async readAllPage(
    fromPosition: ReadPosition,
    direction: typeof FORWARDS | typeof BACKWARDS,
    maxCount: number,
  ): Promise<AllStreamEvent[]> {
    try {
      const page = await this.drain(this.client.readAll({ fromPosition, direction, maxCount }));
      return page.filter((resolved): resolved is AllStreamEvent => resolved.event !== undefined);
    } catch (error) {
      throw translate(error);
    }
  }

  private async drain<T>(read: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of read) items.push(item);
    return items;
  }

  /**
   * Wakes subscriptions when anything visible is appended, by any writer: one live, server-side
   * filtered $all subscription per store, opened while some subscription listens.
   */
  private onAppended(listener: () => void): () => void {
    this.appended.on('appended', listener);
    this.startNotifier();
    return () => {
      this.appended.off('appended', listener);
      if (this.appended.listenerCount('appended') === 0) void this.stopNotifier();
    };
  }

  private startNotifier(): void {
    if (this.notifier || this.notifierRestart || this.closed) return;
    const notifier = this.client.subscribeToAll({
      fromPosition: END,
      filter: streamNameFilter({ regex: VISIBLE_STREAM_REGEX }),
    });
    this.notifier = notifier;
    const poke = () => this.appended.emit('appended');
    // Appends made between a subscriber's last read and this notifier going live are caught by
    // the poke on confirmation.
    notifier.on('confirmation', poke);
    notifier.on('data', poke);
    const dropped = () => {
      if (this.notifier !== notifier) return;
      this.notifier = null;
      if (this.closed || this.appended.listenerCount('appended') === 0) return;
      this.notifierRestart = setTimeout(() => {
        this.notifierRestart = null;
        if (this.appended.listenerCount('appended') > 0) this.startNotifier();
      }, this.pollIntervalMs);
      this.notifierRestart.unref();
    };
    notifier.on('error', dropped);
    notifier.on('end', dropped);
  }

  private async stopNotifier(): Promise<void> {
    if (this.notifierRestart) clearTimeout(this.notifierRestart);
    this.notifierRestart = null;
    const notifier = this.notifier;
    this.notifier = null;
    await notifier?.unsubscribe().catch(() => undefined);
  }
}

function checkpointStream(name: string): string {
  return `${CHECKPOINT_PREFIX}${name}`;
}

function isVisible(event: { streamId: string; type: string }): boolean {
  return !HIDDEN_STREAM.test(event.streamId) && !event.type.startsWith('$');
}

interface ChainLink {
  event: PreparedEvent;
  metadata: StoredMetadata;
}

function toEventData({ event, metadata }: ChainLink): EventData {
  // The client JSON-encodes whatever it is given; its JSONType is only narrower than our `unknown`.
  return jsonEvent({ id: event.id, type: event.type, data: event.data as JSONType, metadata });
}

/** Computes each event's place in the stream's hash chain, starting from the current head. */
function chain(streamId: string, events: readonly PreparedEvent[], head: StreamHead | null): ChainLink[] {
  let prevHash = head ? head.hash : GENESIS_HASH;
  let revision = head ? head.revision : -1;
  return events.map((event) => {
    revision += 1;
    const hash = eventHash({ streamId, revision, prevHash, ...event });
    const metadata: StoredMetadata = { ...event.metadata, schemaVersion: event.schemaVersion, prevHash, hash };
    prevHash = hash;
    return { event, metadata };
  });
}

function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event) throw new Error('EventStoreDB returned a read result without an event');
  if (!event.position || event.position.commit === UNKNOWN_COMMIT_POSITION) {
    throw new Error(
      `EventStoreDB did not report the $all position of ${event.streamId}@${event.revision}: the ledger needs EventStoreDB 22.10 or later`,
    );
  }
  const stored: Record<string, unknown> = isRecord(event.metadata) ? event.metadata : {};
  const { schemaVersion, prevHash, hash, ...metadata } = stored;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: packPosition(event.position),
    type: event.type,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 1,
    data: event.data,
    // Events written by other tools may lack fields; the empty hashes make verification flag them.
    metadata: metadata as unknown as RecordedMetadata,
    prevHash: typeof prevHash === 'string' ? prevHash : '',
    hash: typeof hash === 'string' ? hash : '',
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}


/** The common rules, then what EventStoreDB itself reserves or requires. */
function validateAppend(streamId: string, events: NewEvent[], expected: ExpectedRevision): string | null {
  const common = appendProblem(streamId, events, expected);
  if (common) return common;
  if (HIDDEN_STREAM.test(streamId)) {
    return `stream id ${streamId} is reserved: '$' streams belong to EventStoreDB, 'checkpoint-' streams to subscriptions`;
  }
  for (const event of events) {
    if (event.type.startsWith('$')) return `event type ${event.type} is reserved for EventStoreDB`;
    if (event.id !== undefined && !UUID_TEXT.test(event.id)) return `event id ${event.id} is not a UUID, which EventStoreDB requires`;
  }
  return null;
}

/** Connection-level failures become EventStoreUnavailable; domain-level ones keep their meaning. */
function translate(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  // Some client paths (a failing BatchAppend stream) surface the raw gRPC error unconverted.
  const converted = convertToCommandError(error);
  if (!(converted instanceof Error) || !isCommandError(converted)) return error;
  switch (converted.type) {
    case ErrorType.UNAVAILABLE:
    case ErrorType.DEADLINE_EXCEEDED:
    case ErrorType.TIMEOUT:
    case ErrorType.CANCELLED:
    case ErrorType.NOT_LEADER:
      return new EventStoreUnavailable(`EventStoreDB is unavailable: ${converted.message}`, converted);
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new InvalidAppend(`the append is larger than EventStoreDB accepts (${converted.maxAppendSize} bytes)`);
    default:
      return converted;
  }
}
