import {
  caseIdFor,
  streamCategory,
  type CaseFacts,
  type CaseSource,
  type CaseTerms,
  type GroupEvent,
  type LifecycleKind,
  type SlaPolicy,
  type TerminationSignalReceived,
  type UserEvent,
} from '@ledger/domain';
import type { EventMetadata, RecordedEvent } from '@ledger/eventstore';
import type { CaseOutcome, CaseRepository } from './case-repository';
import type { SlaStore } from './sla-store';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The attributes whose change makes a mover (DESIGN.md section 4). */
export const MOVER_ATTRIBUTES = ['title', `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`] as const;

/** What a downstream target's `TargetAcknowledged` event carries (appended by the Kafka ack consumer). */
interface TargetAcknowledgedData {
  targetId: string;
  eventId?: string;
  caseId?: string;
  outcome: 'applied' | 'failed' | 'skipped';
  at: string;
  detail?: string;
}

/**
 * Opens, advances and closes lifecycle cases from the log. It runs inside the case projection's
 * subscription, after the facts tables have taken the event in, so it judges each case by the
 * user's state exactly as of that event. Every decision is idempotent (case ids come from the
 * opening event; the case remembers the events it has seen), so a replay after a crash and a
 * second replica doing the same work change nothing.
 */
export class LifecycleProcessManager {
  constructor(
    private readonly sla: SlaStore,
    private readonly cases: CaseRepository,
    private readonly actor: string,
  ) {}

  /** Position of the newest case event this process manager (or a timer sharing its repository) appended. */
  get decidedUpTo(): bigint {
    return this.cases.lastAppended;
  }

  /** Whether `event` can open or move a case; checked after the facts tables applied it. */
  relevant(event: RecordedEvent): boolean {
    const tenant = event.metadata.tenant;
    switch (streamCategory(event.streamId)) {
      case 'lifecycleSignal':
      case 'targetAck':
        return true;
      case 'user':
        return this.sla.currentPolicy(tenant) !== null || this.sla.hasOpenCases(tenant);
      case 'group':
        return (event.type === 'GroupCreated' || event.type.startsWith('GroupMembers') || event.type === 'GroupDeleted') && this.sla.hasOpenCases(tenant);
      default:
        return false;
    }
  }

  async handle(event: RecordedEvent): Promise<void> {
    const tenant = event.metadata.tenant;
    const meta = this.metadata(event);
    switch (event.type) {
      case 'TerminationSignalReceived': {
        const d = (event as RecordedEvent<TerminationSignalReceived['data']>).data;
        const source: CaseSource = {
          type: 'TerminationSignal', eventId: event.id, at: d.receivedAt, signalId: d.signalId, effectiveAt: d.effectiveAt, receivedAt: d.receivedAt,
        };
        await this.leaver(tenant, d.userId, d.userName, source, meta);
        return;
      }
      case 'TargetAcknowledged': {
        const d = event.data as TargetAcknowledgedData;
        const caseIds = d.caseId ? [d.caseId] : d.eventId ? this.sla.casesBySource(tenant, d.eventId) : [];
        const source: CaseSource = {
          type: 'TargetAcknowledged', eventId: event.id, at: event.metadata.recordedAt, targetId: d.targetId, outcome: d.outcome, reportedAt: d.at,
          ...(d.detail ? { detail: d.detail } : {}),
        };
        for (const caseId of caseIds) if (this.sla.openCaseById(tenant, caseId)) await this.observe(tenant, caseId, source, meta);
        return;
      }
    }
    switch (streamCategory(event.streamId)) {
      case 'user':
        await this.user(tenant, { type: event.type, data: event.data } as UserEvent, event, meta);
        return;
      case 'group':
        await this.group(tenant, { type: event.type, data: event.data } as GroupEvent, event, meta);
        return;
    }
  }

