import type { AlertKind, AlertRoute, OpenedSlaCase, SlaBreached, SlaResolved } from '@ledger/domain';
import type { MessagePublisher } from '@ledger/kafka';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TimelineRow } from './sla-store';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/**
 * Alertmanager resolves an alert nobody re-sends after its resolve_timeout (5 min by default);
 * a breach is sent once, so it carries an explicit end this far ahead and the resolve ends it.
 */
const ALERTMANAGER_HOLD_MS = 7 * 24 * 3600 * 1000;

/** Everything a route needs to describe one alert of one case. */
export interface AlertContext {
  tenant: string;
  alert: AlertKind;
  state: OpenedSlaCase;
  breach: SlaBreached['data'] | null;
  resolution: SlaResolved['data'] | null;
  timeline: TimelineRow[];
  now: Date;
}

export interface DeliveryResult {
  delivered: boolean;
  statusCode: number | null;
  /** Why it failed, without URLs or keys. */
  error: string | null;
}

export interface AlertRouteSenderOptions {
  /** Where `pagerduty.routingKeyEnv` is looked up. */
  env?: NodeJS.ProcessEnv;
  /** Where `pagerduty.routingKeyRef` is looked up (the replica's RouteSecretStore). */
  secret?: (ref: string) => string | undefined;
  timeoutMs?: number;
  /** The Kafka route's publisher; without one the route fails (and retries) with a clear reason. */
  publisher?: MessagePublisher | null;
  alertsTopic?: string;
  log?: (entry: Record<string, unknown>) => void;
}

/** Formats an alert for each kind of route and sends it once. Retrying is the dispatcher's business. */
export class AlertRouteSender {
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

  constructor(private readonly options: AlertRouteSenderOptions = {}) {
    this.env = options.env ?? process.env;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(route: AlertRoute, context: AlertContext): Promise<DeliveryResult> {
    switch (route.type) {
      case 'pagerduty': {
        const key = route.routingKey ?? (route.routingKeyEnv ? this.env[route.routingKeyEnv] : route.routingKeyRef ? this.options.secret?.(route.routingKeyRef) : undefined);
        if (!key) {
          const error = route.routingKeyEnv
            ? `the routing key variable ${route.routingKeyEnv} is not set`
            : `the routing key ${route.routingKeyRef ?? ''} is not in this replica's DATA_DIR (route-secrets.json); with several replicas, give the key by routingKeyEnv`;
          return { delivered: false, statusCode: null, error };
        }
        return this.post(route.url ?? PAGERDUTY_EVENTS_URL, pagerDutyEvent(key, context), {});
      }
      case 'alertmanager':
        return this.post(`${route.url.replace(/\/+$/, '')}/api/v2/alerts`, alertmanagerAlerts(context), {});
      case 'webhook':
        return this.post(route.url, webhookBody(context), { 'idempotency-key': `${context.state.caseId}:${context.alert}` });
      case 'kafka': {
        const publisher = this.options.publisher;
        if (!publisher) return { delivered: false, statusCode: null, error: 'Kafka is not configured on this replica (KAFKA_BROKERS)' };
        try {
          await publisher.send(route.topic ?? this.options.alertsTopic ?? 'scim-ledger.alerts', [{
            key: context.state.caseId,
            value: JSON.stringify(webhookBody(context)),
            headers: { 'content-type': 'application/json', 'sla-alert': context.alert, tenant: context.tenant },
          }]);
          return { delivered: true, statusCode: null, error: null };
        } catch (error) {
          return { delivered: false, statusCode: null, error: describe(error) };
        }
      }
      case 'log':
        (this.options.log ?? ((entry) => process.stdout.write(`${JSON.stringify(entry)}\n`)))({ msg: 'SLA alert', ...webhookBody(context) });
        return { delivered: true, statusCode: null, error: null };
      default: {
        const exhaustive: never = route;
        return { delivered: false, statusCode: null, error: `unknown route ${JSON.stringify(exhaustive)}` };
      }
    }
  }

  /** Drops the kept-alive connections to receivers. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** A JSON POST over node:http with kept-alive connections: a burst of breaches reuses them. */
  private post(url: string, body: unknown, headers: Record<string, string>): Promise<DeliveryResult> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ delivered: false, statusCode: null, error: 'the route URL is not valid' });
        return;
      }
      const payload = Buffer.from(JSON.stringify(body));
      const secure = target.protocol === 'https:';
      let settled = false;
      const finish = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const request = (secure ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        agent: secure ? this.https : this.http,
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'scim-ledger-sla/1', ...headers },
      }, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < 4096) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', (error) => finish({ delivered: false, statusCode: response.statusCode ?? null, error: describe(error) }));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return finish({ delivered: true, statusCode: status, error: null });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 300);
          finish({ delivered: false, statusCode: status, error: text || response.statusMessage || null });
        });
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish({ delivered: false, statusCode: null, error: 'timed out' });
      }, this.timeoutMs);
      request.on('error', (error) => finish({ delivered: false, statusCode: null, error: describe(error) }));
      request.end(payload);
    });
  }
}

