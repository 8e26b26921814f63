import { leafHash } from './merkle';

export const LEAF_FORMAT = 'scim-ledger/event-leaf/v1';

/** What a leaf commits to. `hash` is the event's per-stream chain hash, which covers all of its content. */
export interface LeafFields {
  position: bigint | string;
  streamId: string;
  revision: number;
  id: string;
  hash: string;
}

/**
 * The leaf bytes of one event: canonical JSON of a versioned tuple. The chain hash already covers
 * the event's type, data, metadata and predecessor, so the leaf stays small; the global position
 * and stream revision are in it so a proof also pins where the event sits in the log.
 */
export function eventLeaf(event: LeafFields): Buffer {
  // An array of strings and one integer: JSON.stringify already writes canonical JSON for it.
  return Buffer.from(JSON.stringify([LEAF_FORMAT, event.position.toString(), event.streamId, event.revision, event.id, event.hash]), 'utf8');
}

export function eventLeafHash(event: LeafFields): Buffer {
  return leafHash(eventLeaf(event));
}
