/**
 * A STAND-IN for EventStoreDB, for tests only. It is not EventStoreDB and proves nothing about a
 * real server: it speaks the subset of the public EventStoreDB gRPC protocol that
 * @eventstore/db-client 6.x uses for appends, reads and catch-up subscriptions, so the ledger's
 * esdb adapter can run its contract suite where no server can be installed. Point the suite at a
 * real node (EVENTSTORE_CONNECTION_STRING) for evidence about EventStoreDB itself.
 *
 * It uses the service definitions and message classes generated inside @eventstore/db-client, so
 * the wire format is the client's own.
 *
 * Modelled:
 * - ServerFeatures.GetSupportedMethods: lists what it implements, BatchAppend included, so the
 *   client appends through Streams.BatchAppend as it does against 21.10+ servers; with
 *   `legacyAppend` it answers UNIMPLEMENTED as pre-21.10 nodes do and the client falls back to
 *   Streams.Append.
 * - Streams.Append and Streams.BatchAppend: expected revision any / no_stream / stream_exists /
 *   exact, all-or-nothing appends, success with current revision and the last event's position,
 *   wrong-expected-version results carrying the current revision (or no stream), the required
 *   `type` / `content-type` metadata, and the maximum append size (1 MiB by default).
 * - Streams.Read on a stream or $all, forwards and backwards, from start / end / a revision / a
 *   position, with a count; stream_not_found for an absent stream; $all positions on stream
 *   reads (as 22.10+ servers give them); commit == prepare for every event, advancing by a
 *   made-up record size so positions are neither contiguous nor revision numbers.
 * - Catch-up subscriptions to $all (Read with the subscription option): confirmation, history
 *   after the start point (exclusive), caught_up, then live events; stream-name and event-type
 *   filters by regex or prefixes.
 * - One system event (stream `$stand-in`) at the head of the log, because a real node always has
 *   system records there and readers must skip them.
 *
 * Not modelled: clustering, gossip, leader election and requires-leader, TLS and
 * authentication / ACLs, persistent subscriptions, projections (no $ce- / $et- links, no link
 * resolution), stream subscriptions, filtered reads without a subscription, stream metadata
 * semantics ($maxCount / $maxAge / $tb are stored as ordinary $$ events and never enforced),
 * deletes and tombstones, scavenging, idempotent re-appends of the same event ids, explicit
 * transactions (so commit always equals prepare), read-position validation, filter checkpoint
 * messages, fell_behind and flow control, deadlines, durability (everything lives in memory and
 * dies with stop()).
 */
