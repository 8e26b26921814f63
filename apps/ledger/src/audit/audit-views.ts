import type { RecordedEvent } from '@ledger/eventstore';

/** An event as the audit API shows it: everything needed to recompute its hash, nothing hidden. */
export interface EventView {
  id: string;
  streamId: string;
  revision: number;
  position: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  prevHash: string;
  hash: string;
}

export function eventView(event: RecordedEvent): EventView {
  return {
    id: event.id,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position.toString(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.metadata.recordedAt,
    data: event.data,
    metadata: event.metadata,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}
