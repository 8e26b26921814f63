import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertKind, LifecycleKind, OpenedSlaCase, SlaPolicy } from '@ledger/domain';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sla_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sla_policies (
  tenant TEXT NOT NULL, version INTEGER NOT NULL, policy TEXT NOT NULL, set_at TEXT NOT NULL,
  PRIMARY KEY (tenant, version)
);
CREATE TABLE IF NOT EXISTS sla_users (
  tenant TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL, state TEXT NOT NULL,
  PRIMARY KEY (tenant, user_id)
);
CREATE TABLE IF NOT EXISTS sla_groups (
  tenant TEXT NOT NULL, group_id TEXT NOT NULL, display_name TEXT NOT NULL,
  PRIMARY KEY (tenant, group_id)
);
CREATE TABLE IF NOT EXISTS sla_memberships (
  tenant TEXT NOT NULL, member_id TEXT NOT NULL, group_id TEXT NOT NULL,
  PRIMARY KEY (tenant, member_id, group_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sla_memberships_by_group ON sla_memberships (tenant, group_id);
CREATE TABLE IF NOT EXISTS sla_open_cases (
  tenant TEXT NOT NULL, kind TEXT NOT NULL, user_id TEXT NOT NULL, case_id TEXT NOT NULL,
  PRIMARY KEY (tenant, kind, user_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS sla_open_cases_by_id ON sla_open_cases (tenant, case_id);
CREATE INDEX IF NOT EXISTS sla_open_cases_by_user ON sla_open_cases (tenant, user_id);
CREATE TABLE IF NOT EXISTS sla_case_sources (
  tenant TEXT NOT NULL, event_id TEXT NOT NULL, case_id TEXT NOT NULL,
  PRIMARY KEY (tenant, event_id, case_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sla_cases (
  tenant TEXT NOT NULL, case_id TEXT NOT NULL, kind TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
  status TEXT NOT NULL, breached INTEGER NOT NULL DEFAULT 0,
  opened_at TEXT NOT NULL, started_at TEXT NOT NULL, deadline TEXT NOT NULL, deadline_ms INTEGER NOT NULL,
  completed_at TEXT, within_window INTEGER, breached_at TEXT, resolved_at TEXT,
  policy_version INTEGER NOT NULL, severity TEXT NOT NULL, window_seconds INTEGER NOT NULL,
  revision INTEGER NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL,
  PRIMARY KEY (tenant, case_id)
);
CREATE INDEX IF NOT EXISTS sla_cases_due ON sla_cases (deadline_ms) WHERE status = 'open' AND breached = 0;
CREATE INDEX IF NOT EXISTS sla_cases_by_start ON sla_cases (tenant, started_at);
CREATE INDEX IF NOT EXISTS sla_cases_by_user ON sla_cases (tenant, user_id, kind, opened_at);
CREATE TABLE IF NOT EXISTS sla_timeline (
  tenant TEXT NOT NULL, case_id TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL,
  at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (tenant, case_id, revision)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sla_deliveries (
  tenant TEXT NOT NULL, case_id TEXT NOT NULL, alert TEXT NOT NULL, route_id TEXT NOT NULL, route_type TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL, due_ms INTEGER NOT NULL, owner TEXT NOT NULL,
  raised_at TEXT NOT NULL, last_status_code INTEGER, last_error TEXT, delivered_at TEXT,
  PRIMARY KEY (tenant, case_id, alert, route_id)
);
CREATE INDEX IF NOT EXISTS sla_deliveries_due ON sla_deliveries (due_ms) WHERE status = 'pending';
`;

export type CaseStatus = 'open' | 'completed' | 'cancelled';
export type UserState = 'active' | 'inactive' | 'deleted';

export interface CaseRow {
  tenant: string;
  caseId: string;
  kind: LifecycleKind;
  userId: string;
  userName: string;
  status: CaseStatus;
  breached: boolean;
  openedAt: string;
  startedAt: string;
  deadline: string;
  completedAt: string | null;
  withinWindow: boolean | null;
  breachedAt: string | null;
  resolvedAt: string | null;
  policyVersion: number;
  severity: string;
  windowSeconds: number;
  /** Revision of the case stream this row reflects. */
  revision: number;
  state: OpenedSlaCase;
}

export interface TimelineRow {
  revision: number;
  type: string;
  at: string;
  recordedAt: string;
  actor: string;
  data: Record<string, unknown>;
}

export interface DeliveryRow {
  tenant: string;
  caseId: string;
  alert: AlertKind;
  routeId: string;
  routeType: string;
  status: 'pending' | 'delivered';
  attempts: number;
  dueMs: number;
  owner: string;
  raisedAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

export interface DueCase {
  tenant: string;
  caseId: string;
  userId: string;
  revision: number;
  deadlineMs: number;
}

type Row = Record<string, unknown>;

/**
 * The SLA slice's own SQLite file (DATA_DIR/sla.sqlite): the case projection (cases, timeline,
 * deliveries), the facts the process manager judges cases by (users, groups, memberships,
 * policies, in log order), its open-case index, and the checkpoint of all of it. Everything here
 * can be rebuilt by replaying the log; WAL with synchronous=NORMAL keeps it consistent across a
 * crash, and the checkpoint moves in the same transaction as the rows it covers.
 */
export class SlaStore {
  readonly db: Database.Database;
  private readonly s;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM sla_meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO sla_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      insertPolicy: db.prepare('INSERT OR IGNORE INTO sla_policies (tenant, version, policy, set_at) VALUES (?, ?, ?, ?)'),
      policy: db.prepare<[string, number], { policy: string }>('SELECT policy FROM sla_policies WHERE tenant = ? AND version = ?'),
      currentPolicy: db.prepare<[string], { version: number; policy: string; set_at: string }>(
        'SELECT version, policy, set_at FROM sla_policies WHERE tenant = ? ORDER BY version DESC LIMIT 1',
      ),
      upsertUser: db.prepare(
        `INSERT INTO sla_users (tenant, user_id, user_name, state) VALUES (?, ?, ?, ?)
         ON CONFLICT(tenant, user_id) DO UPDATE SET user_name = excluded.user_name, state = excluded.state`,
      ),
      setUserState: db.prepare('UPDATE sla_users SET state = ? WHERE tenant = ? AND user_id = ?'),
      renameUser: db.prepare('UPDATE sla_users SET user_name = ? WHERE tenant = ? AND user_id = ?'),
      user: db.prepare<[string, string], { user_name: string; state: UserState }>('SELECT user_name, state FROM sla_users WHERE tenant = ? AND user_id = ?'),
      upsertGroup: db.prepare(
        `INSERT INTO sla_groups (tenant, group_id, display_name) VALUES (?, ?, ?)
         ON CONFLICT(tenant, group_id) DO UPDATE SET display_name = excluded.display_name`,
      ),
      deleteGroup: db.prepare('DELETE FROM sla_groups WHERE tenant = ? AND group_id = ?'),
      group: db.prepare<[string, string], { display_name: string }>('SELECT display_name FROM sla_groups WHERE tenant = ? AND group_id = ?'),
      addMember: db.prepare('INSERT OR IGNORE INTO sla_memberships (tenant, member_id, group_id) VALUES (?, ?, ?)'),
      removeMember: db.prepare('DELETE FROM sla_memberships WHERE tenant = ? AND member_id = ? AND group_id = ?'),
      membersOfGroup: db.prepare<[string, string], { member_id: string }>('SELECT member_id FROM sla_memberships WHERE tenant = ? AND group_id = ?'),
      clearGroup: db.prepare('DELETE FROM sla_memberships WHERE tenant = ? AND group_id = ?'),
      clearMember: db.prepare('DELETE FROM sla_memberships WHERE tenant = ? AND member_id = ?'),
      groupsOf: db.prepare<[string, string], { group_id: string; display_name: string | null }>(
        `SELECT m.group_id, g.display_name FROM sla_memberships m
         LEFT JOIN sla_groups g ON g.tenant = m.tenant AND g.group_id = m.group_id
         WHERE m.tenant = ? AND m.member_id = ? ORDER BY g.display_name, m.group_id`,
      ),
      openCase: db.prepare<[string, string, string], { case_id: string }>('SELECT case_id FROM sla_open_cases WHERE tenant = ? AND kind = ? AND user_id = ?'),
      anyOpenCase: db.prepare<[string], { n: number }>('SELECT 1 AS n FROM sla_open_cases WHERE tenant = ? LIMIT 1'),
      openCasesOf: db.prepare<[string, string], { case_id: string; kind: string }>('SELECT case_id, kind FROM sla_open_cases WHERE tenant = ? AND user_id = ?'),
      openCaseById: db.prepare<[string, string], { case_id: string; user_id: string; kind: string }>(
        'SELECT case_id, user_id, kind FROM sla_open_cases WHERE tenant = ? AND case_id = ?',
      ),
      markOpen: db.prepare('INSERT OR REPLACE INTO sla_open_cases (tenant, kind, user_id, case_id) VALUES (?, ?, ?, ?)'),
      markClosed: db.prepare('DELETE FROM sla_open_cases WHERE tenant = ? AND case_id = ?'),
      addSource: db.prepare('INSERT OR IGNORE INTO sla_case_sources (tenant, event_id, case_id) VALUES (?, ?, ?)'),
      casesBySource: db.prepare<[string, string], { case_id: string }>('SELECT case_id FROM sla_case_sources WHERE tenant = ? AND event_id = ?'),
      caseRevision: db.prepare<[string, string], { revision: number }>('SELECT revision FROM sla_cases WHERE tenant = ? AND case_id = ?'),
      caseRow: db.prepare<[string, string], Row>('SELECT * FROM sla_cases WHERE tenant = ? AND case_id = ?'),
      upsertCase: db.prepare(
        `INSERT INTO sla_cases (tenant, case_id, kind, user_id, user_name, status, breached, opened_at, started_at, deadline, deadline_ms,
           completed_at, within_window, breached_at, resolved_at, policy_version, severity, window_seconds, revision, position, state)
         VALUES (@tenant, @caseId, @kind, @userId, @userName, @status, @breached, @openedAt, @startedAt, @deadline, @deadlineMs,
           @completedAt, @withinWindow, @breachedAt, @resolvedAt, @policyVersion, @severity, @windowSeconds, @revision, @position, @state)
         ON CONFLICT(tenant, case_id) DO UPDATE SET status = excluded.status, breached = excluded.breached, started_at = excluded.started_at,
           deadline = excluded.deadline, deadline_ms = excluded.deadline_ms, completed_at = excluded.completed_at,
           within_window = excluded.within_window, breached_at = excluded.breached_at, resolved_at = excluded.resolved_at,
           revision = excluded.revision, position = excluded.position, state = excluded.state`,
      ),
      insertTimeline: db.prepare(
        'INSERT OR IGNORE INTO sla_timeline (tenant, case_id, revision, type, at, recorded_at, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      timeline: db.prepare<[string, string], Row>('SELECT revision, type, at, recorded_at, actor, data FROM sla_timeline WHERE tenant = ? AND case_id = ? ORDER BY revision'),
      nextDeadline: db.prepare<[], { next: number | null }>("SELECT MIN(deadline_ms) AS next FROM sla_cases WHERE status = 'open' AND breached = 0"),
      dueCases: db.prepare<[number, number], Row>(
        `SELECT tenant, case_id, user_id, revision, deadline_ms FROM sla_cases
         WHERE status = 'open' AND breached = 0 AND deadline_ms <= ? ORDER BY deadline_ms LIMIT ?`,
      ),
      insertDelivery: db.prepare(
        `INSERT OR IGNORE INTO sla_deliveries (tenant, case_id, alert, route_id, route_type, status, attempts, due_ms, owner, raised_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
      ),
      recordAttempt: db.prepare(
        `UPDATE sla_deliveries SET attempts = MAX(attempts, @attempt), status = CASE WHEN @delivered = 1 THEN 'delivered' ELSE status END,
           due_ms = @dueMs, owner = @owner, last_status_code = @statusCode, last_error = @error,
           delivered_at = CASE WHEN @delivered = 1 THEN @at ELSE delivered_at END
         WHERE tenant = @tenant AND case_id = @caseId AND alert = @alert AND route_id = @routeId`,
      ),
      claimDelivery: db.prepare('UPDATE sla_deliveries SET owner = ?, due_ms = ? WHERE tenant = ? AND case_id = ? AND alert = ? AND route_id = ?'),
      deliveriesOf: db.prepare<[string, string], Row>('SELECT * FROM sla_deliveries WHERE tenant = ? AND case_id = ? ORDER BY raised_at, alert DESC, route_id'),
      nextDelivery: db.prepare<[string, number], { next: number | null }>(
        "SELECT MIN(CASE WHEN owner = ? THEN due_ms ELSE due_ms + ? END) AS next FROM sla_deliveries WHERE status = 'pending'",
      ),
      dueDeliveries: db.prepare<[string, number, number, number], Row>(
        `SELECT * FROM sla_deliveries WHERE status = 'pending' AND ((owner = ? AND due_ms <= ?) OR due_ms <= ?)
         ORDER BY due_ms LIMIT ?`,
      ),
      pendingTrigger: db.prepare<[string, string, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM sla_deliveries WHERE tenant = ? AND case_id = ? AND route_id = ? AND alert = 'trigger' AND status = 'pending'",
      ),
      casesList: db.prepare<[{ tenant: string; status: string; limit: number }], Row>(
        `SELECT * FROM sla_cases WHERE tenant = @tenant AND (
           @status = 'all' OR (@status = 'open' AND status = 'open' AND breached = 0)
           OR (@status = 'breached' AND status = 'open' AND breached = 1) OR (@status = 'closed' AND status <> 'open')
         ) ORDER BY started_at DESC, case_id LIMIT @limit`,
      ),
      casesStartedBetween: db.prepare<[string, string, string], Row>(
        'SELECT * FROM sla_cases WHERE tenant = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, case_id',
      ),
      latestCase: db.prepare<[string, string, string], Row>(
        'SELECT * FROM sla_cases WHERE tenant = ? AND user_id = ? AND kind = ? ORDER BY opened_at DESC, revision DESC LIMIT 1',
      ),
      countOpen: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sla_cases WHERE status = 'open'"),
    };
  }

  // Checkpoint and identity --------------------------------------------------------------------

  checkpoint(): bigint {
    const value = this.s.meta.get('checkpoint')?.value;
    return value === undefined ? 0n : BigInt(value);
  }

  saveCheckpoint(position: bigint): void {
    this.s.setMeta.run('checkpoint', position.toString());
  }

  /** This replica's name as an alert delivery owner; kept in the file so a restart resumes its own deliveries. */
  workerId(): string {
    const existing = this.s.meta.get('worker')?.value;
    if (existing) return existing;
    const id = randomUUID().slice(0, 8);
    this.s.setMeta.run('worker', id);
    return id;
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // Facts the process manager judges by ---------------------------------------------------------

  putPolicy(tenant: string, version: number, policy: SlaPolicy, setAt: string): void {
    this.s.insertPolicy.run(tenant, version, JSON.stringify(policy), setAt);
  }

  policy(tenant: string, version: number): SlaPolicy | null {
    const row = this.s.policy.get(tenant, version);
    return row ? (JSON.parse(row.policy) as SlaPolicy) : null;
  }

  currentPolicy(tenant: string): { version: number; policy: SlaPolicy; setAt: string } | null {
    const row = this.s.currentPolicy.get(tenant);
    return row ? { version: row.version, policy: JSON.parse(row.policy) as SlaPolicy, setAt: row.set_at } : null;
  }

  putUser(tenant: string, userId: string, userName: string, state: UserState): void {
    this.s.upsertUser.run(tenant, userId, userName, state);
  }

  setUserState(tenant: string, userId: string, state: UserState): void {
    this.s.setUserState.run(state, tenant, userId);
  }

  renameUser(tenant: string, userId: string, userName: string): void {
    this.s.renameUser.run(userName, tenant, userId);
  }

  user(tenant: string, userId: string): { userName: string; state: UserState } | null {
    const row = this.s.user.get(tenant, userId);
    return row ? { userName: row.user_name, state: row.state } : null;
  }

  putGroup(tenant: string, groupId: string, displayName: string): void {
    this.s.upsertGroup.run(tenant, groupId, displayName);
  }

  groupName(tenant: string, groupId: string): string | null {
    return this.s.group.get(tenant, groupId)?.display_name ?? null;
  }

  deleteGroup(tenant: string, groupId: string): string[] {
    const members = this.s.membersOfGroup.all(tenant, groupId).map((r) => r.member_id);
    this.s.clearGroup.run(tenant, groupId);
    this.s.deleteGroup.run(tenant, groupId);
    return members;
  }

  addMember(tenant: string, groupId: string, memberId: string): void {
    this.s.addMember.run(tenant, memberId, groupId);
  }

  removeMember(tenant: string, groupId: string, memberId: string): void {
    this.s.removeMember.run(tenant, memberId, groupId);
  }

  removeMemberEverywhere(tenant: string, memberId: string): void {
    this.s.clearMember.run(tenant, memberId);
  }

  groupsOf(tenant: string, memberId: string): Array<{ groupId: string; displayName: string }> {
    return this.s.groupsOf.all(tenant, memberId).map((r) => ({ groupId: r.group_id, displayName: r.display_name ?? r.group_id }));
  }

  // Process manager bookkeeping ------------------------------------------------------------------

  openCaseOf(tenant: string, kind: LifecycleKind, userId: string): string | null {
    return this.s.openCase.get(tenant, kind, userId)?.case_id ?? null;
  }

  hasOpenCases(tenant: string): boolean {
    return this.s.anyOpenCase.get(tenant) !== undefined;
  }

  openCasesOfUser(tenant: string, userId: string): Array<{ caseId: string; kind: LifecycleKind }> {
    return this.s.openCasesOf.all(tenant, userId).map((r) => ({ caseId: r.case_id, kind: r.kind as LifecycleKind }));
  }

  openCaseById(tenant: string, caseId: string): { caseId: string; userId: string; kind: LifecycleKind } | null {
    const row = this.s.openCaseById.get(tenant, caseId);
    return row ? { caseId: row.case_id, userId: row.user_id, kind: row.kind as LifecycleKind } : null;
  }

  markCase(tenant: string, kind: LifecycleKind, userId: string, caseId: string, open: boolean): void {
    if (open) this.s.markOpen.run(tenant, kind, userId, caseId);
    else this.s.markClosed.run(tenant, caseId);
  }

  addCaseSource(tenant: string, eventId: string, caseId: string): void {
    this.s.addSource.run(tenant, eventId, caseId);
  }

  casesBySource(tenant: string, eventId: string): string[] {
    return this.s.casesBySource.all(tenant, eventId).map((r) => r.case_id);
  }

  // Case projection ------------------------------------------------------------------------------

  caseRevision(tenant: string, caseId: string): number {
    return this.s.caseRevision.get(tenant, caseId)?.revision ?? -1;
  }

  caseRow(tenant: string, caseId: string): CaseRow | null {
    const row = this.s.caseRow.get(tenant, caseId);
    return row ? toCase(row) : null;
  }

  putCase(tenant: string, state: OpenedSlaCase, revision: number, position: bigint): void {
    this.s.upsertCase.run({
      tenant,
      caseId: state.caseId,
      kind: state.kind,
      userId: state.userId,
      userName: state.userName,
      status: state.status,
      breached: state.breachedAt ? 1 : 0,
      openedAt: state.openedAt,
      startedAt: state.startedAt,
      deadline: state.deadline,
      deadlineMs: Date.parse(state.deadline),
      completedAt: state.completedAt,
      withinWindow: state.status === 'completed' ? (Date.parse(state.completedAt!) <= Date.parse(state.deadline) ? 1 : 0) : null,
      breachedAt: state.breachedAt,
      resolvedAt: state.resolvedAt,
      policyVersion: state.terms.policyVersion,
      severity: state.terms.severity,
      windowSeconds: state.terms.windowSeconds,
      revision,
      position,
      state: JSON.stringify(state),
    });
  }

  addTimeline(tenant: string, caseId: string, revision: number, type: string, at: string, recordedAt: string, actor: string, data: unknown): void {
    this.s.insertTimeline.run(tenant, caseId, revision, type, at, recordedAt, actor, JSON.stringify(data));
  }

  timeline(tenant: string, caseId: string): TimelineRow[] {
    return this.s.timeline.all(tenant, caseId).map((r) => ({
      revision: r['revision'] as number,
      type: r['type'] as string,
      at: r['at'] as string,
      recordedAt: r['recorded_at'] as string,
      actor: r['actor'] as string,
      data: JSON.parse(r['data'] as string) as Record<string, unknown>,
    }));
  }

  /** Earliest deadline of a case still inside its window, ms since the epoch. */
  nextDeadline(): number | null {
    return this.s.nextDeadline.get()?.next ?? null;
  }

  dueCases(nowMs: number, limit: number): DueCase[] {
    return this.s.dueCases.all(nowMs, limit).map((r) => ({
      tenant: r['tenant'] as string,
      caseId: r['case_id'] as string,
      userId: r['user_id'] as string,
      revision: r['revision'] as number,
      deadlineMs: r['deadline_ms'] as number,
    }));
  }

  latestCaseOf(tenant: string, kind: LifecycleKind, userId: string): CaseRow | null {
    const row = this.s.latestCase.get(tenant, userId, kind);
    return row ? toCase(row) : null;
  }

  openCaseCount(): number {
    return this.s.countOpen.get()?.n ?? 0;
  }

  listCases(tenant: string, status: 'all' | 'open' | 'breached' | 'closed', limit: number): CaseRow[] {
    return this.s.casesList.all({ tenant, status, limit }).map(toCase);
  }

  casesStartedBetween(tenant: string, from: string, to: string): CaseRow[] {
    return this.s.casesStartedBetween.all(tenant, from, to).map(toCase);
  }

  // Alert deliveries (an outbox derived from the case streams) ---------------------------------

  raiseDelivery(tenant: string, caseId: string, alert: AlertKind, routeId: string, routeType: string, dueMs: number, owner: string, raisedAt: string): void {
    this.s.insertDelivery.run(tenant, caseId, alert, routeId, routeType, dueMs, owner, raisedAt);
  }

  recordAttempt(row: {
    tenant: string; caseId: string; alert: AlertKind; routeId: string; attempt: number; delivered: boolean;
    dueMs: number; owner: string; statusCode: number | null; error: string | null; at: string;
  }): void {
    this.s.recordAttempt.run({ ...row, delivered: row.delivered ? 1 : 0 });
  }

  /** The new owner's lease starts now: nobody else takes the delivery over before it has had its turn. */
  claimDelivery(tenant: string, caseId: string, alert: AlertKind, routeId: string, owner: string, claimedMs: number): void {
    this.s.claimDelivery.run(owner, claimedMs, tenant, caseId, alert, routeId);
  }

  deliveriesOf(tenant: string, caseId: string): DeliveryRow[] {
    return this.s.deliveriesOf.all(tenant, caseId).map(toDelivery);
  }

  /** When the next delivery is due for `owner`: its own at their time, anyone else's after the lease. */
  nextDeliveryDue(owner: string, leaseMs: number): number | null {
    return this.s.nextDelivery.get(owner, leaseMs)?.next ?? null;
  }

  dueDeliveries(owner: string, nowMs: number, leaseMs: number, limit: number): DeliveryRow[] {
    return this.s.dueDeliveries.all(owner, nowMs, nowMs - leaseMs, limit).map(toDelivery);
  }

  triggerPending(tenant: string, caseId: string, routeId: string): boolean {
    return (this.s.pendingTrigger.get(tenant, caseId, routeId)?.n ?? 0) > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toCase(r: Row): CaseRow {
  return {
    tenant: r['tenant'] as string,
    caseId: r['case_id'] as string,
    kind: r['kind'] as LifecycleKind,
    userId: r['user_id'] as string,
    userName: r['user_name'] as string,
    status: r['status'] as CaseStatus,
    breached: r['breached'] === 1,
    openedAt: r['opened_at'] as string,
    startedAt: r['started_at'] as string,
    deadline: r['deadline'] as string,
    completedAt: (r['completed_at'] as string | null) ?? null,
    withinWindow: r['within_window'] === null ? null : r['within_window'] === 1,
    breachedAt: (r['breached_at'] as string | null) ?? null,
    resolvedAt: (r['resolved_at'] as string | null) ?? null,
    policyVersion: r['policy_version'] as number,
    severity: r['severity'] as string,
    windowSeconds: r['window_seconds'] as number,
    revision: r['revision'] as number,
    state: JSON.parse(r['state'] as string) as OpenedSlaCase,
  };
}

function toDelivery(r: Row): DeliveryRow {
  return {
    tenant: r['tenant'] as string,
    caseId: r['case_id'] as string,
    alert: r['alert'] as AlertKind,
    routeId: r['route_id'] as string,
    routeType: r['route_type'] as string,
    status: r['status'] as DeliveryRow['status'],
    attempts: r['attempts'] as number,
    dueMs: r['due_ms'] as number,
    owner: r['owner'] as string,
    raisedAt: r['raised_at'] as string,
    lastStatusCode: (r['last_status_code'] as number | null) ?? null,
    lastError: (r['last_error'] as string | null) ?? null,
    deliveredAt: (r['delivered_at'] as string | null) ?? null,
  };
}
