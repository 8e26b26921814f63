/**
 * The storage half of the EventStoreDB stand-in (see esdb-stand-in.server.ts): one ordered log of
 * records, each indexed by its stream. Everything happens on the Node event loop, so an append is
 * atomic and records become visible strictly in position order, as on a single EventStoreDB node.
 */

export interface LogPosition {
  commit: bigint;
  prepare: bigint;
}

export interface ProposedRecord {
  eventId: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export interface LogRecord extends ProposedRecord {
  streamId: string;
  revision: bigint;
  position: LogPosition;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  createdTicks: bigint;
}

export type ExpectedVersion =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { ok: true; currentRevision: bigint | null; position: LogPosition | null }
  | { ok: false; currentRevision: bigint | null };

export type ReadFrom<T> = 'start' | 'end' | T;

/** Bytes a prepare record takes besides its payload; only the growth of positions matters. */
const RECORD_OVERHEAD = 97n;

export class InMemoryTransactionLog {
  private readonly records: LogRecord[] = [];
  private readonly streams = new Map<string, LogRecord[]>();
  private readonly listeners = new Set<(record: LogRecord) => void>();
  private nextPosition = 0n;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  append(streamId: string, expected: ExpectedVersion, proposed: readonly ProposedRecord[]): AppendOutcome {
    const stream = this.streams.get(streamId) ?? [];
    const current = stream.length > 0 ? BigInt(stream.length - 1) : null;
    if (!satisfies(expected, current)) return { ok: false, currentRevision: current };
    if (proposed.length === 0) return { ok: true, currentRevision: current, position: null };

    const createdTicks = BigInt(this.clock().getTime()) * 10_000n;
    const written: LogRecord[] = [];
    for (const event of proposed) {
      const position = { commit: this.nextPosition, prepare: this.nextPosition };
      const record: LogRecord = { ...event, streamId, revision: BigInt(stream.length), position, createdTicks };
      this.nextPosition += RECORD_OVERHEAD + BigInt(Buffer.byteLength(streamId) + Buffer.byteLength(event.type) + event.data.length + event.customMetadata.length);
      stream.push(record);
      this.records.push(record);
      written.push(record);
    }
    this.streams.set(streamId, stream);
    for (const record of written) for (const listener of this.listeners) listener(record);
    const last = written[written.length - 1]!;
    return { ok: true, currentRevision: last.revision, position: last.position };
  }

  /** Null when the stream does not exist. */
  readStream(streamId: string, from: ReadFrom<bigint>, backwards: boolean, count: bigint): LogRecord[] | null {
    const stream = this.streams.get(streamId);
    if (!stream || stream.length === 0) return null;
    const last = stream.length - 1;
    const out: LogRecord[] = [];
    if (backwards) {
      if (from === 'start') return stream.slice(0, 1);
      const first = from === 'end' ? last : Number(from < BigInt(last) ? from : BigInt(last));
      for (let index = first; index >= 0 && BigInt(out.length) < count; index--) out.push(stream[index]!);
    } else {
      if (from === 'end') return [];
      for (let index = Number(from === 'start' ? 0n : from); index <= last && BigInt(out.length) < count; index++) out.push(stream[index]!);
    }
    return out;
  }

  /** Forwards from a position includes the record at it; backwards from a position reads what precedes it. */
  readAll(from: ReadFrom<LogPosition>, backwards: boolean, count: bigint): LogRecord[] {
    const out: LogRecord[] = [];
    if (backwards) {
      const first = from === 'end' ? this.records.length - 1 : from === 'start' ? -1 : this.indexAtOrAfter(from) - 1;
      for (let index = first; index >= 0 && BigInt(out.length) < count; index--) out.push(this.records[index]!);
    } else {
      const first = from === 'start' ? 0 : from === 'end' ? this.records.length : this.indexAtOrAfter(from);
      for (let index = first; index < this.records.length && BigInt(out.length) < count; index++) out.push(this.records[index]!);
    }
    return out;
  }

  /** Records strictly after `after` (a subscription's starting point is exclusive); 'end' gives none. */
  recordsAfter(after: ReadFrom<LogPosition>): LogRecord[] {
    if (after === 'start') return [...this.records];
    if (after === 'end') return [];
    let index = this.indexAtOrAfter(after);
    if (index < this.records.length && compare(this.records[index]!.position, after) === 0) index++;
    return this.records.slice(index);
  }

  /** Called synchronously for every record appended from now on, in log order. */
  onAppended(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private indexAtOrAfter(position: LogPosition): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.records[middle]!.position, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function satisfies(expected: ExpectedVersion, current: bigint | null): boolean {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return current === null;
    case 'stream_exists':
      return current !== null;
    case 'revision':
      return current === expected.revision;
    default: {
      const exhaustive: never = expected;
      throw new Error(`unknown expected version ${String(exhaustive)}`);
    }
  }
}

function compare(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
