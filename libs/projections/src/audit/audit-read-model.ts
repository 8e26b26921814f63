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

/** Bump when a projection's tables in audit.sqlite change shape (5: the changes index moved out). */
const SCHEMA_VERSION = 5;
/** The same for the changes index's own file. */
export const CHANGES_SCHEMA_VERSION = 1;

/**
 * The two files of the audit models: `main` (audit.sqlite) and the changes index, attached to the
 * same connection under this name. Each file keeps the checkpoints of its own projections, so a
 * crash between the two files' commits leaves each consistent with itself.
 */
export const CHANGES_SCHEMA = 'changes_db';
type Schema = 'main' | typeof CHANGES_SCHEMA;
type Mode = 'live' | 'replay';
interface Paths {
  main: string;
  changes: string;
}

/** DATA_DIR/audit.sqlite -> DATA_DIR/audit-changes.sqlite. */
export function changesPathOf(path: string): string {
  if (path === ':memory:') return ':memory:';
  return path.endsWith('.sqlite') ? `${path.slice(0, -'.sqlite'.length)}-changes.sqlite` : `${path}-changes`;
}

/** One open pair of audit files: the connection and the projections' statements on it. */
interface Storage {
  db: Database.Database;
  membership: MembershipIntervalsProjection;
  attributes: AttributeHistoryProjection;
  changes: ChangesIndexProjection;
  activity: UserActivityProjection;
  auditors: AuditorsProjection;
  projections: readonly AuditProjection[];
  loadCheckpoints: Record<Schema, Database.Statement>;
  saveCheckpoint: Record<Schema, Database.Statement>;
}

function schemaOf(projection: AuditProjection): Schema {
  return projection instanceof ChangesIndexProjection ? CHANGES_SCHEMA : 'main';
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
 * The audit read models, in their own SQLite files (DATA_DIR/audit.sqlite, and the changes index
 * in DATA_DIR/audit-changes.sqlite). Each projection has its own checkpoint, moved in the same
 * transaction as its rows, so after a crash each resumes exactly where its rows end, and one
 * projection can be rebuilt while the others keep theirs. Like the SCIM read model they can
 * always be rebuilt from the log, so they skip fsync.
 */
export class AuditReadModel {
  private storage: Storage;
  readonly changesPath: string;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.changesPath = changesPathOf(path);
    this.storage = open(this.paths, { main: 'live', changes: 'live' });
  }

  private get paths(): Paths {
    return { main: this.path, changes: this.changesPath };
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
    storage.db.transaction(() => applyBatch(storage, storage.projections, events, checkpoints, new Map()))();
  }

  /**
   * Starts replaying the named projections (all by default) from zero. On files, the replay
   * writes a fresh copy of each file that holds one of them (no journal, query indexes built once
   * at the end, that file's other projections copied over) and commit() renames it over the old
   * one: readers see the old models until then, and a failed or interrupted rebuild leaves them
   * as they were. Projections of a file not rebuilt are not fed. In memory, the projections are
   * emptied and replayed in place.
   */
  beginRebuild(names?: readonly string[]): AuditRebuild {
    const chosen = this.chosen(names);
    return this.path === ':memory:' ? this.rebuildInPlace(chosen) : this.rebuildInFreshFiles(chosen);
  }

  /**
   * Puts a changes index built elsewhere (copyChangesIndexFromSqliteLog) in place of the current
   * one, by a rename. Offline, like a rebuild: no other connection may have the file open.
   */
  adoptChangesIndex(freshPath: string): void {
    this.swapIn(new Map([[CHANGES_SCHEMA, freshPath]]));
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
    const all = storage.projections;
    return replay(storage, all, chosen, () => buildQueryIndexes(storage, all), () => buildQueryIndexes(storage, all));
  }

  private rebuildInFreshFiles(chosen: readonly AuditProjection[]): AuditRebuild {
    const rebuilt = new Set(chosen.map(schemaOf));
    const fresh = new Map([...rebuilt].map((schema) => [schema, `${this.pathOf(schema)}.rebuild`] as const));
    for (const path of fresh.values()) removeDatabase(path);
    const paths = { main: fresh.get('main') ?? this.path, changes: fresh.get(CHANGES_SCHEMA) ?? this.changesPath };
    const storage = open(paths, { main: rebuilt.has('main') ? 'replay' : 'live', changes: rebuilt.has(CHANGES_SCHEMA) ? 'replay' : 'live' });
    // Only the files being rebuilt are fed: the chosen projections from zero, their file-mates from their checkpoints.
    const fed = storage.projections.filter((p) => rebuilt.has(schemaOf(p)));
    const chosenInFresh = fed.filter((p) => chosen.some((c) => c.name === p.name));
    const cleanUp = () => {
      if (storage.db.open) storage.db.close();
      for (const path of fresh.values()) removeDatabase(path);
    };
    try {
      dropQueryIndexes(storage, fed);
      copyProjections(storage, this.paths, fed.filter((p) => !chosenInFresh.includes(p)));
    } catch (error) {
      cleanUp();
      throw error;
    }
    return replay(
      storage,
      fed,
      chosenInFresh,
      () => {
        buildQueryIndexes(storage, fed);
        storage.db.close();
        this.swapIn(fresh);
      },
      cleanUp,
    );
  }

  private pathOf(schema: Schema): string {
    return schema === 'main' ? this.path : this.changesPath;
  }

  /** Replaces files with rebuilt ones by a rename: readers see either the old models or the new. */
  private swapIn(fresh: ReadonlyMap<Schema, string>): void {
    const old = this.storage.db;
    // Leaving WAL checkpoints the WAL into the file: no WAL of the old file may survive to be read
    // as the new file's. It fails when another connection holds a lock SQLite can see (a write, or
    // some reads), and SQLite reports that by returning the old mode, not always by throwing. An
    // idle connection elsewhere holds no such lock, so the CLI says to stop the service first.
    for (const schema of fresh.keys()) {
      const mode = old.pragma(`${schema}.journal_mode = DELETE`, { simple: true });
      if (String(mode).toLowerCase() !== 'delete') {
        throw new Error(`${this.pathOf(schema)} is open in another process (it stayed in ${String(mode)} mode): stop the service before rebuilding`);
      }
    }
    old.close();
    try {
      for (const [schema, freshPath] of fresh) {
        const path = this.pathOf(schema);
        rmSync(`${path}-wal`, { force: true });
        rmSync(`${path}-shm`, { force: true });
        // No fsync, as for every write to these files (synchronous = OFF): they can be rebuilt from the log.
        renameSync(freshPath, path);
      }
    } finally {
      this.storage = open(this.paths, { main: 'live', changes: 'live' });
    }
  }

  private chosen(names?: readonly string[]): readonly AuditProjection[] {
    const unknown = (names ?? []).filter((n) => !this.projections.some((p) => p.name === n));
    if (unknown.length > 0) throw new Error(`unknown audit projection ${unknown.join(', ')} (known: ${this.names().join(', ')})`);
    return names ? this.projections.filter((p) => names.includes(p.name)) : this.projections;
  }
}

