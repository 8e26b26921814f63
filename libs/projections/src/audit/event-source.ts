import type { RecordedEvent } from '@ledger/eventstore';

/** Which event, through which request and credential, established a fact: the unit of provenance. */
export interface EventSource {
  eventId: string;
  eventType: string;
  streamId: string;
  revision: number;
  /** Global log position, as a string: positions are 64-bit. */
  position: string;
  at: string;
  requestId: string | null;
  correlationId: string | null;
  causationId: string | null;
  idp: string | null;
  tokenId: string | null;
  actor: string;
}

export function sourceOf(event: RecordedEvent): EventSource {
  const m = event.metadata;
  return {
    eventId: event.id,
    eventType: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position.toString(),
    at: timeOf(event),
    requestId: m.requestId ?? null,
    correlationId: m.correlationId ?? null,
    causationId: m.causationId ?? null,
    idp: m.idp ?? null,
    tokenId: m.tokenId ?? null,
    actor: m.actor,
  };
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO_UTC_MS as an SQL GLOB, for the SQL copy of the changes index: it must pick the same rows. */
export const ISO_UTC_MS_GLOB = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z';

/**
 * The ledger's time of an event: when it was recorded. Normalised to `toISOString()` form so
 * that times compare as strings in SQLite, whatever format an importer supplied.
 */
export function timeOf(event: RecordedEvent): string {
  return ISO_UTC_MS.test(event.metadata.recordedAt) ? event.metadata.recordedAt : normalisedTime(event.metadata.recordedAt, event.data);
}

/** A recordedAt not already in toISOString() form: parsed, else the event's own `at`, else as it came. */
export function normalisedTime(recordedAt: string, data: unknown): string {
  const recorded = Date.parse(recordedAt);
  if (!Number.isNaN(recorded)) return new Date(recorded).toISOString();
  const domain = Date.parse((data as { at?: string } | null)?.at ?? '');
  return Number.isNaN(domain) ? recordedAt : new Date(domain).toISOString();
}

/** `user-acme:42` -> `42`; `tenant-acme` -> `acme`. */
export function resourceIdOf(streamId: string): string {
  const colon = streamId.indexOf(':');
  if (colon >= 0) return streamId.slice(colon + 1);
  const dash = streamId.indexOf('-');
  return dash >= 0 ? streamId.slice(dash + 1) : streamId;
}

/** IdP writes carry the token that authenticated them; admin and import actors do not. */
export function isIdpActor(event: RecordedEvent): boolean {
  return Boolean(event.metadata.tokenId) || event.metadata.actor.startsWith('token:');
}
