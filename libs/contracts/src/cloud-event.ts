/**
 * CloudEvents 1.0 in the Kafka protocol binding's binary content mode: the attributes travel as
 * `ce_`-prefixed headers and the Kafka value is the event data alone, so consumers that do not
 * know CloudEvents still get plain JSON.
 */
export const CLOUD_EVENTS_SPEC_VERSION = '1.0';

/** Prefix of every event type this service publishes; reverse-DNS style as the spec advises. */
export const EVENT_TYPE_PREFIX = 'io.scim-ledger';

export const CE_HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  /** Extension attributes: lower-case alphanumerics only, per the CloudEvents naming rules. */
  tenant: 'ce_tenant',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  contentType: 'content-type',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';

export function cloudEventType(eventType: string, version: number): string {
  return `${EVENT_TYPE_PREFIX}.${eventType}.v${version}`;
}

/** `/tenants/<tenant>`: the same path prefix the tenant's SCIM and audit APIs live under. */
export function tenantSource(tenant: string): string {
  return `/tenants/${encodeURIComponent(tenant)}`;
}

export interface CloudEventAttributes {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  tenant?: string;
  correlationid?: string;
  causationid?: string;
  datacontenttype?: string;
}

type HeaderValue = string | Buffer | Array<string | Buffer> | undefined;

/**
 * Reads CloudEvent attributes back from Kafka headers as a client hands them over (kafkajs gives
 * Buffers). Returns null when a required attribute is missing: the message is not a CloudEvent.
 */
export function readCloudEventHeaders(headers: Record<string, HeaderValue> | undefined): CloudEventAttributes | null {
  if (!headers) return null;
  const get = (name: string): string | undefined => {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value === undefined ? undefined : value.toString();
  };
  const specversion = get(CE_HEADERS.specVersion);
  const id = get(CE_HEADERS.id);
  const source = get(CE_HEADERS.source);
  const type = get(CE_HEADERS.type);
  if (!specversion || !id || !source || !type) return null;
  return {
    specversion,
    id,
    source,
    type,
    time: get(CE_HEADERS.time),
    subject: get(CE_HEADERS.subject),
    tenant: get(CE_HEADERS.tenant),
    correlationid: get(CE_HEADERS.correlationId),
    causationid: get(CE_HEADERS.causationId),
    datacontenttype: get(CE_HEADERS.contentType),
  };
}
