import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecordedEvent } from '@ledger/eventstore';
import type { AuditProjection } from './audit-projection';
import { AttributeHistoryProjection } from './attribute-history.projection';
import { AuditorsProjection } from './auditors.projection';
import { ChangesIndexProjection } from './changes-index.projection';
import { MembershipIntervalsProjection } from './membership-intervals.projection';
import { UserActivityProjection } from './user-activity.projection';

/** Bump when a projection's tables change shape. */
const SCHEMA_VERSION = 4;

/**
 * The audit read models, in their own SQLite file (DATA_DIR/audit.sqlite). Each projection has
 * its own checkpoint, moved in the same transaction as its rows, so after a crash each resumes
 * exactly where its rows end, and one projection can be rebuilt while the others keep theirs.
 * Like the SCIM read model it can always be rebuilt from the log, so it skips fsync.
 */
export class AuditReadModel {
  readonly db: Database.Database;
  readonly membership: MembershipIntervalsProjection;
  readonly attributes: AttributeHistoryProjection;
  readonly changes: ChangesIndexProjection;
  readonly activity: UserActivityProjection;
  readonly auditors: AuditorsProjection;
  readonly projections: readonly AuditProjection[];
  private readonly loadCheckpoints: Database.Statement;
  private readonly saveCheckpoint: Database.Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = OFF');
    // Projection writes land on pages all over the indexes; a 2 MB default cache turns a rebuild into page churn.
    this.db.pragma('cache_size = -131072');
    this.db.pragma('temp_store = MEMORY');
    this.dropIfOutdated();
    this.db.exec('CREATE TABLE IF NOT EXISTS audit_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    this.changes = new ChangesIndexProjection(this.db);
    this.membership = new MembershipIntervalsProjection(this.db, this.changes);
    this.attributes = new AttributeHistoryProjection(this.db, this.changes);
    this.activity = new UserActivityProjection(this.db, this.changes);
    this.auditors = new AuditorsProjection(this.db);
    this.projections = [this.membership, this.attributes, this.changes, this.activity, this.auditors];
    this.loadCheckpoints = this.db.prepare('SELECT name, position FROM audit_checkpoints').safeIntegers(true);
    this.saveCheckpoint = this.db.prepare(
      'INSERT INTO audit_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
    );
  }

  /** Position each projection has applied up to (0n: nothing yet). */
  checkpoints(): Map<string, bigint> {
    const stored = new Map((this.loadCheckpoints.all() as Array<{ name: string; position: bigint }>).map((r) => [r.name, r.position]));
    return new Map(this.projections.map((p) => [p.name, stored.get(p.name) ?? 0n]));
  }

  /** Where a subscription feeding every projection must resume. */
  lowestCheckpoint(): bigint {
    let lowest: bigint | null = null;
    for (const position of this.checkpoints().values()) if (lowest === null || position < lowest) lowest = position;
    return lowest ?? 0n;
  }

  /**
   * Applies a batch (in log order) and moves the checkpoints, in one transaction. A projection
   * skips events at or before its own checkpoint, which is what lets one be rebuilt alone.
   */
  apply(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    const last = events[events.length - 1]!.position;
    const checkpoints = this.checkpoints();
    this.db.transaction(() => {
      for (const projection of this.projections) {
        const after = checkpoints.get(projection.name) ?? 0n;
        if (last <= after) continue;
        for (const event of events) if (event.position > after) projection.apply(event);
        this.saveCheckpoint.run(projection.name, last);
      }
    })();
  }

  /** Empties the named projections (all by default) and their checkpoints, so a replay rebuilds them. */
  reset(names?: readonly string[]): void {
    const chosen = this.chosen(names);
    this.db.transaction(() => {
      for (const projection of chosen) {
        for (const table of projection.tables) this.db.exec(`DELETE FROM ${table}`);
        this.db.prepare('DELETE FROM audit_checkpoints WHERE name = ?').run(projection.name);
      }
    })();
  }

  private chosen(names?: readonly string[]): readonly AuditProjection[] {
    const unknown = (names ?? []).filter((n) => !this.projections.some((p) => p.name === n));
    if (unknown.length > 0) throw new Error(`unknown audit projection ${unknown.join(', ')} (known: ${this.names().join(', ')})`);
    return names ? this.projections.filter((p) => names.includes(p.name)) : this.projections;
  }

  /** A file written by another schema version is emptied: the subscription then rebuilds it from the log. */
  private dropIfOutdated(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    this.db.transaction(() => {
      for (const { name } of tables) this.db.exec(`DROP TABLE "${name}"`);
    })();
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  /**
   * Drops the query-only indexes of the named projections (all by default): a replay from zero
   * then writes one b-tree per table instead of four, and buildQueryIndexes() sorts each index
   * once at the end. A replay that dies halfway gets them back when the file is next opened.
   */
  dropQueryIndexes(names?: readonly string[]): void {
    for (const projection of this.chosen(names)) for (const index of projection.queryIndexes) this.db.exec(`DROP INDEX IF EXISTS ${index.name}`);
  }

  buildQueryIndexes(): void {
    for (const projection of this.projections) for (const index of projection.queryIndexes) this.db.exec(index.sql);
  }

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
