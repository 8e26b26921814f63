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

export interface AuditProjection {
  /** Stable name: its checkpoint row and the `--only` argument of `projections rebuild`. */
  readonly name: string;
  /** Tables emptied by a rebuild of this projection. */
  readonly tables: readonly string[];
  /** Indexes only queries use (not `apply`): a rebuild drops them and builds each once at the end. */
  readonly queryIndexes: readonly QueryIndex[];
  apply(event: RecordedEvent): void;
}
