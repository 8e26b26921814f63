import type { RecordedEvent } from '@ledger/eventstore';
import { toIntegrationEvent } from './integration-event.mapper';
import type { KafkaMessage } from './kafka-message';

/** Domain event types that on-call systems subscribe to, on their own topic. */
export const SLA_ALERT_EVENT_TYPES = ['SlaBreached', 'SlaResolved'] as const;
export type SlaAlertEventType = (typeof SLA_ALERT_EVENT_TYPES)[number];

export function isSlaAlertEvent(recorded: Pick<RecordedEvent, 'type'>): boolean {
  return (SLA_ALERT_EVENT_TYPES as readonly string[]).includes(recorded.type);
}

/**
 * `io.scim-ledger.SlaBreached.v1` / `io.scim-ledger.SlaResolved.v1`, or null for any other event.
 *
 * The alert is the integration event itself, not a summary: one envelope for everything we
 * publish, keyed by the SLA case stream so a breach and its resolution stay in order, and the
 * version in the type follows the domain event's schemaVersion, so a change of the event's shape
 * shows up as a new alert type instead of silently changing v1.
 */
export function toSlaAlert(recorded: RecordedEvent): KafkaMessage | null {
  return isSlaAlertEvent(recorded) ? toIntegrationEvent(recorded) : null;
}
