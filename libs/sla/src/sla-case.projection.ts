import {
  DomainError,
  evolveSlaCase,
  initialSlaCase,
  routeId,
  streamCategory,
  type GroupEvent,
  type SlaCaseEvent,
  type SlaPolicySet,
  type UserEvent,
} from '@ledger/domain';
import type { EventStore, RecordedEvent, Subscription } from '@ledger/eventstore';
import type { LifecycleProcessManager } from './lifecycle-process-manager';
import type { SlaStore } from './sla-store';

export type ProjectionChange = 'deadlines' | 'deliveries';

export interface SlaCaseProjectionOptions {
  batchSize?: number;
  /**
   * Pause after a batch smaller than batchSize, so a busy log is applied in fewer, larger
   * transactions instead of one per group commit. Nobody waits on this projection within a
   * request; timers and reports can take the extra lag. 0 turns it off.
   */
  coalesceMs?: number;
  /** First wait after the subscription failed (the store was unavailable); doubles up to 30 s. */
  restartDelayMs?: number;
  onError?: (error: Error) => void;
}

/** `sla:<worker>` as the actor of what an SLA worker appends; the worker part names a delivery's owner. */
export function workerOfActor(actor: string): string {
  return actor.startsWith('sla:') ? actor.slice(4) : actor;
}

/**
 * The case projection: a catch-up subscription over the whole log with its checkpoint in
 * sla.sqlite. Each event first updates the tables (facts, cases, timeline, the delivery outbox),
 * then, when it can move a lifecycle case, goes through the process manager before the
 * checkpoint passes it. Timer workers and alert dispatchers read only from here.
 */
export class SlaCaseProjection {
  private subscription: Subscription | null = null;
  private supervisor: Promise<void> | null = null;
  private stopping = false;
  private wakeSupervisor: (() => void) | null = null;
  private failure: Error | null = null;
  private readonly listeners = new Map<ProjectionChange, Set<() => void>>();
  private positionValue: bigint;

  constructor(
    private readonly store: EventStore,
    readonly sla: SlaStore,
    private readonly processManager: LifecycleProcessManager,
    private readonly options: SlaCaseProjectionOptions = {},
  ) {
    this.positionValue = sla.checkpoint();
  }

  start(): void {
    if (this.supervisor) return;
    this.stopping = false;
    this.supervisor = this.supervise();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSupervisor?.();
    await this.subscription?.stop();
    await this.supervisor;
    this.supervisor = null;
  }

  /** Position of the last event fully handled (tables and process manager). */
  get position(): bigint {
    return this.positionValue;
  }

  get error(): Error | null {
    return this.failure;
  }

