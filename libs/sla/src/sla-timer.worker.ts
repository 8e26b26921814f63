import type { CaseTerms } from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import type { CaseRepository } from './case-repository';
import type { SlaCaseProjection } from './sla-case.projection';
import type { DueCase } from './sla-store';

export interface SlaTimerWorkerOptions {
  store: EventStore;
  projection: SlaCaseProjection;
  cases: CaseRepository;
  /** Actor of the breaches this worker records: `sla:<worker>`. */
  actor: string;
  /** Groups in a case's scope the user still holds, for the breach evidence. */
  heldGroups: (tenant: string, userId: string, terms: CaseTerms) => string[];
  clock?: () => Date;
  batchSize?: number;
  concurrency?: number;
  /** Longest sleep even when the next deadline is further away, against wall-clock jumps. */
  maxSleepMs?: number;
  onError?: (error: Error) => void;
}

export interface SlaTimerStats {
  wakeups: number;
  breached: number;
  /** Due cases another worker (or the process manager) had already breached or closed. */
  alreadyDecided: number;
  /** Appends that lost the race and were decided again on the winner's events. */
  conflicts: number;
}

/**
 * Records `SlaBreached` for cases whose window has ended. Sleeps until the earliest deadline in
 * the case projection (one timer, no polling) and wakes early when the projection reports a new
 * or moved deadline. Any number of workers may run against one store: each breach is appended
 * with the case stream's expected revision, so exactly one of them records it.
 */
export class SlaTimerWorker {
  readonly stats: SlaTimerStats = { wakeups: 0, breached: 0, alreadyDecided: 0, conflicts: 0 };
  private timer: NodeJS.Timeout | null = null;
  private scheduledFor: number | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;
  /** Cases this worker found decided at a revision the projection has not caught up with yet. */
  private readonly settled = new Map<string, number>();
  private readonly clock: () => Date;

  constructor(private readonly options: SlaTimerWorkerOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.options.projection.on('deadlines', () => this.reschedule());
    this.reschedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.clearTimer();
    await this.running;
  }

  /** When the timer will next wake, ms since the epoch; null while there is nothing to wait for. */
  get nextWake(): number | null {
    return this.scheduledFor;
  }

  private reschedule(minDelayMs = 0): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    const next = this.options.projection.sla.nextDeadline();
    if (next === null) {
      this.clearTimer();
      return;
    }
    const now = this.clock().getTime();
    const wake = Math.max(next, now + minDelayMs);
    if (this.timer && this.scheduledFor === wake) return;
    this.clearTimer();
    const delay = Math.min(Math.max(0, wake - now), this.options.maxSleepMs ?? 300_000);
    this.scheduledFor = now + delay;
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.scheduledFor = null;
  }

  private fire(): void {
    this.timer = null;
    this.scheduledFor = null;
    if (this.stopped || this.running) return;
    this.stats.wakeups += 1;
    let idleSpin = false;
    this.running = (async () => {
      try {
        idleSpin = await this.breachDue();
      } catch (error) {
        this.options.onError?.(error as Error);
        idleSpin = true;
      }
    })().finally(() => {
      this.running = null;
      const again = this.rerun;
      this.rerun = false;
      // Due cases that are all someone else's wait for the projection to show it (it wakes us).
      this.reschedule(idleSpin && !again ? 250 : 0);
    });
  }

  /** Returns true when due cases remained that this worker could not act on yet. */
  private async breachDue(): Promise<boolean> {
    const { projection, store } = this.options;
    const batchSize = this.options.batchSize ?? 500;
    for (;;) {
      const now = this.clock();
      // Nothing recorded before now may be missed: a completion already in the log closes the
      // case before its breach is considered.
      await projection.waitFor(await store.headPosition());
      const due = projection.sla.dueCases(now.getTime(), batchSize);
      const live = new Set(due.map((d) => d.caseId));
      for (const caseId of this.settled.keys()) if (!live.has(caseId)) this.settled.delete(caseId);
      const actionable = due.filter((d) => this.settled.get(d.caseId) !== d.revision);
      if (actionable.length === 0) return due.length > 0;
      await inParallel(actionable, this.options.concurrency ?? 32, (d) => this.breach(d, now));
      if (due.length < batchSize || this.stopped) return false;
    }
  }

  private async breach(due: DueCase, now: Date): Promise<void> {
    const outcome = await this.options.cases.execute(
      due.tenant,
      due.caseId,
      (state) => state.status === 'absent'
        ? null
        : { type: 'BreachCase', caseId: due.caseId, at: now.toISOString(), heldGroups: this.options.heldGroups(due.tenant, state.userId, state.terms) },
      { tenant: due.tenant, correlationId: due.caseId, causationId: null, requestId: null, idp: null, tokenId: null, actor: this.options.actor },
    );
    this.stats.conflicts += outcome.conflicts;
    if (outcome.events.length > 0) this.stats.breached += 1;
    else this.stats.alreadyDecided += 1;
    this.settled.set(due.caseId, due.revision);
  }
}

export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  await Promise.all(runners);
  if (errors.length > 0) throw errors[0];
}
