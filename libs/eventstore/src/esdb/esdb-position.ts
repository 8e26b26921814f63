/**
 * EventStoreDB orders $all by (commit, prepare); the port has one bigint, and read models keep
 * positions in SQLite int64 columns. Without explicit transactions (this adapter never opens
 * one), the server writes each append's prepares contiguously, so prepare positions alone follow
 * $all order and stay below 2^63. Reading "after" a position starts at (p, p): the events of the
 * same append carry a later commit and come back, and the reader skips those at or before p.
 */
export interface EsdbPosition {
  commit: bigint;
  prepare: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** What a pre-22.10 server sends for the $all position of an event read from a stream. */
export const UNKNOWN_COMMIT_POSITION = UINT64_MAX;

export function packPosition({ commit, prepare }: EsdbPosition): bigint {
  if (commit < 0n || commit > UINT64_MAX || prepare < 0n || prepare > INT64_MAX) {
    throw new RangeError(`not an EventStoreDB position this adapter can order: commit ${commit}, prepare ${prepare}`);
  }
  return prepare;
}

/** The read position from which every event after `position` is returned (and a few before). */
export function unpackPosition(position: bigint): EsdbPosition {
  if (position < 0n || position > INT64_MAX) throw new RangeError(`not a port position: ${position}`);
  return { commit: position, prepare: position };
}
