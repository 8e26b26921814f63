import type { EventStore } from '@ledger/eventstore';
import type { MessagePublisher } from '@ledger/kafka';
import { AlertDispatcher } from './alert.dispatcher';
import { AlertRouteSender } from './alert-routes';
import { CaseRepository } from './case-repository';
import { LifecycleProcessManager } from './lifecycle-process-manager';
import { SlaCaseProjection } from './sla-case.projection';
import { buildSlaReport, caseDetail, listCases, slaReportCsv, type CaseStatusFilter } from './sla-report';
import { SlaStore } from './sla-store';
import { SlaTimerWorker } from './sla-timer.worker';

export interface SlaRuntimeOptions {
  store: EventStore;
  /** The projection's SQLite file (DATA_DIR/sla.sqlite), one per replica. */
  path: string;
  /** Name of this replica as a delivery owner; default: generated once and kept in the file. */
  worker?: string;
  /** Run timers and alert delivery here (false: an API-only replica that still projects cases). */
  timers?: boolean;
  clock?: () => Date;
  retryBaseMs?: number;
  retryMaxMs?: number;
  leaseMs?: number;
  deliveryTimeoutMs?: number;
  maxSleepMs?: number;
  publisher?: MessagePublisher | null;
  /** Close the publisher on stop (it was made for this runtime). */
  ownsPublisher?: boolean;
  alertsTopic?: string;
  env?: NodeJS.ProcessEnv;
  /** Routing keys kept outside the log (RouteSecretStore.get). */
  secret?: (ref: string) => string | undefined;
  /** Where the `log` route writes. */
  log?: (entry: Record<string, unknown>) => void;
  onError?: (error: Error, part: 'projection' | 'timer' | 'delivery') => void;
}

/**
 * The SLA slice of one replica: the case projection with its process manager, the timer worker
 * and the alert dispatcher, over one event store. Several runtimes may share a store (each with
 * its own projection file); breaches and takeovers stay exactly-once through expected revisions.
 */
export class SlaRuntime {
  readonly sla: SlaStore;
  readonly cases: CaseRepository;
  readonly processManager: LifecycleProcessManager;
  readonly projection: SlaCaseProjection;
  readonly timer: SlaTimerWorker;
  readonly dispatcher: AlertDispatcher;
  readonly worker: string;
  private started = false;

  constructor(private readonly options: SlaRuntimeOptions) {
    this.sla = new SlaStore(options.path);
    this.worker = options.worker ?? this.sla.workerId();
    const actor = `sla:${this.worker}`;
    this.cases = new CaseRepository(options.store);
    this.processManager = new LifecycleProcessManager(this.sla, this.cases, actor);
    this.projection = new SlaCaseProjection(options.store, this.sla, this.processManager, {
      onError: (error) => options.onError?.(error, 'projection'),
    });
    this.timer = new SlaTimerWorker({
      store: options.store,
      projection: this.projection,
      cases: this.cases,
      actor,
      heldGroups: (tenant, userId, terms) => this.processManager.heldGroups(tenant, userId, terms),
      clock: options.clock,
      maxSleepMs: options.maxSleepMs,
      onError: (error) => options.onError?.(error, 'timer'),
    });
    this.dispatcher = new AlertDispatcher({
      projection: this.projection,
      cases: this.cases,
      sender: new AlertRouteSender({
        env: options.env,
        secret: options.secret,
        timeoutMs: options.deliveryTimeoutMs,
        publisher: options.publisher ?? null,
        alertsTopic: options.alertsTopic,
        log: options.log,
      }),
      worker: this.worker,
      clock: options.clock,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
      leaseMs: options.leaseMs,
      maxSleepMs: options.maxSleepMs,
      onError: (error) => options.onError?.(error, 'delivery'),
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.projection.start();
    if (this.options.timers !== false) {
      this.timer.start();
      this.dispatcher.start();
    }
  }

  async stop(): Promise<void> {
    if (this.started) {
      this.started = false;
      await this.timer.stop();
      await this.dispatcher.stop();
      await this.projection.stop();
    }
    this.sla.close();
    if (this.options.ownsPublisher) await this.options.publisher?.close().catch(() => undefined);
  }

  get position(): bigint {
    return this.projection.position;
  }

  headPosition(): Promise<bigint> {
    return this.options.store.headPosition();
  }

  listCases(tenant: string, status: CaseStatusFilter, limit: number) {
    return listCases(this.sla, tenant, status, limit, this.now());
  }

  caseDetail(tenant: string, caseId: string) {
    return caseDetail(this.sla, tenant, caseId, this.now(), (row) => this.processManager.heldGroups(tenant, row.userId, row.state.terms));
  }

  report(tenant: string, from: string, to: string) {
    return buildSlaReport(this.sla, tenant, from, to, this.now());
  }

  reportCsv(tenant: string, from: string, to: string): string {
    return slaReportCsv(this.sla, tenant, from, to, this.now());
  }

  /** The open case of this kind for a user, as the projection knows it now. */
  openCaseOf(tenant: string, kind: 'joiner' | 'mover' | 'leaver', userId: string): string | null {
    return this.sla.openCaseOf(tenant, kind, userId);
  }

  private now(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }
}