import {
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  Metadata,
  Server,
  ServerCredentials,
  status,
} from '@grpc/grpc-js';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import {
  AllStreamPosition,
  BadRequest,
  Empty,
  MaximumAppendSizeExceeded,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { type IStreamsServer, StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
// The protobuf runtime the generated classes above are built on (a dependency of the client).
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as WellKnownEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { randomUUID } from 'node:crypto';
import {
  type ExpectedVersion,
  InMemoryTransactionLog,
  type LogPosition,
  type LogRecord,
  type ProposedRecord,
  type ReadFrom,
} from './in-memory-transaction-log';

export interface EsdbStandInOptions {
  /**
   * Answer GetSupportedMethods with UNIMPLEMENTED, as nodes before 21.10 do, so the client falls
   * back to Streams.Append. Nothing else about older nodes is imitated.
   */
  legacyAppend?: boolean;
  /** Bytes of data, metadata and type one append may carry; EventStoreDB's default is 1 MiB. */
  maxAppendSize?: number;
}

export interface RunningEsdbStandIn {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  connectionString: string;
  port: number;
  /** The stand-in's log, for tests that need to look under the client. */
  log: InMemoryTransactionLog;
  stop(): Promise<void>;
}

/** Thrown inside handlers; becomes a gRPC error with EventStoreDB's `exception` trailer. */
class RpcFailure extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly trailers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STREAMS_SERVICE = 'event_store.client.streams.streams';
const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;
const REQUIRED_METADATA = ['type', 'content-type'];

export class EsdbStandIn {
  private readonly log = new InMemoryTransactionLog();
  private readonly maxAppendSize: number;
  private readonly liveSubscriptions = new Set<() => void>();

  constructor(private readonly options: EsdbStandInOptions = {}) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.log.append('$stand-in', { kind: 'any' }, [
      {
        eventId: randomUUID(),
        type: '$stand-in-started',
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ note: 'in-process EventStoreDB stand-in, not a real server' })),
        customMetadata: new Uint8Array(),
      },
    ]);
  }

  async start(): Promise<RunningEsdbStandIn> {
    const server = new Server();
    server.addService(StreamsService, this.streamsService());
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: ServerUnaryCall<unknown, SupportedMethods>, callback: sendUnaryData<SupportedMethods>) =>
        this.supportedMethods(callback),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    return {
      connectionString: `esdb://127.0.0.1:${port}?tls=false`,
      port,
      log: this.log,
      stop: async () => {
        for (const detach of [...this.liveSubscriptions]) detach();
        // Like a node going away: open calls fail on the client side, nothing is ended politely.
        server.forceShutdown();
      },
    };
  }

  private supportedMethods(callback: sendUnaryData<SupportedMethods>): void {
    if (this.options.legacyAppend) {
      callback(serviceError(new RpcFailure(status.UNIMPLEMENTED, 'ServerFeatures is not served by nodes before 21.10')));
      return;
    }
    const method = (service: string, name: string) => new SupportedMethod().setServiceName(service).setMethodName(name);
    callback(
      null,
      new SupportedMethods()
        .setEventStoreServerVersion('0.0.0-stand-in')
        .setMethodsList([
          method(STREAMS_SERVICE, 'read'),
          method(STREAMS_SERVICE, 'append'),
          method(STREAMS_SERVICE, 'batchappend'),
          method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
        ]),
    );
  }

  private streamsService(): IStreamsServer {
    const unimplemented = (_call: unknown, callback: sendUnaryData<never>) =>
      callback(serviceError(new RpcFailure(status.UNIMPLEMENTED, 'not modelled by the EventStoreDB stand-in')));
    return {
      read: (call) => this.read(call),
      append: (call, callback) => this.append(call, callback),
      batchAppend: (call) => this.batchAppend(call),
      delete: unimplemented,
      tombstone: unimplemented,
    };
  }

  private append(call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>): void {
    const requests: AppendReq[] = [];
    call.on('data', (request: AppendReq) => requests.push(request));
    call.on('error', () => undefined);
    call.on('end', () => {
      try {
        callback(null, this.completeAppend(requests));
      } catch (error) {
        callback(serviceError(error));
      }
    });
  }

  private completeAppend(requests: AppendReq[]): AppendResp {
    const [header, ...messages] = requests;
    const options = header?.getOptions();
    if (!options) throw new RpcFailure(status.INVALID_ARGUMENT, 'the first append message must carry the options');
    const streamId = streamName(options.getStreamIdentifier());
    const expected: ExpectedVersion = options.hasNoStream()
      ? { kind: 'no_stream' }
      : options.hasStreamExists()
        ? { kind: 'stream_exists' }
        : options.hasRevision()
          ? { kind: 'revision', revision: BigInt(options.getRevision()) }
          : { kind: 'any' };

    const proposed: ProposedRecord[] = [];
    let size = 0;
    for (const message of messages) {
      const proposedMessage = message.getProposedMessage();
      if (!proposedMessage) throw new RpcFailure(status.INVALID_ARGUMENT, 'only proposed messages may follow the options');
      const record = toProposedRecord(proposedMessage);
      size += appendSize(record);
      if (size > this.maxAppendSize) {
        throw new RpcFailure(status.INVALID_ARGUMENT, `Maximum Append Size of ${this.maxAppendSize} Exceeded.`, {
          exception: 'maximum-append-size-exceeded',
          'maximum-append-size': String(this.maxAppendSize),
        });
      }
      proposed.push(record);
    }

    const outcome = this.log.append(streamId, expected, proposed);
    const response = new AppendResp();
    if (outcome.ok) {
      const success = new AppendResp.Success();
      if (outcome.currentRevision === null) success.setNoStream(new Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position === null) success.setNoPosition(new Empty());
      else
        success.setPosition(
          new AppendResp.Position().setCommitPosition(outcome.position.commit.toString()).setPreparePosition(outcome.position.prepare.toString()),
        );
      return response.setSuccess(success);
    }
    const wrong = new AppendResp.WrongExpectedVersion();
    if (outcome.currentRevision === null) wrong.setCurrentNoStream(new Empty());
    else wrong.setCurrentRevision(outcome.currentRevision.toString());
    switch (expected.kind) {
      case 'any':
        wrong.setExpectedAny(new Empty());
        break;
      case 'no_stream':
        wrong.setExpectedNoStream(new Empty());
        break;
      case 'stream_exists':
        wrong.setExpectedStreamExists(new Empty());
        break;
      case 'revision':
        wrong.setExpectedRevision(expected.revision.toString());
        break;
    }
    return response.setWrongExpectedVersion(wrong);
  }

  /** One long-lived duplex stream; each append is a run of requests sharing a correlation id. */
  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    interface PendingBatch {
      streamId: string;
      identifier: StreamIdentifier | undefined;
      expected: ExpectedVersion;
      records: ProposedRecord[];
      size: number;
    }
    const pending = new Map<string, PendingBatch>();
    call.on('error', () => undefined);
    call.on('end', () => call.end());
    call.on('data', (request: BatchAppendReq) => {
      const correlationId = request.getCorrelationId();
      const key = correlationId ? uuidText(correlationId) : '';
      const options = request.getOptions();
      if (options) {
        pending.set(key, {
          streamId: streamName(options.getStreamIdentifier()),
          identifier: options.getStreamIdentifier(),
          expected: options.hasNoStream()
            ? { kind: 'no_stream' }
            : options.hasStreamExists()
              ? { kind: 'stream_exists' }
              : options.hasStreamPosition()
                ? { kind: 'revision', revision: BigInt(options.getStreamPosition()) }
                : { kind: 'any' },
          records: [],
          size: 0,
        });
      }
      const batch = pending.get(key);
      if (!batch) return;
      const response = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(batch.identifier);

      try {
        for (const message of request.getProposedMessagesList()) {
          const record = toProposedRecord(message);
          batch.size += appendSize(record);
          batch.records.push(record);
        }
      } catch (error) {
        pending.delete(key);
        const detail = new BadRequest().setMessage(error instanceof Error ? error.message : String(error));
        call.write(response.setError(rpcStatus(Code.INVALID_ARGUMENT, 'BadRequest', detail, 'BadRequest')));
        return;
      }
      if (batch.size > this.maxAppendSize) {
        pending.delete(key);
        const detail = new MaximumAppendSizeExceeded().setMaxappendsize(this.maxAppendSize);
        call.write(response.setError(rpcStatus(Code.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', detail, 'MaximumAppendSizeExceeded')));
        return;
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);

      const outcome = this.log.append(batch.streamId, batch.expected, batch.records);
      if (outcome.ok) {
        const success = new BatchAppendResp.Success();
        if (outcome.currentRevision === null) success.setNoStream(new WellKnownEmpty());
        else success.setCurrentRevision(outcome.currentRevision.toString());
        if (outcome.position === null) success.setNoPosition(new WellKnownEmpty());
        else success.setPosition(allStreamPosition(outcome.position));
        call.write(response.setSuccess(success));
        return;
      }
      const detail = new WrongExpectedVersion();
      if (outcome.currentRevision === null) detail.setCurrentNoStream(new WellKnownEmpty());
      else detail.setCurrentStreamRevision(outcome.currentRevision.toString());
      switch (batch.expected.kind) {
        case 'any':
          detail.setExpectedAny(new WellKnownEmpty());
          break;
        case 'no_stream':
          detail.setExpectedNoStream(new WellKnownEmpty());
          break;
        case 'stream_exists':
          detail.setExpectedStreamExists(new WellKnownEmpty());
          break;
        case 'revision':
          detail.setExpectedStreamPosition(batch.expected.revision.toString());
          break;
      }
      call.write(response.setError(rpcStatus(Code.ALREADY_EXISTS, 'WrongExpectedVersion', detail, 'WrongExpectedVersion')));
    });
  }

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    try {
      const options = call.request.getOptions();
      if (!options) throw new RpcFailure(status.INVALID_ARGUMENT, 'read options are required');
      if (options.getUuidOption()?.hasStructured()) {
        throw new RpcFailure(status.UNIMPLEMENTED, 'the stand-in only returns event ids as strings');
      }
      const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;

      if (options.hasSubscription()) {
        const all = options.getAll();
        if (!all || backwards) throw new RpcFailure(status.UNIMPLEMENTED, 'the stand-in only models forward subscriptions to $all');
        this.subscribeToAll(call, allReadFrom(all), recordFilter(options.getFilter()));
        return;
      }
      if (options.hasFilter()) throw new RpcFailure(status.UNIMPLEMENTED, 'filtered reads without a subscription are not modelled');
      const count = BigInt(options.getCount() || '0');

      const stream = options.getStream();
      if (stream) {
        const streamId = streamName(stream.getStreamIdentifier());
        const from: ReadFrom<bigint> = stream.hasStart() ? 'start' : stream.hasEnd() ? 'end' : BigInt(stream.getRevision());
        const records = this.log.readStream(streamId, from, backwards, count);
        if (records === null) {
          call.write(new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(stream.getStreamIdentifier())));
        } else {
          for (const record of records) call.write(readEvent(record));
        }
        call.end();
        return;
      }
      const all = options.getAll();
      if (!all) throw new RpcFailure(status.INVALID_ARGUMENT, 'read needs a stream or $all');
      for (const record of this.log.readAll(allReadFrom(all), backwards, count)) call.write(readEvent(record));
      call.end();
    } catch (error) {
      call.emit('error', serviceError(error));
    }
  }

  private subscribeToAll(
    call: ServerWritableStream<ReadReq, ReadResp>,
    from: ReadFrom<LogPosition>,
    accepts: (record: LogRecord) => boolean,
  ): void {
    // Confirmation, history and caught_up go out in this same tick, so no append can fall between
    // the history and the live tail.
    call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    for (const record of this.log.recordsAfter(from)) if (accepts(record)) call.write(readEvent(record));
    call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));

    const unsubscribe = this.log.onAppended((record) => {
      if (accepts(record)) call.write(readEvent(record));
    });
    const detach = () => {
      unsubscribe();
      this.liveSubscriptions.delete(detach);
    };
    this.liveSubscriptions.add(detach);
    call.on('cancelled', detach);
    call.on('error', detach);
    call.on('finish', detach);
  }
}

