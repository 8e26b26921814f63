import type Database from 'better-sqlite3';
import { streamCategory } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/eventstore';
import { resourceIdOf, timeOf, type EventSource } from './event-source';
import type { AuditProjection, QueryIndex } from './audit-projection';

/**
 * One row per event of the log: what changed, where, when and through which request. It is
 * also where the other audit projections resolve the provenance of the positions they store.
 */
export interface ChangeEntry {
  position: bigint;
  tenant: string;
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
  causationId: string | null;
  idp: string | null;
  tokenId: string | null;
}

/** Pure: the index row of one event. */
export function changeEntry(event: RecordedEvent): ChangeEntry {
  const m = event.metadata;
  return {
    position: event.position,
    tenant: m.tenant,
    at: timeOf(event),
    type: event.type,
    streamId: event.streamId,
    category: streamCategory(event.streamId),
    resourceId: resourceIdOf(event.streamId),
    revision: event.revision,
    eventId: event.id,
    actor: m.actor,
    requestId: m.requestId ?? null,
    correlationId: m.correlationId ?? null,
    causationId: m.causationId ?? null,
    idp: m.idp ?? null,
    tokenId: m.tokenId ?? null,
  };
}

export interface ChangesQuery {
  tenant: string;
  from: string;
  to: string;
  types?: string[];
  categories?: string[];
  /** Keyset cursor: rows strictly after (at, position). */
  after?: { at: string; position: bigint };
  limit: number;
  /** Rows to skip, for the few offset-paged lists (drift); feeds page by `after`. */
  offset?: number;
}

export interface StreamPageQuery {
  streamId: string;
  from?: string;
  to?: string;
  types?: string[];
  /** Exclusive upper revision: the cursor of newest-first paging. */
  beforeRevision?: number;
  limit: number;
}

const schemaSql = (schema: string) => `
CREATE TABLE IF NOT EXISTS ${schema}.changes (
  position INTEGER PRIMARY KEY, tenant TEXT NOT NULL, at TEXT NOT NULL, type TEXT NOT NULL, stream_id TEXT NOT NULL,
  category TEXT NOT NULL, resource_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL, actor TEXT NOT NULL,
  request_id TEXT, correlation_id TEXT, causation_id TEXT, idp TEXT, token_id TEXT
);
`;

type Row = Record<string, string | number | bigint | null>;

/**
 * The index lives in a file of its own (attached to the audit connection as `schema`): being one
 * row per event, a rebuild on the SQLite log fills it with one SQL copy (changes-index-copy.ts),
 * on another core than the replay of the other audit models.
 */
export class ChangesIndexProjection implements AuditProjection {
  readonly name = 'changes-index';
  readonly tables = ['changes'];
  readonly queryIndexes: readonly QueryIndex[];
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly bounds: Database.Statement;
  private readonly byPosition: Database.Statement;

