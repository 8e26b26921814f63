import type Database from 'better-sqlite3';
import { streamCategory, type AuditorEvent } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/eventstore';
import { timeOf } from './event-source';
import type { AuditProjection } from './audit-projection';

export interface AuditorRow {
  auditorId: string;
  tenantId: string;
  name: string;
  secretHash: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

export type AuditorChange =
  | { kind: 'issued'; auditorId: string; tenantId: string; name: string; secretHash: string; hint: string; at: string }
  | { kind: 'revoked'; auditorId: string; at: string };

/** Pure: auditor credentials from `auditor-<tenant>:<id>` streams. */
export function auditorChanges(event: RecordedEvent): AuditorChange[] {
  if (streamCategory(event.streamId) !== 'auditor') return [];
  const e = event as unknown as AuditorEvent;
  switch (e.type) {
    case 'AuditorIssued':
      return [{ kind: 'issued', auditorId: e.data.auditorId, tenantId: e.data.tenantId, name: e.data.name, secretHash: e.data.secretHash, hint: e.data.hint, at: timeOf(event) }];
    case 'AuditorRevoked':
      return [{ kind: 'revoked', auditorId: e.data.auditorId, at: timeOf(event) }];
    default:
      return [];
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS auditors (
  auditor_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
  hint TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT
);
`;

type Row = Record<string, string | null>;

/** Auditor credentials by secret hash, for the audit API's guard. */
export class AuditorsProjection implements AuditProjection {
  readonly name = 'auditors';
  readonly tables = ['auditors'];
  readonly queryIndexes = [{ name: 'auditors_by_tenant', sql: 'CREATE INDEX IF NOT EXISTS auditors_by_tenant ON auditors (tenant_id, created_at)' }];
  private readonly stmts;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    for (const index of this.queryIndexes) db.exec(index.sql);
    this.stmts = {
      issued: db.prepare(
        `INSERT OR IGNORE INTO auditors (auditor_id, tenant_id, name, secret_hash, hint, created_at, revoked_at)
         VALUES (@auditorId, @tenantId, @name, @secretHash, @hint, @at, NULL)`,
      ),
      revoked: db.prepare('UPDATE auditors SET revoked_at = @at WHERE auditor_id = @auditorId AND revoked_at IS NULL'),
      byHash: db.prepare('SELECT * FROM auditors WHERE secret_hash = ?'),
      byId: db.prepare('SELECT * FROM auditors WHERE auditor_id = ?'),
      ofTenant: db.prepare('SELECT * FROM auditors WHERE tenant_id = ? ORDER BY created_at, auditor_id'),
    };
  }

  apply(event: RecordedEvent): void {
    for (const change of auditorChanges(event)) {
      if (change.kind === 'issued') this.stmts.issued.run(change);
      else this.stmts.revoked.run(change);
    }
  }

  bySecretHash(secretHash: string): AuditorRow | null {
    const row = this.stmts.byHash.get(secretHash) as Row | undefined;
    return row ? toAuditor(row) : null;
  }

  auditor(auditorId: string): AuditorRow | null {
    const row = this.stmts.byId.get(auditorId) as Row | undefined;
    return row ? toAuditor(row) : null;
  }

  auditorsOf(tenantId: string): AuditorRow[] {
    return (this.stmts.ofTenant.all(tenantId) as Row[]).map(toAuditor);
  }
}

function toAuditor(row: Row): AuditorRow {
  return {
    auditorId: row['auditor_id']!, tenantId: row['tenant_id']!, name: row['name']!, secretHash: row['secret_hash']!,
    hint: row['hint']!, createdAt: row['created_at']!, revokedAt: row['revoked_at'] ?? null,
  };
}
