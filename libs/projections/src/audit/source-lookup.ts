import type { EventSource } from './event-source';

/** Resolves a log position to the provenance of its event (the changes index implements it). */
export interface SourceLookup {
  source(position: bigint | number): EventSource | null;
}

/** What is known without the changes index: the position and time (it may be mid-rebuild). */
export function resolveSource(lookup: SourceLookup, position: number | bigint, at: string): EventSource {
  return lookup.source(position) ?? {
    eventId: '', eventType: '', streamId: '', revision: -1, position: String(position), at,
    requestId: null, correlationId: null, causationId: null, idp: null, tokenId: null, actor: '',
  };
}

/** `compute`, called on the first call only. */
export function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}
