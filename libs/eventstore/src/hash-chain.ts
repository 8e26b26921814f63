import { createHash } from 'node:crypto';
import type { RecordedEvent, RecordedMetadata } from './event-store.port';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level, so equal content always hashes equally. Same
 * values as JSON.stringify (toJSON honoured, undefined members dropped); it runs for every event
 * appended, hence the plain loops.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null) ?? 'null';
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return out + '}';
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
  return canonicalEventHash({ ...content, data: canonicalJson(content.data), metadata: canonicalJson(content.metadata) });
}

/** Data and metadata already in canonical JSON, as the SQLite writer receives them. */
export interface CanonicalContent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  prevHash: string;
}

/** The same digest as eventHash: the canonical JSON of the array, assembled from canonical parts. */
export function canonicalEventHash(content: CanonicalContent): string {
  const text =
    `[${JSON.stringify(content.streamId)},${canonicalJson(content.revision)},${JSON.stringify(content.id)},` +
    `${JSON.stringify(content.type)},${canonicalJson(content.schemaVersion)},${content.data},${content.metadata},` +
    `${JSON.stringify(content.prevHash)}]`;
  return createHash('sha256').update(text).digest('hex');
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