  private async user(tenant: string, change: UserEvent, event: RecordedEvent, meta: EventMetadata): Promise<void> {
    const base = { eventId: event.id, at: change.data.at };
    switch (change.type) {
      case 'UserProvisioned': {
        const terms = this.terms(tenant, 'joiner');
        if (terms && !this.sla.openCaseOf(tenant, 'joiner', change.data.userId)) {
          await this.open(tenant, 'joiner', change.data.userId, change.data.userName, terms, { type: 'UserProvisioned', ...base }, meta);
        }
        return;
      }
      case 'UserAttributesChanged': {
        const keys = [...Object.keys(change.data.changed), ...change.data.removed].filter((k) => (MOVER_ATTRIBUTES as readonly string[]).includes(k));
        if (keys.length === 0) return;
        const source: CaseSource = { type: 'UserAttributesChanged', ...base, keys };
        const open = this.sla.openCaseOf(tenant, 'mover', change.data.userId);
        if (open) return void (await this.observe(tenant, open, source, meta));
        const terms = this.terms(tenant, 'mover');
        const user = this.sla.user(tenant, change.data.userId);
        if (terms && user) await this.open(tenant, 'mover', change.data.userId, user.userName, terms, source, meta);
        return;
      }
      case 'UserDeactivated':
      case 'UserDeleted': {
        const source: CaseSource = { type: change.type, ...base };
        const user = this.sla.user(tenant, change.data.userId);
        const userName = change.type === 'UserDeleted' ? change.data.userName : (user?.userName ?? change.data.userId);
        await this.leaver(tenant, change.data.userId, userName, source, meta);
        await this.observeAll(tenant, change.data.userId, source, meta, 'leaver');
        return;
      }
      case 'UserReactivated':
        await this.observeAll(tenant, change.data.userId, { type: 'UserReactivated', ...base }, meta);
        return;
      case 'UserRenamed':
      case 'UserExternalIdChanged':
      case 'UserRecreateRefused':
        return;
      default: {
        const exhaustive: never = change;
        throw new Error(`unknown user event ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private async group(tenant: string, change: GroupEvent, event: RecordedEvent, meta: EventMetadata): Promise<void> {
    let members: string[];
    let kind: 'added' | 'removed';
    let groupName: string;
    switch (change.type) {
      case 'GroupCreated':
        members = change.data.members.filter((m) => m.type !== 'Group').map((m) => m.value);
        kind = 'added';
        groupName = change.data.displayName;
        break;
      case 'GroupMembersAdded':
        members = change.data.members.filter((m) => m.type !== 'Group').map((m) => m.value);
        kind = 'added';
        groupName = this.sla.groupName(tenant, change.data.groupId) ?? change.data.groupId;
        break;
      case 'GroupMembersRemoved':
        members = change.data.members;
        kind = 'removed';
        groupName = this.sla.groupName(tenant, change.data.groupId) ?? change.data.groupId;
        break;
      case 'GroupDeleted':
        members = change.data.members;
        kind = 'removed';
        groupName = change.data.displayName;
        break;
      case 'GroupRenamed':
      case 'GroupExternalIdChanged':
        return;
      default: {
        const exhaustive: never = change;
        throw new Error(`unknown group event ${JSON.stringify(exhaustive)}`);
      }
    }
    const source: CaseSource = { type: 'MembershipChanged', eventId: event.id, at: change.data.at, groupId: change.data.groupId, groupName, change: kind };
    for (const member of members) await this.observeAll(tenant, member, source, meta);
  }

  /** The earliest of a termination signal, a deactivation and a deletion opens the leaver case; the others join it. */
  private async leaver(tenant: string, userId: string, userName: string, source: CaseSource, meta: EventMetadata): Promise<void> {
    const open = this.sla.openCaseOf(tenant, 'leaver', userId);
    if (open) return void (await this.observe(tenant, open, source, meta));
    const terms = this.terms(tenant, 'leaver');
    if (terms) await this.open(tenant, 'leaver', userId, userName, terms, source, meta);
  }

  private async observeAll(tenant: string, userId: string, source: CaseSource, meta: EventMetadata, except?: LifecycleKind): Promise<void> {
    for (const open of this.sla.openCasesOfUser(tenant, userId)) {
      if (open.kind !== except) await this.observe(tenant, open.caseId, source, meta);
    }
  }

  private async open(tenant: string, kind: LifecycleKind, userId: string, userName: string, terms: CaseTerms, source: CaseSource, meta: EventMetadata): Promise<void> {
    const caseId = caseIdFor(kind, source.eventId);
    const outcome = await this.cases.execute(tenant, caseId, (state) => ({
      type: 'OpenCase', caseId, kind, userId, userName, terms, source,
      facts: this.facts(tenant, userId, state.status === 'absent' ? terms : state.terms, source),
    }), meta);
    this.remember(tenant, outcome, source);
  }

  private async observe(tenant: string, caseId: string, source: CaseSource, meta: EventMetadata): Promise<void> {
    const outcome = await this.cases.execute(tenant, caseId, (state) =>
      state.status === 'absent' ? null : { type: 'ObserveCase', caseId, source, facts: this.facts(tenant, state.userId, state.terms, source) },
    meta);
    this.remember(tenant, outcome, source);
  }

  /**
   * Which cases are open, as far as this walk of the log has got. The case stream is read as it
   * is now, so on a replica catching up (new, or its sla.sqlite lost) a case closed further on in
   * the log already looks closed at its trigger; taken at its word, the deactivation that followed
   * would open a second, late case that breaches at once and pages on-call for a leaver handled
   * long ago. So a case stays open here until this decision closed it or the projection has
   * applied the event that did (SlaCaseProjection closes it then).
   */
  private remember(tenant: string, outcome: CaseOutcome, source: CaseSource): void {
    const state = outcome.state;
    if (state.status === 'absent') return;
    // The projection is only asked about a case that looks closed, not on every decision on an open one.
    const open = state.status === 'open' || (
      !outcome.events.some((e) => e.type === 'SlaCaseCompleted' || e.type === 'SlaCaseCancelled')
      && (this.sla.caseRow(tenant, state.caseId)?.status ?? 'open') === 'open'
    );
    this.sla.markCase(tenant, state.kind, state.userId, state.caseId, open);
    // Targets acknowledge the event they acted on: any event that moved a leaver case stands for it.
    if (state.kind === 'leaver' && source.type !== 'TargetAcknowledged') this.sla.addCaseSource(tenant, source.eventId, state.caseId);
  }

  /** What is true of the user right now (as of the event being handled), judged by the case's terms. */
  facts(tenant: string, userId: string, terms: CaseTerms, source: CaseSource): CaseFacts {
    const user = this.sla.user(tenant, userId);
    const groups = this.sla.groupsOf(tenant, userId);
    const rules = matcher(terms.groupRules);
    return {
      userState: user?.state ?? 'deleted',
      heldGroups: this.inScope(groups, terms),
      missingGroups: terms.expectedGroups.filter((expected) => !groups.some((g) => matcher([expected])(g.groupId, g.displayName))),
      ruleGroupChanged: source.type === 'MembershipChanged' && (terms.groupRules.includes('*') || rules(source.groupId, source.groupName)),
    };
  }

  /** Display names of the groups in the terms' scope (all, or the privileged ones) the user still holds. */
  heldGroups(tenant: string, userId: string, terms: CaseTerms): string[] {
    return this.inScope(this.sla.groupsOf(tenant, userId), terms);
  }

  private inScope(groups: Array<{ groupId: string; displayName: string }>, terms: CaseTerms): string[] {
    const privileged = matcher(terms.privilegedGroups);
    return groups.filter((g) => terms.scope === 'all' || privileged(g.groupId, g.displayName)).map((g) => g.displayName);
  }

  private terms(tenant: string, kind: LifecycleKind): CaseTerms | null {
    const current = this.sla.currentPolicy(tenant);
    return current ? termsOf(kind, current.policy, current.version) : null;
  }

  private metadata(event: RecordedEvent): EventMetadata {
    return {
      tenant: event.metadata.tenant,
      // The case's events share the correlation id of the request (or message) that moved it.
      correlationId: event.metadata.correlationId,
      causationId: event.id,
      requestId: null,
      idp: event.metadata.idp ?? null,
      tokenId: null,
      actor: this.actor,
    };
  }
}

export function termsOf(kind: LifecycleKind, policy: SlaPolicy, version: number): CaseTerms | null {
  const rule = policy[kind];
  if (!rule) return null;
  return {
    policyVersion: version,
    windowSeconds: rule.windowSeconds,
    severity: rule.severity,
    scope: rule.scope,
    privilegedGroups: rule.privilegedGroups,
    downstreamTargets: kind === 'leaver' ? policy.downstreamTargets : [],
    expectedGroups: kind === 'joiner' && policy.joiner ? policy.joiner.expectedGroups : [],
    groupRules: kind === 'mover' && policy.mover ? policy.mover.groupRules : [],
  };
}

/** Groups are named in policies by id or by displayName (case-insensitive). */
function matcher(names: string[]): (groupId: string, displayName: string) => boolean {
  const ids = new Set(names);
  const lower = new Set(names.map((n) => n.toLowerCase()));
  return (groupId, displayName) => ids.has(groupId) || lower.has(displayName.toLowerCase());
}
