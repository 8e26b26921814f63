import type Database from 'better-sqlite3';

/**
 * Layout version in PRAGMA user_version. 1: events indexed by (stream_id, revision). 2: streams
 * get an integer key in creation order and events are indexed by (stream_key, revision). Under
 * group commit the streams written together are mostly new ones with neighbouring keys, so a
 * commit dirties a few index pages instead of one per stream; that halved the bytes each fsync
 * writes (bench/README.md, "event store appends").
 */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  stream_key INTEGER PRIMARY KEY,
  stream_id  TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY,
  stream_key     INTEGER NOT NULL REFERENCES streams (stream_key),
  stream_id      TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  event_id       TEXT    NOT NULL UNIQUE,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  prev_hash      TEXT    NOT NULL,
  hash           TEXT    NOT NULL,
  UNIQUE (stream_key, revision)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name       TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/**
 * WAL pages after which the writer thread's commit copies the WAL back into the database file.
 * A checkpoint is a pause with its own fsync inside whichever commit triggers it: SQLite's 1,000
 * pages (4 MB) made one every ~130 ms at 25,000 appends/s, and they were the appends' p99. At
 * 4,000 pages there are a quarter as many, each longer: p99 7.8-8.7 ms instead of 10.0-10.6 ms,
 * p99.9 31-34 ms instead of 13-19 ms (bench/README.md, "appends").
 */
export const WRITER_CHECKPOINT_PAGES = 4000;

/**
 * WAL + synchronous=FULL: a commit is on disk (WAL fsynced) before it returns. `checkpointPages`
 * 0 keeps a connection from ever checkpointing (the reader on the caller's thread leaves that
 * to the writer thread, so no HTTP request waits on one).
 */
export function prepareDatabase(db: Database.Database, options: { checkpointPages?: number } = {}): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (options.checkpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${options.checkpointPages}`);
  // The reader connection saves checkpoints too; under heavy load a commit can hold the lock for seconds.
  db.pragma('busy_timeout = 30000');
  db.transaction(() => {
    if (hasVersion1Layout(db)) migrateFromVersion1(db);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function hasVersion1Layout(db: Database.Database): boolean {
  const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all();
  return columns.length > 0 && !columns.some((column) => column.name === 'stream_key');
}

/** Rewrites a version 1 log in place, in one transaction: positions, revisions and hashes unchanged. */
function migrateFromVersion1(db: Database.Database): void {
  db.exec(`
    ALTER TABLE events RENAME TO events_v1;
    ${SCHEMA}
    INSERT INTO streams (stream_id) SELECT stream_id FROM events_v1 GROUP BY stream_id ORDER BY MIN(position);
    INSERT INTO events (position, stream_key, stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash)
      SELECT e.position, s.stream_key, e.stream_id, e.revision, e.event_id, e.type, e.schema_version, e.data, e.metadata, e.prev_hash, e.hash
      FROM events_v1 e JOIN streams s ON s.stream_id = e.stream_id ORDER BY e.position;
    DROP TABLE events_v1;
  `);
}