function toProposedRecord(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): ProposedRecord {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  const id = message.getId();
  if (type === undefined || contentType === undefined) {
    throw new RpcFailure(status.INVALID_ARGUMENT, `Required Metadata Property '${type === undefined ? 'type' : 'content-type'}' is missing`, {
      exception: 'missing-required-metadata-property',
      'required-metadata-properties': REQUIRED_METADATA.join(','),
    });
  }
  if (!id) throw new RpcFailure(status.INVALID_ARGUMENT, 'every proposed message needs an id');
  return {
    eventId: uuidText(id),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

/** Close to EventStoreDB's Event.SizeOnDisk: what the limit is measured on. */
function appendSize(record: ProposedRecord): number {
  return record.data.length + record.customMetadata.length + Buffer.byteLength(record.type, 'utf8');
}

function readEvent(record: LogRecord): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(record.eventId))
    .setStreamIdentifier(identifier(record.streamId))
    .setStreamRevision(record.revision.toString())
    .setCommitPosition(record.position.commit.toString())
    .setPreparePosition(record.position.prepare.toString())
    .setData(record.data)
    .setCustomMetadata(record.customMetadata);
  recorded
    .getMetadataMap()
    .set('type', record.type)
    .set('content-type', record.contentType)
    .set('created', record.createdTicks.toString());
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(record.position.commit.toString()));
}

