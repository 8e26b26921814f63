import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the service exposes at /metrics. One registry per app instance (tests run
 * several). Label values are bounded: tenants and IdP labels are admin-created, resources and
 * scimTypes come from fixed lists, and anything else is folded into "other".
 */
export class LedgerMetrics {
  readonly registry = new Registry();

  readonly scimRequests = new Counter({
    name: 'scim_requests_total',
    help: 'SCIM requests by tenant, IdP label, method, resource, status and scimType',
    labelNames: ['tenant', 'idp', 'method', 'resource', 'status', 'scim_type'] as const,
    registers: [this.registry],
  });

  readonly scimRequestDuration = new Histogram({
    name: 'scim_request_duration_seconds',
    help: 'SCIM request latency from arrival to response',
    labelNames: ['method', 'resource'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'scim_auth_failures_total',
    help: 'Refused SCIM authentications by tenant (from the URL) and reason',
    labelNames: ['tenant', 'reason'] as const,
    registers: [this.registry],
  });

  readonly wrongTenantAttempts = new Counter({
    name: 'scim_wrong_tenant_attempts_total',
    help: 'Valid tokens used on another tenant\'s URL, by URL tenant and token tenant',
    labelNames: ['tenant', 'token_tenant'] as const,
    registers: [this.registry],
  });

  readonly appends = new Counter({
    name: 'event_store_appends_total',
    help: 'Appends to the event store by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly appendedEvents = new Counter({
    name: 'event_store_appended_events_total',
    help: 'Events appended to the event store',
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'event_store_append_duration_seconds',
    help: 'Time from append call to durable acknowledgement',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly projectionLagEvents = new Gauge({
    name: 'projection_lag_events',
    help: 'Events in the log not yet applied by a projection or relay',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLagSeconds = new Gauge({
    name: 'projection_lag_seconds',
    help: 'Age of the oldest event not yet applied by a projection or relay (0 when caught up)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  /** SLA and alerting metrics, set by the SLA module. */
  readonly slaOpenCases = new Gauge({
    name: 'sla_open_cases',
    help: 'Open lifecycle SLA cases by tenant and lifecycle',
    labelNames: ['tenant', 'lifecycle'] as const,
    registers: [this.registry],
  });

  readonly slaBreaches = new Counter({
    name: 'sla_breaches_total',
    help: 'SLA breaches recorded, by tenant, lifecycle and severity',
    labelNames: ['tenant', 'lifecycle', 'severity'] as const,
    registers: [this.registry],
  });

  readonly alertDeliveries = new Counter({
    name: 'alert_deliveries_total',
    help: 'Alert delivery attempts by route type and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

const RESOURCES = new Set(['Users', 'Groups', 'Bulk', '.search', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas']);
const SCIM_TYPES = new Set(['uniqueness', 'invalidFilter', 'invalidPath', 'noTarget', 'mutability', 'invalidSyntax', 'invalidValue', 'tooMany', 'invalidVers', 'sensitive', 'tooLarge']);

/** `/tenants/acme/scim/v2/Users/123` -> `Users`; anything unexpected -> `other`. */
export function resourceOf(path: string): string {
  const match = /^\/tenants\/[^/]+\/(?:scim\/v2\/([^/?]+)|(lifecycle))/.exec(path);
  const resource = match?.[1] ?? match?.[2];
  if (!resource) return 'other';
  if (resource === 'lifecycle') return 'lifecycle';
  return RESOURCES.has(resource) ? resource : 'other';
}

export function scimTypeLabel(scimType: string | null | undefined): string {
  if (!scimType) return '';
  return SCIM_TYPES.has(scimType) ? scimType : 'other';
}