  on(change: ProjectionChange, listener: () => void): () => void {
    let set = this.listeners.get(change);
    if (!set) this.listeners.set(change, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async caughtUp(): Promise<void> {
    for (;;) {
      const subscription = this.subscription;
      if (subscription) return subscription.caughtUp();
      await new Promise((r) => setTimeout(r, 10));
      if (this.stopping) return;
    }
  }

  /**
   * Resolves once every event up to `position` is in the tables and its cases are decided, and
   * the case events those decisions appended (a case opened, a milestone) are in the tables too.
   */
  async waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.reach(position, deadline, timeoutMs);
    // Decisions for events up to `position` were appended before the position moved past them.
    const decided = this.processManager.decidedUpTo;
    if (decided > position) await this.reach(decided, deadline, timeoutMs);
  }

  private async reach(position: bigint, deadline: number, timeoutMs: number): Promise<void> {
    while (this.positionValue < position) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.stopping) throw new Error(`the SLA projection did not reach position ${position} within ${timeoutMs} ms (at ${this.positionValue})`);
      const subscription = this.subscription;
      if (!subscription) {
        await new Promise((r) => setTimeout(r, Math.min(50, remaining)));
        continue;
      }
      await subscription.waitFor(position, remaining).catch(() => undefined);
    }
  }

  private async supervise(): Promise<void> {
    let delay = this.options.restartDelayMs ?? 500;
    while (!this.stopping) {
      const batchSize = this.options.batchSize ?? 500;
      const coalesceMs = this.options.coalesceMs ?? 50;
      const subscription = this.store.subscribeToAll({ after: this.sla.checkpoint(), batchSize, coalesceMs }, (batch) => this.handle(batch));
      this.subscription = subscription;
      try {
        await subscription.done;
        return;
      } catch (error) {
        this.failure = error as Error;
        this.options.onError?.(error as Error);
      }
      if (this.stopping) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeSupervisor = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, 30_000);
    }
  }

  private async handle(batch: RecordedEvent[]): Promise<void> {
    const changed = new Set<ProjectionChange>();
    let i = 0;
    while (i < batch.length) {
      let work: RecordedEvent | null = null;
      this.sla.transaction(() => {
        let last: bigint | null = null;
        for (; i < batch.length; i++) {
          const event = batch[i]!;
          this.apply(event, changed);
          if (this.processManager.relevant(event)) {
            work = event;
            i++;
            break;
          }
          last = event.position;
        }
        if (last !== null) this.sla.saveCheckpoint(last);
      });
      if (work !== null) {
        const event: RecordedEvent = work;
        try {
          await this.processManager.handle(event);
        } catch (error) {
          // A fact the domain refuses (a malformed event from another writer) must not stop every
          // other tenant's cases: it is reported and passed. Store failures propagate and retry.
          if (!(error instanceof DomainError)) throw error;
          this.options.onError?.(new Error(`event ${event.id} (${event.type} on ${event.streamId}) was not applied to SLA cases: ${error.message}`));
        }
        this.sla.saveCheckpoint(event.position);
      }
      this.positionValue = this.sla.checkpoint();
    }
    this.failure = null;
    for (const change of changed) for (const listener of this.listeners.get(change) ?? []) listener();
  }

  /** Table updates only; idempotent, so an event replayed after a crash leaves the same rows. */
  private apply(event: RecordedEvent, changed: Set<ProjectionChange>): void {
    const tenant = event.metadata.tenant;
    switch (streamCategory(event.streamId)) {
      case 'slaPolicy':
        if (event.type === 'SlaPolicySet') {
          const d = (event as RecordedEvent<SlaPolicySet['data']>).data;
          this.sla.putPolicy(tenant, d.version, d.policy, d.at);
        }
        return;
      case 'user':
        this.applyUser(tenant, { type: event.type, data: event.data } as UserEvent);
        return;
      case 'group':
        this.applyGroup(tenant, { type: event.type, data: event.data } as GroupEvent);
        return;
      case 'slaCase':
        this.applyCase(tenant, event, changed);
        return;
      default:
        return;
    }
  }

  private applyUser(tenant: string, event: UserEvent): void {
    const d = event.data;
    switch (event.type) {
      case 'UserProvisioned':
        this.sla.putUser(tenant, event.data.userId, event.data.userName, event.data.active ? 'active' : 'inactive');
        return;
      case 'UserRenamed':
        this.sla.renameUser(tenant, d.userId, event.data.to);
        return;
      case 'UserDeactivated':
        this.sla.setUserState(tenant, d.userId, 'inactive');
        return;
      case 'UserReactivated':
        this.sla.setUserState(tenant, d.userId, 'active');
        return;
      case 'UserDeleted':
        this.sla.setUserState(tenant, d.userId, 'deleted');
        this.sla.removeMemberEverywhere(tenant, d.userId);
        return;
      case 'UserExternalIdChanged':
      case 'UserAttributesChanged':
      case 'UserRecreateRefused':
        return;
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown user event ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private applyGroup(tenant: string, event: GroupEvent): void {
    switch (event.type) {
      case 'GroupCreated':
        this.sla.putGroup(tenant, event.data.groupId, event.data.displayName);
        for (const m of event.data.members) this.sla.addMember(tenant, event.data.groupId, m.value);
        return;
      case 'GroupRenamed':
        this.sla.putGroup(tenant, event.data.groupId, event.data.to);
        return;
      case 'GroupMembersAdded':
        for (const m of event.data.members) this.sla.addMember(tenant, event.data.groupId, m.value);
        return;
      case 'GroupMembersRemoved':
        for (const id of event.data.members) this.sla.removeMember(tenant, event.data.groupId, id);
        return;
      case 'GroupDeleted':
        this.sla.deleteGroup(tenant, event.data.groupId);
        return;
      case 'GroupExternalIdChanged':
        return;
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown group event ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private applyCase(tenant: string, event: RecordedEvent, changed: Set<ProjectionChange>): void {
    const caseEvent = { type: event.type, data: event.data } as SlaCaseEvent;
    const caseId = caseEvent.data.caseId;
    if (event.revision <= this.sla.caseRevision(tenant, caseId)) return;
    const before = this.sla.caseRow(tenant, caseId)?.state ?? initialSlaCase;
    const after = evolveSlaCase(before, caseEvent);
    if (after.status === 'absent') return;
    this.sla.putCase(tenant, after, event.revision, event.position);
    // The process manager keeps a case it joined open until this walk of the log reaches its close.
    if (after.status !== 'open') this.sla.markCase(tenant, after.kind, after.userId, caseId, false);
    const at = 'at' in caseEvent.data ? caseEvent.data.at : event.metadata.recordedAt;
    this.sla.addTimeline(tenant, caseId, event.revision, event.type, at, event.metadata.recordedAt, event.metadata.actor, event.data);
    const owner = workerOfActor(event.metadata.actor);
    switch (caseEvent.type) {
      case 'SlaCaseOpened':
      case 'SlaCaseCompleted':
      case 'SlaCaseCancelled':
        changed.add('deadlines');
        return;
      case 'SlaMilestoneRecorded':
        if (caseEvent.data.deadline) changed.add('deadlines');
        return;
      case 'SlaBreached':
      case 'SlaResolved': {
        changed.add('deadlines');
        changed.add('deliveries');
        const policy = this.sla.policy(tenant, after.terms.policyVersion);
        const alert = caseEvent.type === 'SlaBreached' ? 'trigger' : 'resolve';
        policy?.routes.forEach((route, index) => {
          this.sla.raiseDelivery(tenant, caseId, alert, routeId(route, index), route.type, Date.parse(caseEvent.data.at), owner, caseEvent.data.at);
        });
        return;
      }
      case 'AlertDeliveryAttempted': {
        const d = caseEvent.data;
        changed.add('deliveries');
        this.sla.recordAttempt({
          tenant, caseId, alert: d.alert, routeId: d.routeId, attempt: d.attempt, delivered: d.outcome === 'delivered',
          dueMs: d.nextAttemptAt ? Date.parse(d.nextAttemptAt) : Date.parse(d.at), owner, statusCode: d.statusCode, error: d.error, at: d.at,
        });
        return;
      }
      case 'AlertDeliveryClaimed':
        changed.add('deliveries');
        this.sla.claimDelivery(tenant, caseId, caseEvent.data.alert, caseEvent.data.routeId, caseEvent.data.worker, Date.parse(caseEvent.data.at));
        return;
      default: {
        const exhaustive: never = caseEvent;
        throw new Error(`unknown SLA case event ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}