function open(paths: Paths, modes: Record<'main' | 'changes', Mode>): Storage {
  const db = new Database(paths.main);
  db.prepare(`ATTACH DATABASE ? AS ${CHANGES_SCHEMA}`).run(paths.changes);
  configure(db, 'main', modes.main);
  configure(db, CHANGES_SCHEMA, modes.changes);
  db.pragma('temp_store = MEMORY');
  // The query indexes of a rebuild are sorted at the end; SQLite's sorter can use a second core for it.
  if (modes.main !== 'live' || modes.changes !== 'live') db.pragma('threads = 2');
  dropIfOutdated(db, 'main', SCHEMA_VERSION);
  dropIfOutdated(db, CHANGES_SCHEMA, CHANGES_SCHEMA_VERSION);
  for (const schema of ['main', CHANGES_SCHEMA] as const) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${schema}.audit_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)`);
  }
  const changes = new ChangesIndexProjection(db, CHANGES_SCHEMA);
  const membership = new MembershipIntervalsProjection(db, changes);
  const attributes = new AttributeHistoryProjection(db, changes);
  const activity = new UserActivityProjection(db, changes);
  const auditors = new AuditorsProjection(db);
  const checkpointStatements = (schema: Schema) => ({
    load: db.prepare(`SELECT name, position FROM ${schema}.audit_checkpoints`).safeIntegers(true),
    save: db.prepare(`INSERT INTO ${schema}.audit_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position`),
  });
  const main = checkpointStatements('main');
  const changesFile = checkpointStatements(CHANGES_SCHEMA);
  return {
    db, membership, attributes, changes, activity, auditors,
    projections: [membership, attributes, changes, activity, auditors],
    loadCheckpoints: { main: main.load, [CHANGES_SCHEMA]: changesFile.load },
    saveCheckpoint: { main: main.save, [CHANGES_SCHEMA]: changesFile.save },
  };
}

function configure(db: Database.Database, schema: Schema, mode: Mode): void {
  // Before the journal mode: switching a file to WAL syncs it first unless told not to, and a
  // file just rebuilt (written with synchronous = OFF) is then flushed whole, 0.3 s for the
  // 357 MB changes index of 1 M events, on every swap and on the service's first open.
  db.pragma(`${schema}.synchronous = OFF`);
  if (mode === 'live') {
    db.pragma(`${schema}.journal_mode = WAL`);
  } else {
    // A file nobody reads until it is complete and renamed into place: no journal, no other connection.
    db.pragma(`${schema}.journal_mode = OFF`);
    db.pragma(`${schema}.locking_mode = EXCLUSIVE`);
  }
  // Projection writes land on pages all over the indexes; a 2 MB default cache turns a rebuild into page
  // churn. The live model keeps 32 MB per file: it is one of several caches in a long-running service.
  db.pragma(`${schema}.cache_size = ${mode === 'live' ? -32768 : -524288}`);
}

/** A file written by another schema version is emptied: the subscription then rebuilds it from the log. */
function dropIfOutdated(db: Database.Database, schema: Schema, expected: number): void {
  const version = db.pragma(`${schema}.user_version`, { simple: true }) as number;
  if (version === expected) return;
  const tables = db.prepare(`SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>;
  db.transaction(() => {
    for (const { name } of tables) db.exec(`DROP TABLE ${schema}."${name}"`);
  })();
  db.pragma(`${schema}.user_version = ${expected}`);
}

