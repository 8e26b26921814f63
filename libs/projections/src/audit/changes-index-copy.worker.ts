/**
 * The SQL copy of the changes index (changes-index-copy.ts) on a thread of its own: it is SQLite
 * work only, and runs beside the two replays of a rebuild instead of after one of them.
 */
import { runJobInWorker } from '../rebuild-thread';
import { copyChangesIndexFromSqliteLog } from './changes-index-copy';
import type { ChangesCopyRequest } from './changes-index-copy-thread';

// The copy closes its file before it returns.
runJobInWorker<ChangesCopyRequest, { path: string; events: number }>((request) => copyChangesIndexFromSqliteLog(request.eventsPath, request.auditPath));
