import type { ExpectedRevision } from './event-store.port';

/** The stream's revision was not what the writer expected: someone else wrote first. */
export class WrongExpectedRevision extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual < 0 ? 'no stream' : actual}`);
    this.name = 'WrongExpectedRevision';
  }
}

export class DuplicateEventId extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already in the store`);
    this.name = 'DuplicateEventId';
  }
}

export class InvalidAppend extends Error {
  readonly code = 'INVALID_APPEND';
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidAppend';
  }
}

export class EventStoreUnavailable extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(detail: string, override readonly cause?: unknown) {
    super(detail);
    this.name = 'EventStoreUnavailable';
  }
}

export function isWrongExpectedRevision(error: unknown): error is WrongExpectedRevision {
  return error instanceof WrongExpectedRevision;
}