  constructor(db: Database.Database, readonly schema = 'main') {
    db.exec(schemaSql(schema));
    this.queryIndexes = changesQueryIndexes(schema);
    for (const index of this.queryIndexes) db.exec(index.sql);
    this.db = db;
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO ${schema}.changes (position, tenant, at, type, stream_id, category, resource_id, revision, event_id, actor, request_id, correlation_id, causation_id, idp, token_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byPosition = db.prepare('SELECT * FROM changes WHERE position = ?').safeIntegers(true);
    this.bounds = db
      .prepare('SELECT MIN(position) AS first, MAX(position) AS last, COUNT(*) AS n FROM changes WHERE tenant = ? AND at >= ? AND at < ?')
      .safeIntegers(true);
  }

  apply(event: RecordedEvent): void {
    // Positional parameters: one row per event of the log, the most written row of a rebuild.
    const e = changeEntry(event);
    this.insert.run(e.position, e.tenant, e.at, e.type, e.streamId, e.category, e.resourceId, e.revision, e.eventId, e.actor, e.requestId, e.correlationId, e.causationId, e.idp, e.tokenId);
  }

  /** Changes of a tenant in [from, to), oldest first, keyset-paged. */
  changes(query: ChangesQuery): ChangeEntry[] {
    const { where, params } = changesFilter(query);
    // A type filter is usually selective (every deactivation in a quarter): seek by type, not scan the period.
    let sql = `SELECT * FROM changes ${query.types?.length ? 'INDEXED BY changes_by_type ' : ''}WHERE ${where}`;
    if (query.after) {
      sql += ' AND (at > ? OR (at = ? AND position > ?))';
      params.push(query.after.at, query.after.at, query.after.position);
    }
    sql += ' ORDER BY at, position LIMIT ? OFFSET ?';
    params.push(query.limit, query.offset ?? 0);
    return (this.db.prepare(sql).safeIntegers(true).all(...params) as Row[]).map(toEntry);
  }

  countChanges(query: Omit<ChangesQuery, 'after' | 'limit'>): number {
    const { where, params } = changesFilter(query);
    const index = query.types?.length ? 'INDEXED BY changes_by_type ' : '';
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM changes ${index}WHERE ${where}`).get(...params) as { n: number }).n);
  }

  /** Revisions of one stream matching the filters, newest first. */
  streamPage(query: StreamPageQuery): ChangeEntry[] {
    const params: unknown[] = [query.streamId, query.beforeRevision ?? Number.MAX_SAFE_INTEGER];
    let sql = 'SELECT * FROM changes WHERE stream_id = ? AND revision < ?';
    if (query.from) {
      sql += ' AND at >= ?';
      params.push(query.from);
    }
    if (query.to) {
      sql += ' AND at < ?';
      params.push(query.to);
    }
    if (query.types?.length) {
      sql += ` AND type IN (${query.types.map(() => '?').join(',')})`;
      params.push(...query.types);
    }
    sql += ' ORDER BY revision DESC LIMIT ?';
    params.push(query.limit);
    return (this.db.prepare(sql).safeIntegers(true).all(...params) as Row[]).map(toEntry);
  }

  /** Provenance of the event at a log position: every projection stores positions and resolves them here. */
  source(position: bigint | number): EventSource | null {
    const row = this.byPosition.get(position) as Row | undefined;
    return row ? sourceOfEntry(toEntry(row)) : null;
  }

  /** First and last log positions of a tenant's events in [from, to): where an export scans. */
  positionBounds(tenant: string, from: string, to: string): { first: bigint; last: bigint; count: number } | null {
    const row = this.bounds.get(tenant, from, to) as { first: bigint | null; last: bigint | null; n: bigint };
    if (row.first === null || row.last === null) return null;
    return { first: row.first, last: row.last, count: Number(row.n) };
  }
}

/** The changes table as SQL, for the copy that fills it straight from the log. */
export const CHANGES_TABLE_SQL = schemaSql;

export function changesQueryIndexes(schema: string): QueryIndex[] {
  return [
    { name: `${schema}.changes_by_time`, sql: `CREATE INDEX IF NOT EXISTS ${schema}.changes_by_time ON changes (tenant, at, position)` },
    { name: `${schema}.changes_by_type`, sql: `CREATE INDEX IF NOT EXISTS ${schema}.changes_by_type ON changes (tenant, type, at, position)` },
    { name: `${schema}.changes_by_stream`, sql: `CREATE INDEX IF NOT EXISTS ${schema}.changes_by_stream ON changes (stream_id, revision)` },
  ];
}

export function sourceOfEntry(row: ChangeEntry): EventSource {
  return {
    eventId: row.eventId, eventType: row.type, streamId: row.streamId, revision: row.revision, position: row.position.toString(), at: row.at,
    requestId: row.requestId, correlationId: row.correlationId, causationId: row.causationId, idp: row.idp, tokenId: row.tokenId, actor: row.actor,
  };
}

function changesFilter(query: Omit<ChangesQuery, 'after' | 'limit'>): { where: string; params: unknown[] } {
  const params: unknown[] = [query.tenant, query.from, query.to];
  let where = 'tenant = ? AND at >= ? AND at < ?';
  if (query.types?.length) {
    where += ` AND type IN (${query.types.map(() => '?').join(',')})`;
    params.push(...query.types);
  }
  if (query.categories?.length) {
    where += ` AND category IN (${query.categories.map(() => '?').join(',')})`;
    params.push(...query.categories);
  }
  return { where, params };
}

function toEntry(row: Row): ChangeEntry {
  return {
    position: BigInt(row['position'] as bigint),
    tenant: row['tenant'] as string,
    at: row['at'] as string,
    type: row['type'] as string,
    streamId: row['stream_id'] as string,
    category: row['category'] as string,
    resourceId: row['resource_id'] as string,
    revision: Number(row['revision']),
    eventId: row['event_id'] as string,
    actor: row['actor'] as string,
    requestId: (row['request_id'] as string | null) ?? null,
    correlationId: (row['correlation_id'] as string | null) ?? null,
    causationId: (row['causation_id'] as string | null) ?? null,
    idp: (row['idp'] as string | null) ?? null,
    tokenId: (row['token_id'] as string | null) ?? null,
  };
}
