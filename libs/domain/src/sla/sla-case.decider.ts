import { DomainError, InvalidCommand } from '../shared/domain-error';
import type { Decider } from '../shared/decider';
import type {
  AlertKind,
  CaseFacts,
  CaseSource,
  CaseTerms,
  SlaCaseEvent,
  SlaMilestone,
} from './sla-case.events';
import type { AlertRouteType, LifecycleKind } from './sla-policy';

/** Streams of the SLA slice: `<category>-<tenant>[:<id>]`. */
export const slaStreams = {
  policy: (tenant: string) => `slaPolicy-${tenant}`,
  case: (tenant: string, caseId: string) => `slaCase-${tenant}:${caseId}`,
  signal: (tenant: string, signalId: string) => `lifecycleSignal-${tenant}:${signalId}`,
};

/**
 * Case ids derive from the event that opened the case, so every process manager replica (and a
 * replay after a crash) opens the same case for the same fact, and only one of them succeeds.
 */
export function caseIdFor(kind: LifecycleKind, triggerEventId: string): string {
  return `${kind}-${triggerEventId}`;
}

export class SlaCaseNotFound extends DomainError {
  readonly code = 'SLA_CASE_NOT_FOUND';
  constructor(readonly caseId: string) {
    super(`SLA case ${caseId} does not exist`);
  }
}

export interface OpenSlaCase {
  type: 'OpenCase';
  caseId: string;
  kind: LifecycleKind;
  userId: string;
  userName: string;
  terms: CaseTerms;
  source: CaseSource;
  facts: CaseFacts;
}

export interface ObserveSlaCase {
  type: 'ObserveCase';
  caseId: string;
  source: CaseSource;
  facts: CaseFacts;
}

export interface BreachSlaCase {
  type: 'BreachCase';
  caseId: string;
  at: string;
  /** Leaver: groups in scope the user still holds, for the evidence. */
  heldGroups: string[];
}

export interface RecordDeliveryAttempt {
  type: 'RecordDeliveryAttempt';
  caseId: string;
  alert: AlertKind;
  routeId: string;
  routeType: AlertRouteType;
  attempt: number;
  outcome: 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: string | null;
  at: string;
}

export interface ClaimDelivery {
  type: 'ClaimDelivery';
  caseId: string;
  alert: AlertKind;
  routeId: string;
  worker: string;
  at: string;
}

export type SlaCaseCommand = OpenSlaCase | ObserveSlaCase | BreachSlaCase | RecordDeliveryAttempt | ClaimDelivery;

export interface OpenedSlaCase {
  status: 'open' | 'completed' | 'cancelled';
  caseId: string;
  kind: LifecycleKind;
  userId: string;
  userName: string;
  terms: CaseTerms;
  openedAt: string;
  startedAt: string;
  deadline: string;
  /** Log events already taken into account: observing one again changes nothing. */
  sources: string[];
  signalReceivedAt: string | null;
  inactiveAt: string | null;
  groupsRevokedAt: string | null;
  /** Targets that acknowledged (applied or skipped), with when. */
  acknowledged: Record<string, string>;
  activeAt: string | null;
  groupsGrantedAt: string | null;
  followedAt: string | null;
  breachedAt: string | null;
  completedAt: string | null;
  resolvedAt: string | null;
}

export type SlaCase = { status: 'absent' } | OpenedSlaCase;

export const initialSlaCase: SlaCase = { status: 'absent' };

