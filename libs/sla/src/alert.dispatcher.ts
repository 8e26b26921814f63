import { routeIds, type AlertRouteType, type SlaBreached, type SlaResolved } from '@ledger/domain';
import type { EventMetadata } from '@ledger/eventstore';
import type { AlertRouteSender } from './alert-routes';
import type { CaseRepository } from './case-repository';
import type { SlaCaseProjection } from './sla-case.projection';
import { inParallel } from './sla-timer.worker';
import type { DeliveryRow } from './sla-store';

export interface AlertDispatcherOptions {
  projection: SlaCaseProjection;
  cases: CaseRepository;
  sender: AlertRouteSender;
  /** This replica's name; deliveries it raised are its own to send. */
  worker: string;
  clock?: () => Date;
  /** First retry delay; doubles per attempt up to retryMaxMs, with ±20 % jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long past its due time another replica's delivery waits before this one takes it over. */
  leaseMs?: number;
  concurrency?: number;
  maxSleepMs?: number;
  random?: () => number;
  onError?: (error: Error) => void;
}

export interface AlertDispatcherStats {
  attempts: number;
  delivered: number;
  failed: number;
  takenOver: number;
}

/**
 * Sends breach and resolve alerts to the routes of the case's policy version, from an outbox that
 * is itself derived from the case streams: `SlaBreached` / `SlaResolved` raise one delivery per
 * route, every attempt is an `AlertDeliveryAttempted` event, and a failed attempt says when the
 * next one is due. Nothing is lost when a receiver is down or the process restarts; the delivery
 * is retried (with backoff) until the receiver takes it. The replica that raised an alert sends
 * it; another takes over (claiming it on the case stream with an expected revision) only after
 * it has been overdue for the lease, so two live replicas do not page twice.
 */
export class AlertDispatcher {
  readonly stats: AlertDispatcherStats = { attempts: 0, delivered: 0, failed: 0, takenOver: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;
  private readonly inFlight = new Set<string>();
  /** Attempts recorded by this worker that the projection may not show yet. */
  private readonly recorded = new Map<string, number>();
  private readonly clock: () => Date;
  private readonly leaseMs: number;

  constructor(private readonly options: AlertDispatcherOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.options.projection.on('deliveries', () => this.kick());
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.options.sender.close();
  }

  private kick(minDelayMs = 0): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.options.projection.sla.nextDeliveryDue(this.options.worker, this.leaseMs);
    if (next === null) return;
    const now = this.clock().getTime();
    const delay = Math.min(Math.max(0, next - now, minDelayMs), this.options.maxSleepMs ?? 300_000);
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref();
  }

  private run(): void {
    this.timer = null;
    if (this.stopped || this.running) return;
    let waiting = false;
    this.running = (async () => {
      try {
        waiting = await this.deliverDue();
      } catch (error) {
        this.options.onError?.(error as Error);
        waiting = true;
      }
    })().finally(() => {
      this.running = null;
      const again = this.rerun;
      this.rerun = false;
      this.kick(waiting && !again ? 1000 : 0);
    });
  }

  /** Returns true when due deliveries remained that must wait for something else first. */
  private async deliverDue(): Promise<boolean> {
    const sla = this.options.projection.sla;
    const now = this.clock().getTime();
    const due = sla.dueDeliveries(this.options.worker, now, this.leaseMs, 500);
    for (const [key, attempt] of this.recorded) {
      const row = due.find((d) => keyOf(d) === key);
      if (!row || row.attempts >= attempt) this.recorded.delete(key);
    }
    const ready = due.filter((d) => {
      const key = keyOf(d);
      if (this.inFlight.has(key) || (this.recorded.get(key) ?? 0) > d.attempts) return false;
      // A resolve never overtakes its own trigger on the same route.
      return d.alert === 'trigger' || !sla.triggerPending(d.tenant, d.caseId, d.routeId);
    });
    await inParallel(ready, this.options.concurrency ?? 16, (d) => this.deliver(d));
    return ready.length < due.length;
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const key = keyOf(row);
    const { cases, projection, worker } = this.options;
    const sla = projection.sla;
    this.inFlight.add(key);
    try {
      const metadata = this.metadata(row.tenant, row.caseId);
      if (row.owner !== worker) {
        const revision = sla.caseRevision(row.tenant, row.caseId);
        try {
          await cases.execute(row.tenant, row.caseId, () => ({
            type: 'ClaimDelivery', caseId: row.caseId, alert: row.alert, routeId: row.routeId, worker, at: this.clock().toISOString(),
          }), metadata, { expected: revision });
        } catch (error) {
          if ((error as { code?: string }).code === 'WRONG_EXPECTED_REVISION') return;
          throw error;
        }
        this.stats.takenOver += 1;
      }
      const caseRow = sla.caseRow(row.tenant, row.caseId);
      if (!caseRow) return;
      // Another replica may have claimed it since this projection last looked.
      const newer = await cases.eventsAfter(row.tenant, row.caseId, caseRow.revision);
      if (newer.some((e) => e.type === 'AlertDeliveryClaimed' && e.data.alert === row.alert && e.data.routeId === row.routeId && e.data.worker !== worker)) return;
      const policy = sla.policy(row.tenant, caseRow.policyVersion);
      const index = policy ? routeIds(policy).indexOf(row.routeId) : -1;
      const timeline = sla.timeline(row.tenant, row.caseId);
      const breach = [...timeline].reverse().find((t) => t.type === 'SlaBreached');
      const resolution = [...timeline].reverse().find((t) => t.type === 'SlaResolved');
      const now = this.clock();
      const result = index < 0
        ? { delivered: false, statusCode: null, error: `route ${row.routeId} is not in policy version ${caseRow.policyVersion}` }
        : await this.options.sender.send(policy!.routes[index]!, {
          tenant: row.tenant,
          alert: row.alert,
          state: caseRow.state,
          breach: (breach?.data as SlaBreached['data'] | undefined) ?? null,
          resolution: (resolution?.data as SlaResolved['data'] | undefined) ?? null,
          timeline,
          now,
        });
      const attempt = row.attempts + 1;
      const at = this.clock();
      this.stats.attempts += 1;
      if (result.delivered) this.stats.delivered += 1;
      else this.stats.failed += 1;
      await cases.execute(row.tenant, row.caseId, () => ({
        type: 'RecordDeliveryAttempt',
        caseId: row.caseId,
        alert: row.alert,
        routeId: row.routeId,
        routeType: row.routeType as AlertRouteType,
        attempt,
        outcome: result.delivered ? 'delivered' : 'failed',
        statusCode: result.statusCode,
        error: result.error,
        nextAttemptAt: result.delivered ? null : new Date(at.getTime() + this.backoff(attempt)).toISOString(),
        at: at.toISOString(),
      }), metadata, { expected: 'any' });
      this.recorded.set(key, attempt);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.retryBaseMs ?? 1000;
    const max = this.options.retryMaxMs ?? 300_000;
    const delay = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
    return Math.round(delay * (0.8 + 0.4 * (this.options.random ?? Math.random)()));
  }

  private metadata(tenant: string, caseId: string): EventMetadata {
    return { tenant, correlationId: caseId, causationId: null, requestId: null, idp: null, tokenId: null, actor: `sla:${this.options.worker}` };
  }
}

function keyOf(row: DeliveryRow): string {
  return `${row.tenant}\u0000${row.caseId}\u0000${row.alert}\u0000${row.routeId}`;
}
