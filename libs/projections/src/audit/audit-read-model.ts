import Database from 'better-sqlite3';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecordedEvent } from '@ledger/eventstore';
import type { AuditProjection, ReplayWriter } from './audit-projection';
import { AttributeHistoryProjection } from './attribute-history.projection';
import { AuditorsProjection } from './auditors.projection';
import { ChangesIndexProjection } from './changes-index.projection';
import { MembershipIntervalsProjection } from './membership-intervals.projection';
import { UserActivityProjection } from './user-activity.projection';

/** Bump when a projection's tables change shape. */
const SCHEMA_VERSION = 4;

/** One open audit.sqlite: the connection and the projections' statements on it. */
interface Storage {
  db: Database.Database;
  membership: MembershipIntervalsProjection;
  attributes: AttributeHistoryProjection;
  changes: ChangesIndexProjection;
  activity: UserActivityProjection;
  auditors: AuditorsProjection;
  projections: readonly AuditProjection[];
  loadCheckpoints: Database.Statement;
  saveCheckpoint: Database.Statement;
}

/**
 * A replay into the audit read models, started by AuditReadModel.beginRebuild: apply the log
 * from `after` in order, then commit (the rebuilt models replace the old ones at once) or abort
 * (the old ones stay as they were).
 */
export interface AuditRebuild {
  /** Where the replay must start reading the log. */
  readonly after: bigint;
  apply(events: readonly RecordedEvent[]): void;
  commit(): void;
  abort(): void;
}

/**
 * The audit read models, in their own SQLite file (DATA_DIR/audit.sqlite). Each projection has
 * its own checkpoint, moved in the same transaction as its rows, so after a crash each resumes
 * exactly where its rows end, and one projection can be rebuilt while the others keep theirs.
 * Like the SCIM read model it can always be rebuilt from the log, so it skips fsync.
 */
