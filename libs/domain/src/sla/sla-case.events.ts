import type { DomainEvent } from '../shared/decider';
import type { AlertRouteType, GroupScope, LifecycleKind, SlaSeverity } from './sla-policy';

/** The part of a policy version a case is judged by, copied when it opens. */
export interface CaseTerms {
  policyVersion: number;
  windowSeconds: number;
  severity: SlaSeverity;
  scope: GroupScope;
  privilegedGroups: string[];
  downstreamTargets: string[];
  expectedGroups: string[];
  groupRules: string[];
}

export type TargetOutcome = 'applied' | 'failed' | 'skipped';

/** The fact that made the process manager look at a case. `eventId` is the log event it came from. */
export type CaseSource =
  | { type: 'TerminationSignal'; eventId: string; at: string; signalId: string; effectiveAt: string; receivedAt: string }
  | { type: 'UserProvisioned'; eventId: string; at: string }
  | { type: 'UserAttributesChanged'; eventId: string; at: string; keys: string[] }
  | { type: 'UserDeactivated'; eventId: string; at: string }
  | { type: 'UserReactivated'; eventId: string; at: string }
  | { type: 'UserDeleted'; eventId: string; at: string }
  | { type: 'MembershipChanged'; eventId: string; at: string; groupId: string; groupName: string; change: 'added' | 'removed' }
  | { type: 'TargetAcknowledged'; eventId: string; at: string; targetId: string; outcome: TargetOutcome; reportedAt: string; detail?: string };

/** What is true of the user in the target right after the source event. */
export interface CaseFacts {
  userState: 'active' | 'inactive' | 'deleted';
  /** Leaver: display names of groups in the policy's scope the user still belongs to. */
  heldGroups: string[];
  /** Joiner: expected groups the user does not hold yet. */
  missingGroups: string[];
  /** Mover: the source changed the user's membership of a group the mover rules name. */
  ruleGroupChanged: boolean;
}

export const SLA_MILESTONES = [
  'terminationSignalReceived',
  'idpDeactivated',
  'userDeleted',
  'idpReactivated',
  'userInactive',
  'groupsRevoked',
  'groupsRegranted',
  'targetAcknowledged',
  'targetFailed',
  'userActive',
  'expectedGroupsGranted',
  'attributesChanged',
  'membershipsFollowed',
] as const;
export type SlaMilestone = (typeof SLA_MILESTONES)[number];

export type SlaCaseOpened = DomainEvent<'SlaCaseOpened', {
  caseId: string;
  kind: LifecycleKind;
  userId: string;
  userName: string;
  terms: CaseTerms;
  trigger: { type: CaseSource['type']; eventId: string };
  openedAt: string;
  /** When the window starts: a future termination date starts it later than the case opens. */
  startedAt: string;
  deadline: string;
  at: string;
}>;

export type SlaMilestoneRecorded = DomainEvent<'SlaMilestoneRecorded', {
  caseId: string;
  milestone: SlaMilestone;
  at: string;
  sourceEventId: string;
  detail: Record<string, unknown>;
  /** Set when this milestone started the window earlier (the earliest leaver signal counts). */
  startedAt?: string;
  deadline?: string;
}>;

export type SlaCaseCompleted = DomainEvent<'SlaCaseCompleted', {
  caseId: string;
  at: string;
  startedAt: string;
  deadline: string;
  elapsedSeconds: number;
  withinWindow: boolean;
}>;

export type SlaCaseCancelled = DomainEvent<'SlaCaseCancelled', { caseId: string; reason: string; at: string }>;

export type SlaBreached = DomainEvent<'SlaBreached', {
  caseId: string;
  kind: LifecycleKind;
  userId: string;
  userName: string;
  severity: SlaSeverity;
  policyVersion: number;
  windowSeconds: number;
  startedAt: string;
  deadline: string;
  elapsedSeconds: number;
  /** What was still missing when the window ended. */
  outstanding: string[];
  at: string;
}>;

export type SlaResolved = DomainEvent<'SlaResolved', {
  caseId: string;
  /** Always true for a completion: a case resolved in time never breached. */
  late: boolean;
  reason: 'completed' | 'cancelled';
  elapsedSeconds: number;
  at: string;
}>;

export type AlertKind = 'trigger' | 'resolve';

export type AlertDeliveryAttempted = DomainEvent<'AlertDeliveryAttempted', {
  caseId: string;
  alert: AlertKind;
  routeId: string;
  routeType: AlertRouteType;
  attempt: number;
  outcome: 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  /** When the next attempt is due after a failure; null once delivered. */
  nextAttemptAt: string | null;
  at: string;
}>;

/** A worker took over a delivery whose owner stopped retrying it (crashed or gone). */
export type AlertDeliveryClaimed = DomainEvent<'AlertDeliveryClaimed', {
  caseId: string;
  alert: AlertKind;
  routeId: string;
  worker: string;
  at: string;
}>;

export type SlaCaseEvent =
  | SlaCaseOpened
  | SlaMilestoneRecorded
  | SlaCaseCompleted
  | SlaCaseCancelled
  | SlaBreached
  | SlaResolved
  | AlertDeliveryAttempted
  | AlertDeliveryClaimed;

export const SLA_CASE_EVENT_TYPES: ReadonlyArray<SlaCaseEvent['type']> = [
  'SlaCaseOpened', 'SlaMilestoneRecorded', 'SlaCaseCompleted', 'SlaCaseCancelled', 'SlaBreached', 'SlaResolved',
  'AlertDeliveryAttempted', 'AlertDeliveryClaimed',
];

/**
 * A termination reported by HR (or any system of record), on `lifecycleSignal-<tenant>:<signalId>`.
 * `effectiveAt` is when the person leaves; `receivedAt` when we were told.
 */
export type TerminationSignalReceived = DomainEvent<'TerminationSignalReceived', {
  signalId: string;
  userId: string;
  userName: string;
  effectiveAt: string;
  receivedAt: string;
  source: string | null;
  at: string;
}>;
export type LifecycleSignalEvent = TerminationSignalReceived;
