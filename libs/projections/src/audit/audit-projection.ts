import type { RecordedEvent } from '@ledger/eventstore';

/**
 * One audit read model: a pure function from an event to row changes (in each projection's
 * file) plus the storage that applies them. Every projection is idempotent: applying an event
 * it has already seen, even after later events, leaves its rows unchanged.
 */
export interface QueryIndex {
  name: string;
  sql: string;
}

/**
 * Writes the rows of a replay from zero into empty tables, in log order, each event once: what a
 * rebuild uses instead of `apply` when a projection has one. It must leave exactly the rows
 * `apply` would (the replay tests compare them); it may hold rows in memory until `finish`.
 */
export interface ReplayWriter {
  apply(event: RecordedEvent): void;
  finish(): void;
}

export interface AuditProjection {
  /** Stable name: its checkpoint row and the `--only` argument of `projections rebuild`. */
  readonly name: string;
  /** Tables emptied by a rebuild of this projection. */
  readonly tables: readonly string[];
  /** Indexes only queries use (not `apply`): a rebuild drops them and builds each once at the end. */
  readonly queryIndexes: readonly QueryIndex[];
  apply(event: RecordedEvent): void;
  /** A faster writer for rebuilds, where replaying into empty tables needs none of apply's guards. */
  replay?(): ReplayWriter;
}