export function decideSlaCase(command: SlaCaseCommand, state: SlaCase): SlaCaseEvent[] {
  switch (command.type) {
    case 'OpenCase': {
      if (state.status !== 'absent') return observe(state, command.source, command.facts);
      if (!Number.isInteger(command.terms.windowSeconds) || command.terms.windowSeconds < 1) {
        throw new InvalidCommand('an SLA window must be at least one second');
      }
      const startedAt = windowStart(command.source) ?? command.source.at;
      const opened: SlaCaseEvent = {
        type: 'SlaCaseOpened',
        data: {
          caseId: command.caseId,
          kind: command.kind,
          userId: command.userId,
          userName: command.userName,
          terms: command.terms,
          trigger: { type: command.source.type, eventId: command.source.eventId },
          openedAt: command.source.at,
          startedAt,
          deadline: plusSeconds(startedAt, command.terms.windowSeconds),
          at: command.source.at,
        },
      };
      return [opened, ...observe(evolveSlaCase(state, opened) as OpenedSlaCase, command.source, command.facts)];
    }
    case 'ObserveCase':
      return observe(requireCase(state, command.caseId), command.source, command.facts);
    case 'BreachCase': {
      const current = requireCase(state, command.caseId);
      if (current.status !== 'open' || current.breachedAt !== null) return [];
      if (Date.parse(command.at) < Date.parse(current.deadline)) return [];
      return [breach(current, command.at, command.heldGroups)];
    }
    case 'RecordDeliveryAttempt': {
      requireCase(state, command.caseId);
      const { type: _type, ...data } = command;
      return [{ type: 'AlertDeliveryAttempted', data }];
    }
    case 'ClaimDelivery': {
      requireCase(state, command.caseId);
      const { type: _type, ...data } = command;
      return [{ type: 'AlertDeliveryClaimed', data }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown SLA case command ${JSON.stringify(exhaustive)}`);
    }
  }
}

/**
 * Records what the source tells about the case (its milestone, and what became true of the user),
 * then closes the case when everything its kind waits for is done.
 */
function observe(state: OpenedSlaCase, source: CaseSource, facts: CaseFacts): SlaCaseEvent[] {
  if (state.status !== 'open' || state.sources.includes(source.eventId)) return [];
  const events: SlaCaseEvent[] = [];
  let current = state;
  const push = (event: SlaCaseEvent) => {
    events.push(event);
    current = evolveSlaCase(current, event) as OpenedSlaCase;
  };
  const milestone = (name: SlaMilestone, at: string, detail: Record<string, unknown> = {}) => {
    const start = state.kind === 'leaver' ? windowStart(source) : null;
    const moved = start !== null && Date.parse(start) < Date.parse(current.startedAt)
      ? { startedAt: start, deadline: plusSeconds(start, current.terms.windowSeconds) }
      : {};
    push({ type: 'SlaMilestoneRecorded', data: { caseId: current.caseId, milestone: name, at, sourceEventId: source.eventId, detail, ...moved } });
  };

  switch (source.type) {
    case 'TerminationSignal':
      if (state.kind === 'leaver') {
        milestone('terminationSignalReceived', source.receivedAt, { signalId: source.signalId, effectiveAt: source.effectiveAt });
      }
      break;
    case 'UserDeactivated':
      if (state.kind === 'leaver') milestone('idpDeactivated', source.at);
      break;
    case 'UserDeleted':
      if (state.kind === 'leaver') milestone('userDeleted', source.at);
      break;
    case 'UserReactivated':
      if (state.kind === 'leaver') milestone('idpReactivated', source.at);
      break;
    case 'TargetAcknowledged':
      if (state.kind === 'leaver') {
        milestone(source.outcome === 'failed' ? 'targetFailed' : 'targetAcknowledged', source.at, {
          targetId: source.targetId,
          outcome: source.outcome,
          reportedAt: source.reportedAt,
          ...(source.detail ? { detail: source.detail } : {}),
        });
      }
      break;
    case 'UserAttributesChanged':
      if (state.kind === 'mover') milestone('attributesChanged', source.at, { keys: source.keys });
      break;
    case 'MembershipChanged':
      if (state.kind === 'mover' && facts.ruleGroupChanged && current.followedAt === null) {
        milestone('membershipsFollowed', source.at, { groupId: source.groupId, group: source.groupName, change: source.change });
      }
      break;
    case 'UserProvisioned':
      break;
    default: {
      const exhaustive: never = source;
      throw new Error(`unknown case source ${JSON.stringify(exhaustive)}`);
    }
  }

  if (cancelled(current, source)) {
    push({ type: 'SlaCaseCancelled', data: { caseId: current.caseId, reason: cancelReason(current, source), at: source.at } });
    if (current.breachedAt !== null) {
      push({ type: 'SlaResolved', data: { caseId: current.caseId, late: true, reason: 'cancelled', elapsedSeconds: elapsed(current, source.at), at: source.at } });
    }
    return events;
  }

  switch (current.kind) {
    case 'leaver':
      if (facts.userState !== 'active' && current.inactiveAt === null) milestone('userInactive', source.at, { state: facts.userState });
      if (facts.heldGroups.length === 0 && current.groupsRevokedAt === null) milestone('groupsRevoked', source.at, { scope: current.terms.scope });
      if (facts.heldGroups.length > 0 && current.groupsRevokedAt !== null) milestone('groupsRegranted', source.at, { groups: facts.heldGroups });
      break;
    case 'joiner':
      if (facts.userState === 'active' && current.activeAt === null) milestone('userActive', source.at);
      if (current.terms.expectedGroups.length > 0 && facts.missingGroups.length === 0 && current.groupsGrantedAt === null) {
        milestone('expectedGroupsGranted', source.at, { groups: current.terms.expectedGroups });
      }
      break;
    case 'mover':
      break;
    default: {
      const exhaustive: never = current.kind;
      throw new Error(`unknown case kind ${String(exhaustive)}`);
    }
  }

  if (done(current, facts)) {
    const at = source.at;
    const withinWindow = Date.parse(at) <= Date.parse(current.deadline);
    // Done after the deadline but before any timer noticed: the breach is still a fact.
    if (!withinWindow && current.breachedAt === null) push(breach({ ...current, ...missingBefore(state) }, at, []));
    push({
      type: 'SlaCaseCompleted',
      data: { caseId: current.caseId, at, startedAt: current.startedAt, deadline: current.deadline, elapsedSeconds: elapsed(current, at), withinWindow },
    });
    if (current.breachedAt !== null) {
      push({ type: 'SlaResolved', data: { caseId: current.caseId, late: true, reason: 'completed', elapsedSeconds: elapsed(current, at), at } });
    }
  }
  return events;
}

/** The conditions as they stood before this observation completed them: what the breach was waiting for. */
function missingBefore(state: OpenedSlaCase): Pick<OpenedSlaCase, 'inactiveAt' | 'groupsRevokedAt' | 'acknowledged' | 'activeAt' | 'groupsGrantedAt' | 'followedAt'> {
  const { inactiveAt, groupsRevokedAt, acknowledged, activeAt, groupsGrantedAt, followedAt } = state;
  return { inactiveAt, groupsRevokedAt, acknowledged, activeAt, groupsGrantedAt, followedAt };
}

function done(state: OpenedSlaCase, facts: CaseFacts): boolean {
  switch (state.kind) {
    case 'leaver':
      return facts.userState !== 'active'
        && facts.heldGroups.length === 0
        && state.terms.downstreamTargets.every((target) => state.acknowledged[target] !== undefined);
    case 'joiner':
      return facts.userState === 'active' && facts.missingGroups.length === 0;
    case 'mover':
      return state.terms.groupRules.length === 0 || state.followedAt !== null;
    default: {
      const exhaustive: never = state.kind;
      throw new Error(`unknown case kind ${String(exhaustive)}`);
    }
  }
}

/**
 * A reactivation ends a leaver case only when no one ever reported a termination (the IdP undid
 * its own deactivation); after an HR signal it is a risk, and the case stays open. Joiner and
 * mover cases end with the user.
 */
function cancelled(state: OpenedSlaCase, source: CaseSource): boolean {
  if (state.kind === 'leaver') return source.type === 'UserReactivated' && state.signalReceivedAt === null;
  return source.type === 'UserDeleted';
}

function cancelReason(state: OpenedSlaCase, source: CaseSource): string {
  return state.kind === 'leaver' ? 'the IdP reactivated the user and no termination signal was received' : `the user was deleted (${source.type})`;
}

function breach(state: OpenedSlaCase, at: string, heldGroups: string[]): SlaCaseEvent {
  return {
    type: 'SlaBreached',
    data: {
      caseId: state.caseId,
      kind: state.kind,
      userId: state.userId,
      userName: state.userName,
      severity: state.terms.severity,
      policyVersion: state.terms.policyVersion,
      windowSeconds: state.terms.windowSeconds,
      startedAt: state.startedAt,
      deadline: state.deadline,
      elapsedSeconds: elapsed(state, at),
      outstanding: outstanding(state, heldGroups),
      at,
    },
  };
}

/** What a case is still waiting for, in words an on-call engineer can act on. */
export function outstanding(state: OpenedSlaCase, heldGroups: string[] = []): string[] {
  const missing: string[] = [];
  switch (state.kind) {
    case 'leaver':
      if (state.inactiveAt === null) missing.push('the user is still active in the target');
      if (state.groupsRevokedAt === null) {
        missing.push(heldGroups.length > 0 ? `still a member of: ${heldGroups.join(', ')}` : 'group memberships are not revoked');
      }
      for (const target of state.terms.downstreamTargets) {
        if (state.acknowledged[target] === undefined) missing.push(`no acknowledgement from ${target}`);
      }
      break;
    case 'joiner':
      if (state.activeAt === null) missing.push('the user is not active');
      if (state.terms.expectedGroups.length > 0 && state.groupsGrantedAt === null) {
        missing.push(`expected groups not granted: ${state.terms.expectedGroups.join(', ')}`);
      }
      break;
    case 'mover':
      if (state.followedAt === null) missing.push('group memberships have not followed the attribute change');
      break;
    default: {
      const exhaustive: never = state.kind;
      throw new Error(`unknown case kind ${String(exhaustive)}`);
    }
  }
  return missing;
}

export function evolveSlaCase(state: SlaCase, event: SlaCaseEvent): SlaCase {
  if (event.type === 'SlaCaseOpened') {
    const d = event.data;
    return {
      status: 'open', caseId: d.caseId, kind: d.kind, userId: d.userId, userName: d.userName, terms: d.terms,
      openedAt: d.openedAt, startedAt: d.startedAt, deadline: d.deadline, sources: [],
      signalReceivedAt: null, inactiveAt: null, groupsRevokedAt: null, acknowledged: {}, activeAt: null,
      groupsGrantedAt: null, followedAt: null, breachedAt: null, completedAt: null, resolvedAt: null,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'SlaMilestoneRecorded': {
      const d = event.data;
      const next: OpenedSlaCase = {
        ...state,
        sources: state.sources.includes(d.sourceEventId) ? state.sources : [...state.sources, d.sourceEventId],
        ...(d.startedAt && d.deadline ? { startedAt: d.startedAt, deadline: d.deadline } : {}),
      };
      switch (d.milestone) {
        case 'terminationSignalReceived':
          return { ...next, signalReceivedAt: next.signalReceivedAt ?? d.at };
        case 'idpDeactivated':
        case 'userDeleted':
        case 'userInactive':
          return { ...next, inactiveAt: next.inactiveAt ?? d.at };
        case 'idpReactivated':
          return { ...next, inactiveAt: null };
        case 'groupsRevoked':
          return { ...next, groupsRevokedAt: d.at };
        case 'groupsRegranted':
          return { ...next, groupsRevokedAt: null };
        case 'targetAcknowledged':
          return { ...next, acknowledged: { ...next.acknowledged, [String(d.detail['targetId'])]: d.at } };
        case 'userActive':
          return { ...next, activeAt: d.at };
        case 'expectedGroupsGranted':
          return { ...next, groupsGrantedAt: d.at };
        case 'membershipsFollowed':
          return { ...next, followedAt: d.at };
        case 'targetFailed':
        case 'attributesChanged':
          return next;
        default: {
          const exhaustive: never = d.milestone;
          throw new Error(`unknown milestone ${String(exhaustive)}`);
        }
      }
    }
    case 'SlaCaseCompleted':
      return { ...state, status: 'completed', completedAt: event.data.at };
    case 'SlaCaseCancelled':
      return { ...state, status: 'cancelled', completedAt: event.data.at };
    case 'SlaBreached':
      return { ...state, breachedAt: event.data.at };
    case 'SlaResolved':
      return { ...state, resolvedAt: event.data.at };
    case 'AlertDeliveryAttempted':
    case 'AlertDeliveryClaimed':
      return state;
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown SLA case event ${JSON.stringify(exhaustive)}`);
    }
  }
}

export const slaCaseDecider: Decider<SlaCaseCommand, SlaCase, SlaCaseEvent> = {
  decide: decideSlaCase,
  evolve: evolveSlaCase,
  initialState: initialSlaCase,
};

/** Leaver signals start the window: a termination at its effective time (never before we hear of it). */
function windowStart(source: CaseSource): string | null {
  switch (source.type) {
    case 'TerminationSignal':
      return Date.parse(source.effectiveAt) > Date.parse(source.receivedAt) ? source.effectiveAt : source.receivedAt;
    case 'UserDeactivated':
    case 'UserDeleted':
      return source.at;
    default:
      return null;
  }
}

function requireCase(state: SlaCase, caseId: string): OpenedSlaCase {
  if (state.status === 'absent') throw new SlaCaseNotFound(caseId);
  return state;
}

function elapsed(state: OpenedSlaCase, at: string): number {
  return Math.max(0, (Date.parse(at) - Date.parse(state.startedAt)) / 1000);
}

function plusSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}
