import { LIFECYCLE_KINDS, outstanding, type LifecycleKind } from '@ledger/domain';
import type { CaseRow, DeliveryRow, SlaStore, TimelineRow } from './sla-store';

export type CaseStatusFilter = 'all' | 'open' | 'breached' | 'closed';

export interface SlaSummary {
  cases: number;
  /** Inside the window and not done yet. */
  open: number;
  completed: number;
  cancelled: number;
  breached: number;
  completedWithinWindow: number;
  completedLate: number;
  /** Of the cases whose outcome is known (done in time, or breached): the share done in time. */
  percentWithinWindow: number | null;
  p50CompletionSeconds: number | null;
  p95CompletionSeconds: number | null;
}

/** Where a leaver's time went. */
export interface CasePhases {
  /** Termination signal received -> first IdP deprovisioning action (deactivation or delete). */
  idpLagSeconds: number | null;
  /** First IdP action (or the window start) -> access removed here: inactive and out of the groups in scope. */
  processingSeconds: number | null;
  /** Access removed -> the last downstream target acknowledged. */
  downstreamSeconds: number | null;
}

export interface TimelineEntry {
  at: string;
  recordedAt: string;
  event: string;
  milestone?: string;
  detail?: Record<string, unknown>;
}

export interface SlaReport {
  tenant: string;
  from: string;
  to: string;
  generatedAt: string;
  summary: SlaSummary;
  byKind: Record<LifecycleKind, SlaSummary>;
  breaches: Array<ReturnType<typeof caseView> & { outstanding: string[]; phases: CasePhases; timeline: TimelineEntry[] }>;
}

/** A case as the API lists it. */
export function caseView(row: CaseRow, now: Date) {
  return {
    caseId: row.caseId,
    kind: row.kind,
    status: displayStatus(row),
    user: { id: row.userId, userName: row.userName },
    severity: row.severity,
    policyVersion: row.policyVersion,
    windowSeconds: row.windowSeconds,
    openedAt: row.openedAt,
    startedAt: row.startedAt,
    deadline: row.deadline,
    breachedAt: row.breachedAt,
    completedAt: row.completedAt,
    resolvedAt: row.resolvedAt,
    withinWindow: row.withinWindow,
    elapsedSeconds: elapsedSeconds(row, now),
  };
}

/** One case with its timeline and alert deliveries: what on-call opens from a page. */
export function caseDetail(sla: SlaStore, tenant: string, caseId: string, now: Date, heldGroups: (row: CaseRow) => string[] = () => []) {
  const row = sla.caseRow(tenant, caseId);
  if (!row) return null;
  const timeline = sla.timeline(tenant, caseId);
  return {
    ...caseView(row, now),
    terms: row.state.terms,
    outstanding: row.status === 'open' ? outstanding(row.state, heldGroups(row)) : [],
    phases: phasesOf(row, timeline),
    timeline: timeline.map(timelineEntry),
    deliveries: sla.deliveriesOf(tenant, caseId).map(deliveryView),
  };
}

export function listCases(sla: SlaStore, tenant: string, status: CaseStatusFilter, limit: number, now: Date) {
  return sla.listCases(tenant, status, limit).map((row) => caseView(row, now));
}

/** Cases whose window started in [from, to). */
export function buildSlaReport(sla: SlaStore, tenant: string, from: string, to: string, now: Date): SlaReport {
  const rows = sla.casesStartedBetween(tenant, from, to);
  const byKind = Object.fromEntries(LIFECYCLE_KINDS.map((kind) => [kind, summarise(rows.filter((r) => r.kind === kind))])) as Record<LifecycleKind, SlaSummary>;
  return {
    tenant,
    from,
    to,
    generatedAt: now.toISOString(),
    summary: summarise(rows),
    byKind,
    breaches: rows.filter((r) => r.breached).map((row) => {
      const timeline = sla.timeline(tenant, row.caseId);
      const breach = [...timeline].reverse().find((t) => t.type === 'SlaBreached');
      return {
        ...caseView(row, now),
        outstanding: (breach?.data['outstanding'] as string[] | undefined) ?? [],
        phases: phasesOf(row, timeline),
        timeline: timeline.map(timelineEntry),
      };
    }),
  };
}

const CSV_COLUMNS = [
  'caseId', 'kind', 'status', 'userId', 'userName', 'severity', 'policyVersion', 'windowSeconds', 'startedAt', 'deadline',
  'completedAt', 'withinWindow', 'breachedAt', 'resolvedAt', 'elapsedSeconds', 'idpLagSeconds', 'processingSeconds',
  'downstreamSeconds', 'timeline',
] as const;

