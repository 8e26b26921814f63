import type { AuditBundleExported } from '../audit/audit-export.events';
import type { AuditorEvent } from '../auditor/auditor.decider';
import type { ClaimEvent } from '../claim/claim.decider';
import type { GroupEvent } from '../group/group.events';
import type { RequestRecorded } from '../request/request.events';
import type { SlaCaseEvent, LifecycleSignalEvent } from '../sla/sla-case.events';
import type { SlaPolicyEvent } from '../sla/sla-policy.decider';
import type { TenantEvent } from '../tenant/tenant.decider';
import type { TokenEvent } from '../token/token.decider';
import type { UserEvent } from '../user/user.events';

type DomainEventType =
  | UserEvent['type'] | GroupEvent['type'] | ClaimEvent['type'] | TenantEvent['type'] | TokenEvent['type'] | AuditorEvent['type']
  | SlaCaseEvent['type'] | SlaPolicyEvent['type'] | LifecycleSignalEvent['type'] | RequestRecorded['type'] | AuditBundleExported['type'];

/**
 * Every event type the ledger writes, so that queries can tell a misspelt type from one that has
 * not happened yet. Keyed by the unions: adding an event to a union without listing it here fails
 * to compile. `TargetAcknowledged` is written by the Kafka acknowledgement consumer.
 */
const TYPES: Record<DomainEventType | 'TargetAcknowledged', true> = {
  UserProvisioned: true, UserRenamed: true, UserExternalIdChanged: true, UserAttributesChanged: true,
  UserDeactivated: true, UserReactivated: true, UserDeleted: true, UserRecreateRefused: true,
  GroupCreated: true, GroupRenamed: true, GroupExternalIdChanged: true, GroupMembersAdded: true, GroupMembersRemoved: true, GroupDeleted: true,
  ValueClaimed: true, ValueReleased: true,
  TenantCreated: true, TenantSuspended: true, TenantResumed: true, TenantRetentionSet: true,
  TokenIssued: true, TokenRevoked: true, TokenExpiryChanged: true,
  AuditorIssued: true, AuditorRevoked: true, AuditBundleExported: true,
  SlaCaseOpened: true, SlaMilestoneRecorded: true, SlaCaseCompleted: true, SlaCaseCancelled: true, SlaBreached: true, SlaResolved: true,
  AlertDeliveryAttempted: true, AlertDeliveryClaimed: true,
  SlaPolicySet: true, TerminationSignalReceived: true, RequestRecorded: true, TargetAcknowledged: true,
};

export const EVENT_TYPES: readonly string[] = Object.keys(TYPES).sort();

/** Stream categories: the part of a stream id before its first dash. */
export const STREAM_CATEGORIES: readonly string[] = [
  'user', 'group', 'userNameClaim', 'externalIdClaim', 'tenant', 'token', 'auditor', 'request',
  'slaCase', 'slaPolicy', 'lifecycleSignal', 'targetAck', 'auditExport',
];
