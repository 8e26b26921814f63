import Database from 'better-sqlite3';
import { CHANGES_SCHEMA_VERSION, changesPathOf, removeDatabase } from './audit-read-model';
import { CHANGES_TABLE_SQL, changesQueryIndexes } from './changes-index.projection';
import { ISO_UTC_MS_GLOB, normalisedTime } from './event-source';

/**
 * changeEntry() in SQL: the same row for every event, computed by SQLite from the log's own
 * columns. Times already in toISOString() form (all the ledger writes) are copied; any other
 * form goes through the same normalisation as timeOf().
 */
const COPY = `
INSERT INTO main.changes (position, tenant, at, type, stream_id, category, resource_id, revision, event_id, actor,
                          request_id, correlation_id, causation_id, idp, token_id)
SELECT e.position,
       e.metadata ->> 'tenant',
       CASE WHEN (e.metadata ->> 'recordedAt') GLOB '${ISO_UTC_MS_GLOB}' THEN e.metadata ->> 'recordedAt'
            ELSE ledger_time(e.metadata ->> 'recordedAt', e.data) END,
       e.type,
       e.stream_id,
       CASE WHEN instr(e.stream_id, '-') = 0 THEN e.stream_id ELSE substr(e.stream_id, 1, instr(e.stream_id, '-') - 1) END,
       CASE WHEN instr(e.stream_id, ':') > 0 THEN substr(e.stream_id, instr(e.stream_id, ':') + 1)
            WHEN instr(e.stream_id, '-') > 0 THEN substr(e.stream_id, instr(e.stream_id, '-') + 1)
            ELSE e.stream_id END,
       e.revision, e.event_id,
       e.metadata ->> 'actor', e.metadata ->> 'requestId', e.metadata ->> 'correlationId', e.metadata ->> 'causationId',
       e.metadata ->> 'idp', e.metadata ->> 'tokenId'
FROM log.events e
ORDER BY e.position`;

/**
 * Builds a complete changes index straight from the SQLite log file (DATA_DIR/events.sqlite)
 * with one INSERT ... SELECT, into a fresh file next to the audit models, for
 * AuditReadModel.adoptChangesIndex to swap in. One row per event is most of an audit rebuild's
 * writes; done in SQL it needs no JavaScript read of the log, and the CLI runs it on the core the
 * SCIM replay leaves free. Only reads the log, so it may run beside any other replay.
 */
export function copyChangesIndexFromSqliteLog(eventsPath: string, auditPath: string): { path: string; events: number } {
  const path = `${changesPathOf(auditPath)}.copy`;
  removeDatabase(path);
  const db = new Database(path);
  try {
    // Nobody reads this file until it is complete and renamed into place. `main.` throughout:
    // without it locking_mode would also take the log, attached below, exclusively.
    db.pragma('main.journal_mode = OFF');
    db.pragma('main.locking_mode = EXCLUSIVE');
    db.pragma('main.synchronous = OFF');
    db.pragma('main.cache_size = -524288');
    db.pragma('temp_store = MEMORY');
    db.pragma('threads = 2');
    db.pragma(`user_version = ${CHANGES_SCHEMA_VERSION}`);
    db.exec('CREATE TABLE audit_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    db.exec(CHANGES_TABLE_SQL('main'));
    db.function('ledger_time', { deterministic: true }, (recordedAt: unknown, data: unknown) =>
      normalisedTime(recordedAt as string, typeof data === 'string' ? JSON.parse(data) : null));
    db.prepare('ATTACH DATABASE ? AS log').run(eventsPath);
    // The rows and the checkpoint from one read of the log: the checkpoint is the last row copied.
    const events = db.transaction(() => {
      const copied = db.prepare(COPY).run().changes;
      const head = (db.prepare('SELECT MAX(position) FROM log.events').pluck().safeIntegers(true).get() as bigint | null) ?? 0n;
      db.prepare("INSERT INTO audit_checkpoints (name, position) VALUES ('changes-index', ?)").run(head);
      return copied;
    })();
    db.exec('DETACH DATABASE log');
    for (const index of changesQueryIndexes('main')) db.exec(index.sql);
    db.close();
    return { path, events };
  } catch (error) {
    if (db.open) db.close();
    removeDatabase(path);
    throw error;
  }
}