export class AuditReadModel {
  private storage: Storage;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.storage = open(path, 'live');
  }

  /** The current connection: a rebuild swaps in a new one. */
  get db(): Database.Database {
    return this.storage.db;
  }

  get membership(): MembershipIntervalsProjection {
    return this.storage.membership;
  }

  get attributes(): AttributeHistoryProjection {
    return this.storage.attributes;
  }

  get changes(): ChangesIndexProjection {
    return this.storage.changes;
  }

  get activity(): UserActivityProjection {
    return this.storage.activity;
  }

  get auditors(): AuditorsProjection {
    return this.storage.auditors;
  }

  get projections(): readonly AuditProjection[] {
    return this.storage.projections;
  }

  /** Position each projection has applied up to (0n: nothing yet). */
  checkpoints(): Map<string, bigint> {
    return checkpointsOf(this.storage);
  }

  /** Where a subscription feeding every projection must resume. */
  lowestCheckpoint(): bigint {
    return lowest(this.checkpoints());
  }

  /**
   * Applies a batch (in log order) and moves the checkpoints, in one transaction. A projection
   * skips events at or before its own checkpoint, which is what lets one be rebuilt alone.
   */
  apply(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    const storage = this.storage;
    const checkpoints = checkpointsOf(storage);
    storage.db.transaction(() => applyBatch(storage, events, checkpoints, new Map()))();
  }

  /**
   * Starts replaying the named projections (all by default) from zero. On a file the replay
   * writes a fresh file next to this one (no journal, query indexes built once at the end,
   * the other projections' rows copied over) and commit() renames it over this one: readers
   * see the old models until then, and a failed or interrupted rebuild leaves them as they were.
   * In memory, the projections are emptied and replayed in place.
   */
  beginRebuild(names?: readonly string[]): AuditRebuild {
    const chosen = this.chosen(names);
    return this.path === ':memory:' ? this.rebuildInPlace(chosen) : this.rebuildInFreshFile(chosen);
  }

  /** Empties the named projections (all by default) and their checkpoints, so a replay rebuilds them. */
  reset(names?: readonly string[]): void {
    resetProjections(this.storage, this.chosen(names));
  }

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private rebuildInPlace(chosen: readonly AuditProjection[]): AuditRebuild {
    const storage = this.storage;
    resetProjections(storage, chosen);
    dropQueryIndexes(storage, chosen);
    return replay(storage, chosen, () => buildQueryIndexes(storage), () => buildQueryIndexes(storage));
  }

  private rebuildInFreshFile(chosen: readonly AuditProjection[]): AuditRebuild {
    const freshPath = `${this.path}.rebuild`;
    removeDatabase(freshPath);
    const fresh = open(freshPath, 'replay');
    try {
      dropQueryIndexes(fresh, fresh.projections);
      copyProjections(fresh, this.path, fresh.projections.filter((p) => !chosen.some((c) => c.name === p.name)));
    } catch (error) {
      fresh.db.close();
      removeDatabase(freshPath);
      throw error;
    }
    const chosenInFresh = fresh.projections.filter((p) => chosen.some((c) => c.name === p.name));
    return replay(
      fresh,
      chosenInFresh,
      () => {
        buildQueryIndexes(fresh);
        fresh.db.close();
        this.swapIn(freshPath);
      },
      () => {
        if (fresh.db.open) fresh.db.close();
        removeDatabase(freshPath);
      },
    );
  }

  /** Replaces this file with the rebuilt one by a rename: readers see either the old models or the new. */
  private swapIn(freshPath: string): void {
    const old = this.storage.db;
    // Leaving WAL checkpoints the WAL into the file: no WAL of the old file may survive to be read
    // as the new file's. It fails when another connection holds a lock SQLite can see (a write, or
    // some reads), and SQLite reports that by returning the old mode, not always by throwing. An
    // idle connection elsewhere holds no such lock, so the CLI says to stop the service first.
    const mode = old.pragma('journal_mode = DELETE', { simple: true });
    if (String(mode).toLowerCase() !== 'delete') {
      throw new Error(`${this.path} is open in another process (it stayed in ${String(mode)} mode): stop the service before rebuilding`);
    }
    old.close();
    try {
      rmSync(`${this.path}-wal`, { force: true });
      rmSync(`${this.path}-shm`, { force: true });
      // No fsync, as for every write to this file (synchronous = OFF): it can be rebuilt from the log.
      renameSync(freshPath, this.path);
    } finally {
      this.storage = open(this.path, 'live');
    }
  }

  private chosen(names?: readonly string[]): readonly AuditProjection[] {
    const unknown = (names ?? []).filter((n) => !this.projections.some((p) => p.name === n));
    if (unknown.length > 0) throw new Error(`unknown audit projection ${unknown.join(', ')} (known: ${this.names().join(', ')})`);
    return names ? this.projections.filter((p) => names.includes(p.name)) : this.projections;
  }
}

