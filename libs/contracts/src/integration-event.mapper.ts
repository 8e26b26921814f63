import type { RecordedEvent, RecordedMetadata } from '@ledger/eventstore';
import { CE_HEADERS, CLOUD_EVENTS_SPEC_VERSION, JSON_CONTENT_TYPE, cloudEventType, tenantSource } from './cloud-event';
import type { KafkaMessage } from './kafka-message';

/**
 * The Kafka value of every event this service publishes (events and alerts topics).
 *
 * Everything the store hashed is carried verbatim (id, type, schemaVersion, streamId, revision,
 * data, metadata, prevHash), so a consumer can recompute `hash` from the value alone and chain it
 * to the previous event of the stream: the tamper evidence reaches downstream systems too.
 * That is also why metadata is not trimmed: it holds ids and labels (tokenId is the token's id,
 * never its secret; secrets never enter events by design), and dropping a field would make the
 * hash unverifiable.
 */
export interface IntegrationEventValue<T = unknown> {
  id: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  revision: number;
  /** Global log position in the ledger, as a decimal string (it is a 64-bit integer). */
  position: string;
  data: T;
  metadata: RecordedMetadata;
  prevHash: string;
  hash: string;
}

/**
 * CloudEvents 1.0, Kafka binary mode. Keyed by stream id: every event of one user, group or SLA
 * case lands on one partition, which is what keeps their order for consumers.
 */
export function toIntegrationEvent(recorded: RecordedEvent): KafkaMessage {
  const { metadata } = recorded;
  const headers: Record<string, string> = {
    [CE_HEADERS.specVersion]: CLOUD_EVENTS_SPEC_VERSION,
    [CE_HEADERS.id]: recorded.id,
    [CE_HEADERS.source]: tenantSource(metadata.tenant),
    [CE_HEADERS.type]: cloudEventType(recorded.type, recorded.schemaVersion),
    [CE_HEADERS.time]: metadata.recordedAt,
    [CE_HEADERS.subject]: recorded.streamId,
    [CE_HEADERS.tenant]: metadata.tenant,
    [CE_HEADERS.correlationId]: metadata.correlationId,
    [CE_HEADERS.contentType]: JSON_CONTENT_TYPE,
  };
  if (metadata.causationId) headers[CE_HEADERS.causationId] = metadata.causationId;

  const value: IntegrationEventValue = {
    id: recorded.id,
    type: recorded.type,
    schemaVersion: recorded.schemaVersion,
    streamId: recorded.streamId,
    revision: recorded.revision,
    position: recorded.position.toString(),
    data: recorded.data,
    metadata,
    prevHash: recorded.prevHash,
    hash: recorded.hash,
  };
  return { key: recorded.streamId, headers, value: JSON.stringify(value) };
}

export function parseIntegrationEventValue(value: string | Buffer): IntegrationEventValue {
  return JSON.parse(value.toString()) as IntegrationEventValue;
}
