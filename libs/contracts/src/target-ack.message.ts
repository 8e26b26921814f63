/**
 * What a downstream target (an HR system, a SaaS app connector, ...) publishes on the acks topic
 * after it has acted on one of our events or SLA cases. Version 1 of the contract, JSON:
 *
 *   {"targetId": "github", "caseId": "leaver-1234", "outcome": "applied", "at": "2026-03-03T10:00:00Z"}
 *
 * The tenant comes from the `tenant` field, or when that is absent from the Kafka message key
 * (targets that key their acks by tenant need not repeat it). When both are present they must
 * agree: a mismatch is a bug at the target and goes to the dead-letter topic rather than being
 * guessed at. Unknown fields are ignored, so targets can add their own without breaking us.
 */
export const TARGET_ACK_OUTCOMES = ['applied', 'failed', 'skipped'] as const;
export type TargetAckOutcome = (typeof TARGET_ACK_OUTCOMES)[number];

export interface TargetAck {
  targetId: string;
  /** The ledger event acknowledged (the `ce_id` it was published with). */
  eventId?: string;
  /** The SLA case acknowledged. At least one of eventId and caseId is required. */
  caseId?: string;
  outcome: TargetAckOutcome;
  /** When the target acted, ISO-8601 with a zone. */
  at: string;
  detail?: string;
}

export type ParsedTargetAck = { ok: true; tenant: string; ack: TargetAck } | { ok: false; reason: string };

export const TARGET_ACK_LIMITS = { messageBytes: 64 * 1024, idLength: 200, detailLength: 4096 } as const;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Ids end up inside stream ids (`targetAck-<tenant>:<id>`) and actor names: no blanks, no controls. */
const ID = /^[^\s\u0000-\u001f\u007f]+$/;
/** A tenant id may not contain the separators of a stream id either. */
const TENANT = /^[^\s\u0000-\u001f\u007f:/]+$/;

/** Returns why `value` is not a valid ack, or null when it is. */
export function validateTargetAck(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'ack must be a JSON object';
  const ack = value as Record<string, unknown>;
  const idProblem = (field: string, required: boolean): string | null => {
    const v = ack[field];
    if (v === undefined || v === null) return required ? `${field} is required` : null;
    if (typeof v !== 'string' || v.length === 0) return `${field} must be a non-empty string`;
    if (v.length > TARGET_ACK_LIMITS.idLength) return `${field} is longer than ${TARGET_ACK_LIMITS.idLength} characters`;
    if (!ID.test(v)) return `${field} must not contain whitespace or control characters`;
    return null;
  };
  const problem = idProblem('targetId', true) ?? idProblem('eventId', false) ?? idProblem('caseId', false);
  if (problem) return problem;
  if (ack.eventId == null && ack.caseId == null) return 'one of eventId or caseId is required';
  if (typeof ack.outcome !== 'string' || !(TARGET_ACK_OUTCOMES as readonly string[]).includes(ack.outcome)) {
    return `outcome must be one of ${TARGET_ACK_OUTCOMES.join(', ')}`;
  }
  if (typeof ack.at !== 'string' || !ISO_INSTANT.test(ack.at) || Number.isNaN(Date.parse(ack.at))) {
    return 'at must be an ISO-8601 timestamp with a time zone';
  }
  if (ack.detail !== undefined && ack.detail !== null) {
    if (typeof ack.detail !== 'string') return 'detail must be a string';
    if (ack.detail.length > TARGET_ACK_LIMITS.detailLength) return `detail is longer than ${TARGET_ACK_LIMITS.detailLength} characters`;
  }
  if (ack.tenant !== undefined && ack.tenant !== null && (typeof ack.tenant !== 'string' || !TENANT.test(ack.tenant))) {
    return 'tenant must be a non-empty string without whitespace, ":" or "/"';
  }
  return null;
}

/** Parses a raw Kafka message (value and key as received) into an ack and its tenant. */
export function parseTargetAck(value: Buffer | string | null | undefined, key?: Buffer | string | null): ParsedTargetAck {
  if (value === null || value === undefined || value.length === 0) return { ok: false, reason: 'message has no value' };
  const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (bytes > TARGET_ACK_LIMITS.messageBytes) return { ok: false, reason: `message is larger than ${TARGET_ACK_LIMITS.messageBytes} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (error) {
    return { ok: false, reason: `value is not JSON: ${(error as Error).message}` };
  }
  const problem = validateTargetAck(json);
  if (problem) return { ok: false, reason: problem };

  const body = json as Record<string, unknown>;
  const fromBody = typeof body.tenant === 'string' ? body.tenant : undefined;
  const fromKey = key === null || key === undefined || key.length === 0 ? undefined : key.toString();
  if (fromBody && fromKey && fromBody !== fromKey) {
    return { ok: false, reason: `tenant field "${fromBody}" does not match the message key "${fromKey}"` };
  }
  const tenant = fromBody ?? fromKey;
  if (!tenant) return { ok: false, reason: 'tenant is missing: set the tenant field or key the message by tenant' };
  if (!TENANT.test(tenant)) return { ok: false, reason: 'tenant in the message key must not contain whitespace, ":" or "/"' };

  const ack: TargetAck = { targetId: body.targetId as string, outcome: body.outcome as TargetAckOutcome, at: body.at as string };
  if (typeof body.eventId === 'string') ack.eventId = body.eventId;
  if (typeof body.caseId === 'string') ack.caseId = body.caseId;
  if (typeof body.detail === 'string') ack.detail = body.detail;
  return { ok: true, tenant, ack };
}

/** Headers a dead-lettered message carries besides its own, so it can be understood and replayed. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dead-letter-reason',
  sourceTopic: 'dead-letter-source-topic',
  sourcePartition: 'dead-letter-source-partition',
  sourceOffset: 'dead-letter-source-offset',
  at: 'dead-letter-at',
} as const;