function allReadFrom(all: ReadReq.Options.AllOptions): ReadFrom<LogPosition> {
  if (all.hasStart()) return 'start';
  if (all.hasEnd()) return 'end';
  const position = all.getPosition();
  if (!position) throw new RpcFailure(status.INVALID_ARGUMENT, '$all read without a starting point');
  return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
}

function recordFilter(filter: ReadReq.Options.FilterOptions | undefined): (record: LogRecord) => boolean {
  if (!filter) return () => true;
  const expression = filter.getStreamIdentifier() ?? filter.getEventType();
  if (!expression) throw new RpcFailure(status.INVALID_ARGUMENT, 'a filter needs a stream identifier or event type expression');
  const subject = filter.hasStreamIdentifier() ? (record: LogRecord) => record.streamId : (record: LogRecord) => record.type;
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (record) => pattern.test(subject(record));
  }
  const prefixes = expression.getPrefixList();
  return (record) => prefixes.some((prefix) => subject(record).startsWith(prefix));
}

function streamName(identifierMessage: StreamIdentifier | undefined): string {
  if (!identifierMessage) throw new RpcFailure(status.INVALID_ARGUMENT, 'a stream identifier is required');
  return Buffer.from(identifierMessage.getStreamName_asU8()).toString('utf8');
}

function identifier(name: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));
}

function allStreamPosition(position: LogPosition): AllStreamPosition {
  return new AllStreamPosition().setCommitPosition(position.commit.toString()).setPreparePosition(position.prepare.toString());
}

function uuidText(uuid: UUID): string {
  const structured = uuid.getStructured();
  if (!structured) return uuid.getString().toLowerCase();
  const bytes = Buffer.alloc(16);
  bytes.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  bytes.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** google.rpc.Status as BatchAppend reports failures: a code and one packed detail message. */
function rpcStatus(code: Code, message: string, detail: { serializeBinary(): Uint8Array }, detailName: string): Status {
  const details = new Any();
  details.pack(detail.serializeBinary(), `event_store.client.${detailName}`);
  return new Status().setCode(code).setMessage(message).setDetails(details);
}

function serviceError(error: unknown): Partial<ServiceError> {
  if (error instanceof RpcFailure) {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(error.trailers)) metadata.set(key, value);
    return { name: 'RpcFailure', message: error.message, code: error.code, details: error.message, metadata };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { name: 'Error', message, code: status.UNKNOWN, details: message };
}