/** One row per case in the period; the timeline as `event@time` pairs so a spreadsheet keeps it. */
export function slaReportCsv(sla: SlaStore, tenant: string, from: string, to: string, now: Date): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of sla.casesStartedBetween(tenant, from, to)) {
    const timeline = sla.timeline(tenant, row.caseId);
    const phases = phasesOf(row, timeline);
    const view = caseView(row, now);
    const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      caseId: row.caseId, kind: row.kind, status: view.status, userId: row.userId, userName: row.userName, severity: row.severity,
      policyVersion: row.policyVersion, windowSeconds: row.windowSeconds, startedAt: row.startedAt, deadline: row.deadline,
      completedAt: row.completedAt, withinWindow: row.withinWindow, breachedAt: row.breachedAt, resolvedAt: row.resolvedAt,
      elapsedSeconds: view.elapsedSeconds, ...phases,
      timeline: timeline
        .filter((t) => t.type !== 'AlertDeliveryAttempted' && t.type !== 'AlertDeliveryClaimed')
        .map((t) => `${t.type === 'SlaMilestoneRecorded' ? String(t.data['milestone']) : t.type}@${t.at}`)
        .join(' '),
    };
    lines.push(CSV_COLUMNS.map((c) => csvCell(values[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function phasesOf(row: CaseRow, timeline: TimelineRow[]): CasePhases {
  const first = (...names: string[]) => timeline.find((t) => t.type === 'SlaMilestoneRecorded' && names.includes(String(t.data['milestone'])))?.at ?? null;
  const last = (...names: string[]) => [...timeline].reverse().find((t) => t.type === 'SlaMilestoneRecorded' && names.includes(String(t.data['milestone'])))?.at ?? null;
  if (row.kind !== 'leaver') return { idpLagSeconds: null, processingSeconds: null, downstreamSeconds: null };
  const signal = first('terminationSignalReceived');
  const idp = first('idpDeactivated', 'userDeleted');
  const inactive = first('idpDeactivated', 'userDeleted', 'userInactive');
  const revoked = last('groupsRevoked');
  const accessRemoved = inactive && revoked ? (Date.parse(inactive) > Date.parse(revoked) ? inactive : revoked) : null;
  const acked = last('targetAcknowledged');
  return {
    idpLagSeconds: signal && idp ? seconds(signal, idp) : null,
    processingSeconds: accessRemoved ? seconds(idp ?? row.startedAt, accessRemoved) : null,
    downstreamSeconds: accessRemoved && acked && row.state.terms.downstreamTargets.length > 0 ? seconds(accessRemoved, acked) : null,
  };
}

function summarise(rows: CaseRow[]): SlaSummary {
  const completed = rows.filter((r) => r.status === 'completed');
  const inTime = completed.filter((r) => r.withinWindow === true);
  const breached = rows.filter((r) => r.breached);
  const decided = inTime.length + breached.length;
  const durations = completed.map((r) => seconds(r.startedAt, r.completedAt!)).sort((a, b) => a - b);
  return {
    cases: rows.length,
    open: rows.filter((r) => r.status === 'open' && !r.breached).length,
    completed: completed.length,
    cancelled: rows.filter((r) => r.status === 'cancelled').length,
    breached: breached.length,
    completedWithinWindow: inTime.length,
    completedLate: completed.length - inTime.length,
    percentWithinWindow: decided === 0 ? null : Math.round((inTime.length / decided) * 10_000) / 100,
    p50CompletionSeconds: nearestRank(durations, 50),
    p95CompletionSeconds: nearestRank(durations, 95),
  };
}

function displayStatus(row: CaseRow): 'open' | 'breached' | 'completed' | 'cancelled' {
  if (row.status === 'open') return row.breached ? 'breached' : 'open';
  return row.status;
}

function elapsedSeconds(row: CaseRow, now: Date): number {
  const end = row.completedAt ?? now.toISOString();
  return seconds(row.startedAt, end);
}

function timelineEntry(t: TimelineRow): TimelineEntry {
  const { caseId: _caseId, at: _at, ...rest } = t.data;
  if (t.type === 'SlaMilestoneRecorded') {
    return { at: t.at, recordedAt: t.recordedAt, event: t.type, milestone: String(t.data['milestone']), detail: (t.data['detail'] as Record<string, unknown>) ?? {} };
  }
  return { at: t.at, recordedAt: t.recordedAt, event: t.type, detail: rest };
}

function deliveryView(d: DeliveryRow) {
  return {
    alert: d.alert, route: d.routeId, routeType: d.routeType, status: d.status, attempts: d.attempts, raisedAt: d.raisedAt,
    deliveredAt: d.deliveredAt, lastStatusCode: d.lastStatusCode, lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? new Date(d.dueMs).toISOString() : null,
  };
}

function seconds(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100);
}

function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== String(value) ? `"${text.replace(/"/g, '""')}"` : text;
}
