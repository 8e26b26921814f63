import { GENESIS_HASH, eventHash, type HashedContent } from '@ledger/eventstore';

/**
 * Checks per-stream hash chains while reading events in global-log order, where streams
 * interleave: the same checks as `verifyStreamChain`, one event at a time, remembering only
 * each stream's last revision and hash.
 */
export class ChainFollower {
  private readonly heads = new Map<string, { revision: number; hash: string }>();

  /** `fromGenesis`: every stream must start at revision 0 (a whole store); otherwise a stream may start mid-way (an excerpt). */
  constructor(private readonly fromGenesis: boolean) {}

  get streams(): number {
    return this.heads.size;
  }

  /** Returns what is wrong with this event, or null; a good event becomes its stream's head. */
  check(event: HashedContent & { hash: string }): string | null {
    const head = this.heads.get(event.streamId);
    if (!Number.isInteger(event.revision) || event.revision < 0) return `revision ${String(event.revision)} is not a stream revision`;
    if (head) {
      if (event.revision <= head.revision) {
        return `revision ${event.revision} comes after revision ${head.revision} of the same stream: its events are out of order or repeated`;
      }
      if (event.revision > head.revision + 1) {
        return `revision ${head.revision + 1} of the stream is missing (revision ${event.revision} follows revision ${head.revision}): an event was removed`;
      }
      if (event.prevHash !== head.hash) return `its prevHash does not match the hash of revision ${head.revision}: the chain is broken`;
    } else if (event.revision === 0) {
      if (event.prevHash !== GENESIS_HASH) return 'revision 0 does not chain to the genesis hash';
    } else if (this.fromGenesis) {
      return `the stream starts at revision ${event.revision}: revision 0${event.revision > 1 ? `..${event.revision - 1}` : ''} is missing`;
    }
    if (eventHash(event) !== event.hash) return 'its content does not match its recorded hash: the event was altered';
    this.heads.set(event.streamId, { revision: event.revision, hash: event.hash });
    return null;
  }
}

export function describeEvent(event: { id: string; streamId: string; revision: number; position: bigint | string }): string {
  return `event ${event.id} (stream ${event.streamId}, revision ${event.revision}, position ${event.position.toString()})`;
}
