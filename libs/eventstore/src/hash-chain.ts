import { createHash } from 'node:crypto';
import type { RecordedEvent, RecordedMetadata } from './event-store.port';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export interface HashedContent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: RecordedMetadata;
  prevHash: string;
}

/** Covers everything an auditor relies on, including the stream position, so events cannot be reordered. */
export function eventHash(content: HashedContent): string {
  return createHash('sha256')
    .update(
      canonicalJson([
        content.streamId,
        content.revision,
        content.id,
        content.type,
        content.schemaVersion,
        content.data,
        content.metadata,
        content.prevHash,
      ]),
    )
    .digest('hex');
}

export type ChainVerdict =
  | { ok: true; events: number; head: string }
  | { ok: false; streamId: string; revision: number; reason: string };

/** Checks a whole stream read forwards from revision 0. */
export function verifyStreamChain(events: readonly RecordedEvent[]): ChainVerdict {
  let prev = GENESIS_HASH;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.revision !== index) {
      return { ok: false, streamId: event.streamId, revision: event.revision, reason: `expected revision ${index}, found ${event.revision} (an event is missing or out of order)` };
    }
    if (event.prevHash !== prev) {
      return { ok: false, streamId: event.streamId, revision: event.revision, reason: 'prevHash does not match the hash of the previous event' };
    }
    const recomputed = eventHash(event);
    if (recomputed !== event.hash) {
      return { ok: false, streamId: event.streamId, revision: event.revision, reason: 'content does not match its hash (the event was altered)' };
    }
    prev = event.hash;
  }
  return { ok: true, events: events.length, head: prev };
}
