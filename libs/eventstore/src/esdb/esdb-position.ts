/**
 * EventStoreDB orders $all by (commit, prepare), two unsigned 64-bit numbers; the port has one
 * bigint. Packing commit into the high 64 bits keeps the order, and the pair comes back intact.
 * Packed positions go beyond 64 bits: store them as text, never as an int64 column.
 */
export interface EsdbPosition {
  commit: bigint;
  prepare: bigint;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** What a pre-22.10 server sends for the $all position of an event read from a stream. */
export const UNKNOWN_COMMIT_POSITION = UINT64_MAX;

export function packPosition({ commit, prepare }: EsdbPosition): bigint {
  if (commit < 0n || commit > UINT64_MAX || prepare < 0n || prepare > UINT64_MAX) {
    throw new RangeError(`not an EventStoreDB position: commit ${commit}, prepare ${prepare}`);
  }
  return (commit << 64n) | prepare;
}

export function unpackPosition(position: bigint): EsdbPosition {
  if (position < 0n || position >> 128n !== 0n) throw new RangeError(`not a packed EventStoreDB position: ${position}`);
  return { commit: position >> 64n, prepare: position & UINT64_MAX };
}