function open(path: string, mode: 'live' | 'replay'): Storage {
  const db = new Database(path);
  if (mode === 'live') {
    db.pragma('journal_mode = WAL');
  } else {
    // A file nobody reads until it is complete and renamed into place: no journal, no other connection.
    db.pragma('journal_mode = OFF');
    db.pragma('main.locking_mode = EXCLUSIVE');
  }
  db.pragma('synchronous = OFF');
  // Projection writes land on pages all over the indexes; a 2 MB default cache turns a rebuild into page
  // churn. The live model keeps 32 MB: it is one of several caches in a long-running service.
  db.pragma(`cache_size = ${mode === 'live' ? -32768 : -524288}`);
  db.pragma('temp_store = MEMORY');
  // The query indexes of a rebuild are sorted at the end; SQLite's sorter can use a second core for it.
  if (mode !== 'live') db.pragma('threads = 2');
  dropIfOutdated(db);
  db.exec('CREATE TABLE IF NOT EXISTS audit_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
  const changes = new ChangesIndexProjection(db);
  const membership = new MembershipIntervalsProjection(db, changes);
  const attributes = new AttributeHistoryProjection(db, changes);
  const activity = new UserActivityProjection(db, changes);
  const auditors = new AuditorsProjection(db);
  return {
    db, membership, attributes, changes, activity, auditors,
    projections: [membership, attributes, changes, activity, auditors],
    loadCheckpoints: db.prepare('SELECT name, position FROM audit_checkpoints').safeIntegers(true),
    saveCheckpoint: db.prepare('INSERT INTO audit_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position'),
  };
}

/** A file written by another schema version is emptied: the subscription then rebuilds it from the log. */
function dropIfOutdated(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
  db.transaction(() => {
    for (const { name } of tables) db.exec(`DROP TABLE "${name}"`);
  })();
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function checkpointsOf(storage: Storage): Map<string, bigint> {
  const stored = new Map((storage.loadCheckpoints.all() as Array<{ name: string; position: bigint }>).map((r) => [r.name, r.position]));
  return new Map(storage.projections.map((p) => [p.name, stored.get(p.name) ?? 0n]));
}

function lowest(checkpoints: Map<string, bigint>): bigint {
  let result: bigint | null = null;
  for (const position of checkpoints.values()) if (result === null || position < result) result = position;
  return result ?? 0n;
}

/** Runs inside a transaction; moves `checkpoints` along with the stored ones. */
function applyBatch(storage: Storage, events: readonly RecordedEvent[], checkpoints: Map<string, bigint>, writers: Map<string, ReplayWriter>): void {
  const last = events[events.length - 1]!.position;
  for (const projection of storage.projections) {
    const after = checkpoints.get(projection.name) ?? 0n;
    if (last <= after) continue;
    const writer = writers.get(projection.name) ?? projection;
    for (const event of events) if (event.position > after) writer.apply(event);
    storage.saveCheckpoint.run(projection.name, last);
    checkpoints.set(projection.name, last);
  }
}

/** Feeds `chosen` (emptied) through their replay writers and the others through apply, each from its checkpoint. */
function replay(storage: Storage, chosen: readonly AuditProjection[], finish: () => void, cleanUp: () => void): AuditRebuild {
  const checkpoints = checkpointsOf(storage);
  const writers = new Map(chosen.flatMap((p) => (p.replay ? [[p.name, p.replay()] as const] : [])));
  let settled = false;
  return {
    after: lowest(checkpoints),
    apply(events) {
      if (settled) throw new Error('audit rebuild already committed or aborted');
      if (events.length > 0) storage.db.transaction(() => applyBatch(storage, events, checkpoints, writers))();
    },
    commit() {
      if (settled) throw new Error('audit rebuild already committed or aborted');
      settled = true;
      try {
        storage.db.transaction(() => {
          for (const writer of writers.values()) writer.finish();
        })();
        finish();
      } catch (error) {
        cleanUp();
        throw error;
      }
    },
    abort() {
      if (settled) return;
      settled = true;
      cleanUp();
    },
  };
}

function resetProjections(storage: Storage, chosen: readonly AuditProjection[]): void {
  storage.db.transaction(() => {
    for (const projection of chosen) {
      for (const table of projection.tables) storage.db.exec(`DELETE FROM ${table}`);
      storage.db.prepare('DELETE FROM audit_checkpoints WHERE name = ?').run(projection.name);
    }
  })();
}

/**
 * Query-only indexes are dropped for a replay: it then writes one b-tree per table instead of
 * four, and buildQueryIndexes() sorts each index once at the end.
 */
function dropQueryIndexes(storage: Storage, projections: readonly AuditProjection[]): void {
  for (const projection of projections) for (const index of projection.queryIndexes) storage.db.exec(`DROP INDEX IF EXISTS ${index.name}`);
}

function buildQueryIndexes(storage: Storage): void {
  for (const projection of storage.projections) for (const index of projection.queryIndexes) storage.db.exec(index.sql);
}

/** The rows and checkpoints of projections a partial rebuild keeps, from the file being replaced. */
function copyProjections(fresh: Storage, previousPath: string, kept: readonly AuditProjection[]): void {
  if (kept.length === 0) return;
  fresh.db.prepare('ATTACH DATABASE ? AS previous').run(previousPath);
  try {
    fresh.db.transaction(() => {
      for (const projection of kept) {
        for (const table of projection.tables) fresh.db.exec(`INSERT INTO main.${table} SELECT * FROM previous.${table}`);
        fresh.db.prepare('INSERT INTO main.audit_checkpoints SELECT * FROM previous.audit_checkpoints WHERE name = ?').run(projection.name);
      }
    })();
  } finally {
    fresh.db.exec('DETACH DATABASE previous');
  }
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