/** The evidence on-call needs, the same in every route: who, which policy, the window, the timeline. */
export function alertEvidence(context: AlertContext): Record<string, unknown> {
  const { state } = context;
  const endedAt = context.resolution?.at ?? context.now.toISOString();
  return {
    tenant: context.tenant,
    caseId: state.caseId,
    kind: state.kind,
    severity: state.terms.severity,
    user: { id: state.userId, userName: state.userName },
    policy: {
      version: state.terms.policyVersion,
      windowSeconds: state.terms.windowSeconds,
      scope: state.terms.scope,
      privilegedGroups: state.terms.privilegedGroups,
      downstreamTargets: state.terms.downstreamTargets,
    },
    window: { startedAt: state.startedAt, deadline: state.deadline, seconds: state.terms.windowSeconds },
    elapsedSeconds: Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(state.startedAt)) / 1000)),
    // What is still to do; a resolve has nothing left, and says what was missing when it breached.
    outstanding: context.resolution ? [] : (context.breach?.outstanding ?? []),
    outstandingAtBreach: context.breach?.outstanding ?? [],
    breachedAt: context.breach?.at ?? null,
    resolvedAt: context.resolution?.at ?? null,
    resolution: context.resolution ? context.resolution.reason : null,
    milestones: context.timeline
      .filter((t) => t.type === 'SlaMilestoneRecorded')
      .map((t) => ({ milestone: t.data['milestone'], at: t.at, ...(t.data['detail'] as Record<string, unknown>) })),
  };
}

export function alertSummary(context: AlertContext): string {
  const { state } = context;
  const kind = state.kind[0]!.toUpperCase() + state.kind.slice(1);
  const missing = context.breach?.outstanding.length ? `: ${context.breach.outstanding.join('; ')}` : '';
  const text = context.alert === 'trigger'
    ? `${kind} SLA breached for ${state.userName} in ${context.tenant}: ${formatWindow(state.terms.windowSeconds)} window ended ${state.deadline}${missing}`
    : `${kind} SLA for ${state.userName} in ${context.tenant} resolved (${context.resolution?.reason ?? 'completed'}) at ${context.resolution?.at ?? context.now.toISOString()}`;
  return text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
}

/** PagerDuty Events API v2: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ */
export function pagerDutyEvent(routingKey: string, context: AlertContext): Record<string, unknown> {
  if (context.alert === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: context.state.caseId };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: context.state.caseId,
    client: 'scim-ledger',
    payload: {
      summary: alertSummary(context),
      source: `scim-ledger/${context.tenant}`,
      severity: context.state.terms.severity,
      timestamp: context.breach?.at ?? context.now.toISOString(),
      component: `${context.state.kind}-sla`,
      group: context.tenant,
      class: 'lifecycle-sla-breach',
      custom_details: alertEvidence(context),
    },
  };
}

/** Alertmanager API v2 `POST /api/v2/alerts`: one alert, labelled by case; the resolve sets endsAt. */
export function alertmanagerAlerts(context: AlertContext): Array<Record<string, unknown>> {
  const startsAt = context.breach?.at ?? context.now.toISOString();
  const endsAt = context.alert === 'resolve'
    ? (context.resolution?.at ?? context.now.toISOString())
    : new Date(Date.parse(startsAt) + ALERTMANAGER_HOLD_MS).toISOString();
  const evidence = alertEvidence(context);
  return [{
    labels: { alertname: 'SlaBreached', tenant: context.tenant, severity: context.state.terms.severity, case: context.state.caseId, kind: context.state.kind },
    annotations: {
      summary: alertSummary(context),
      user: context.state.userName,
      deadline: context.state.deadline,
      outstanding: (context.alert === 'resolve' ? [] : (context.breach?.outstanding ?? [])).join('; '),
      evidence: JSON.stringify(evidence),
    },
    startsAt,
    endsAt,
  }];
}

export function webhookBody(context: AlertContext): Record<string, unknown> {
  return {
    type: context.alert === 'trigger' ? 'SlaBreached' : 'SlaResolved',
    alert: context.alert,
    summary: alertSummary(context),
    ...alertEvidence(context),
  };
}

function formatWindow(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A failure in a few words: the error code or name, never the URL it was sent to. */
export function describe(error: unknown): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code) return code;
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  const message = (error as Error).message ?? String(error);
  return message.replace(/https?:\/\/\S+/g, '<url>').slice(0, 300);
}
