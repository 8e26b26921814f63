import type { ExpectedRevision, NewEvent } from './event-store.port';

/** Whether a stream whose last revision is `actual` (-1: no stream) meets the writer's expectation. */
export function satisfiesExpected(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

/** What every adapter refuses before touching storage; adapters add their own rules after it. */
export function appendProblem(streamId: string, events: NewEvent[], expected: ExpectedRevision): string | null {
  if (typeof streamId !== 'string' || streamId.length === 0) return 'stream id must be a non-empty string';
  if (!Array.isArray(events) || events.length === 0) return 'append needs at least one event';
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    return `expected revision must be a non-negative integer, got ${expected}`;
  }
  for (const event of events) {
    if (!event.type) return 'every event needs a type';
    if (!event.metadata?.tenant) return `event ${event.type} has no tenant in its metadata`;
  }
  return null;
}