function checkpointsOf(storage: Storage, projections: readonly AuditProjection[] = storage.projections): Map<string, bigint> {
  const stored = new Map<string, bigint>();
  for (const schema of ['main', CHANGES_SCHEMA] as const) {
    for (const row of storage.loadCheckpoints[schema].all() as Array<{ name: string; position: bigint }>) stored.set(`${schema}/${row.name}`, row.position);
  }
  return new Map(projections.map((p) => [p.name, stored.get(`${schemaOf(p)}/${p.name}`) ?? 0n]));
}

function lowest(checkpoints: Map<string, bigint>): bigint {
  let result: bigint | null = null;
  for (const position of checkpoints.values()) if (result === null || position < result) result = position;
  return result ?? 0n;
}

/** Runs inside a transaction; moves `checkpoints` along with the stored ones. */
function applyBatch(
  storage: Storage, projections: readonly AuditProjection[], events: readonly RecordedEvent[], checkpoints: Map<string, bigint>, writers: Map<string, ReplayWriter>,
): void {
  const last = events[events.length - 1]!.position;
  for (const projection of projections) {
    const after = checkpoints.get(projection.name) ?? 0n;
    if (last <= after) continue;
    const writer = writers.get(projection.name) ?? projection;
    for (const event of events) if (event.position > after) writer.apply(event);
    storage.saveCheckpoint[schemaOf(projection)].run(projection.name, last);
    checkpoints.set(projection.name, last);
  }
}

/** Feeds `chosen` (emptied) through their replay writers and the rest of `fed` through apply, each from its checkpoint. */
function replay(storage: Storage, fed: readonly AuditProjection[], chosen: readonly AuditProjection[], finish: () => void, cleanUp: () => void): AuditRebuild {
  const checkpoints = checkpointsOf(storage, fed);
  const writers = new Map(chosen.flatMap((p) => (p.replay ? [[p.name, p.replay()] as const] : [])));
  let settled = false;
  return {
    after: lowest(checkpoints),
    apply(events) {
      if (settled) throw new Error('audit rebuild already committed or aborted');
      if (events.length > 0) storage.db.transaction(() => applyBatch(storage, fed, events, checkpoints, writers))();
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
      for (const table of projection.tables) storage.db.exec(`DELETE FROM ${schemaOf(projection)}.${table}`);
      storage.db.prepare(`DELETE FROM ${schemaOf(projection)}.audit_checkpoints WHERE name = ?`).run(projection.name);
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

function buildQueryIndexes(storage: Storage, projections: readonly AuditProjection[]): void {
  for (const projection of projections) for (const index of projection.queryIndexes) storage.db.exec(index.sql);
}

/** The rows and checkpoints of projections a partial rebuild keeps, from the files being replaced. */
function copyProjections(fresh: Storage, previous: Paths, kept: readonly AuditProjection[]): void {
  for (const schema of ['main', CHANGES_SCHEMA] as const) {
    const ofFile = kept.filter((p) => schemaOf(p) === schema);
    if (ofFile.length === 0) continue;
    fresh.db.prepare('ATTACH DATABASE ? AS previous').run(schema === 'main' ? previous.main : previous.changes);
    try {
      fresh.db.transaction(() => {
        for (const projection of ofFile) {
          for (const table of projection.tables) fresh.db.exec(`INSERT INTO ${schema}.${table} SELECT * FROM previous.${table}`);
          fresh.db.prepare(`INSERT INTO ${schema}.audit_checkpoints SELECT * FROM previous.audit_checkpoints WHERE name = ?`).run(projection.name);
        }
      })();
    } finally {
      fresh.db.exec('DETACH DATABASE previous');
    }
  }
}

/** A SQLite file and whatever journal it left beside it. */
export function removeDatabase(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

