import { ApiError, type Api } from './api';
import type { EventSource } from './components/common';

/** Shapes of the ledger's answers the console reads (only the fields it uses). */

export interface EventView {
  id: string;
  streamId: string;
  revision: number;
  position: string;
  type: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: { correlationId?: string | null; requestId?: string | null; idp?: string | null; tokenId?: string | null; actor: string };
}

export interface HistoryPage {
  itemsPerPage: number;
  nextCursor: string | null;
  Resources: EventView[];
}

export interface UserState {
  id: string;
  at: string;
  resource: Record<string, unknown>;
  provenance: Record<string, EventSource & { removed?: true }>;
  groups: Array<{ groupId: string; displayName: string | null; since: string; addedBy: EventSource }>;
  createdBy: EventSource;
  lastModifiedBy: EventSource;
}

export interface ChangeRow {
  at: string;
  type: string;
  streamId: string;
  category: string;
  resourceId: string;
  revision: number;
  eventId: string;
  actor: string;
  requestId: string | null;
  correlationId: string | null;
  idp: string | null;
  tokenId: string | null;
  position: string;
  data: Record<string, unknown>;
}

export interface ChangesPage {
  totalResults: number;
  itemsPerPage: number;
  nextCursor: string | null;
  Resources: ChangeRow[];
}

export interface RequestRow {
  requestId: string;
  correlationId: string;
  at: string;
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  detail: string | null;
  latencyMs: number;
  tokenId: string | null;
  idp: string | null;
  authFailure: string | null;
  resourceId: string | null;
}

export interface SlaCase {
  caseId: string;
  kind: 'joiner' | 'mover' | 'leaver';
  status: 'open' | 'breached' | 'completed' | 'cancelled';
  user: { id: string; userName: string };
  severity: string;
  windowSeconds: number;
  openedAt: string;
  startedAt: string;
  deadline: string;
  breachedAt: string | null;
  completedAt: string | null;
  resolvedAt: string | null;
  withinWindow: boolean | null;
  elapsedSeconds: number;
}

export interface SlaTimelineEntry {
  at: string;
  recordedAt: string;
  event: string;
  milestone?: string;
  detail?: Record<string, unknown>;
}

export interface SlaCaseDetail extends SlaCase {
  outstanding: string[];
  phases: { idpLagSeconds: number | null; processingSeconds: number | null; downstreamSeconds: number | null };
  timeline: SlaTimelineEntry[];
  deliveries?: Array<{ alert: string; route: string; routeType: string; status: string; attempts: number; raisedAt: string; deliveredAt: string | null; lastStatusCode: number | null; lastError: string | null }>;
}

export interface SlaSummary {
  cases: number;
  open: number;
  completed: number;
  breached: number;
  completedWithinWindow: number;
  completedLate: number;
  percentWithinWindow: number | null;
  p50CompletionSeconds: number | null;
  p95CompletionSeconds: number | null;
}

export interface SlaReport {
  from: string;
  to: string;
  summary: SlaSummary;
  breaches: SlaCaseDetail[];
}

/** The SLA list answers `{cases: [...]}`; tolerate a bare array or a SCIM-style list too. */
export function casesOf(answer: unknown): SlaCase[] {
  if (Array.isArray(answer)) return answer as SlaCase[];
  const a = answer as { cases?: SlaCase[]; Resources?: SlaCase[] };
  return a.cases ?? a.Resources ?? [];
}

export interface MembershipSpan {
  groupId: string;
  displayName: string;
  from: string;
  to: string | null;
  addedBy: EventSource;
  removedBy: EventSource | null;
}

const MEMBERSHIP_TYPES = 'GroupCreated,GroupRenamed,GroupMembersAdded,GroupMembersRemoved,GroupDeleted';
const MAX_PAGES = 5;

export function sourceOfChange(row: ChangeRow): EventSource {
  return {
    eventId: row.eventId, eventType: row.type, at: row.at, requestId: row.requestId, correlationId: row.correlationId,
    idp: row.idp, tokenId: row.tokenId, actor: row.actor, revision: row.revision,
  };
}

export function sourceOfEvent(event: EventView): EventSource {
  return {
    eventId: event.id, eventType: event.type, at: event.recordedAt, requestId: event.metadata.requestId ?? null,
    correlationId: event.metadata.correlationId ?? null, idp: event.metadata.idp ?? null, tokenId: event.metadata.tokenId ?? null,
    actor: event.metadata.actor, revision: event.revision,
  };
}

/**
 * A user's group memberships as intervals, folded from the tenant's group membership events
 * (the changes feed) since the user was created. Bounded to a few pages: for a tenant with
 * very many membership changes the answer says it may be incomplete.
 */
export async function membershipSpans(api: Api, userId: string, since: string, deletedAt: string | null, signal?: AbortSignal) {
  const open = new Map<string, MembershipSpan>();
  const spans: MembershipSpan[] = [];
  const names = new Map<string, string>();
  const changes: ChangeRow[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: ChangesPage = await api.get<ChangesPage>(api.t('/audit/changes'), { from: since, type: MEMBERSHIP_TYPES, count: 1000, cursor }, signal);
    changes.push(...page.Resources);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < MAX_PAGES);
  const close = (groupId: string, row: ChangeRow) => {
    const span = open.get(groupId);
    if (!span) return;
    span.to = row.at;
    span.removedBy = sourceOfChange(row);
    open.delete(groupId);
  };
  const add = (groupId: string, row: ChangeRow) => {
    if (open.has(groupId)) return;
    const span: MembershipSpan = { groupId, displayName: names.get(groupId) ?? groupId, from: row.at, to: null, addedBy: sourceOfChange(row), removedBy: null };
    open.set(groupId, span);
    spans.push(span);
  };
  for (const row of changes) {
    const data = row.data as { groupId?: string; displayName?: string; to?: string; members?: Array<{ value: string } | string> };
    const groupId = data.groupId ?? row.resourceId;
    const memberIds = (data.members ?? []).map((m) => (typeof m === 'string' ? m : m.value));
    switch (row.type) {
      case 'GroupCreated':
        if (data.displayName) names.set(groupId, data.displayName);
        if (memberIds.includes(userId)) add(groupId, row);
        break;
      case 'GroupRenamed':
        if (data.to) names.set(groupId, data.to);
        break;
      case 'GroupMembersAdded':
        if (memberIds.includes(userId)) add(groupId, row);
        break;
      case 'GroupMembersRemoved':
        if (memberIds.includes(userId)) close(groupId, row);
        break;
      case 'GroupDeleted':
        close(groupId, row);
        break;
      default:
        break;
    }
  }
  for (const span of spans) span.displayName = names.get(span.groupId) ?? span.displayName;
  if (deletedAt) for (const span of open.values()) span.to = deletedAt;
  return { spans, complete: cursor === null, membershipChanges: changes.filter((c) => c.type !== 'GroupRenamed' && spans.some((s) => s.addedBy.eventId === c.eventId || s.removedBy?.eventId === c.eventId)) };
}

export async function optional<T>(work: Promise<T>): Promise<{ value: T | null; error: unknown }> {
  try {
    return { value: await work, error: null };
  } catch (error) {
    return { value: null, error };
  }
}

export function isNotFound(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 404 && !error.routeMissing;
}
