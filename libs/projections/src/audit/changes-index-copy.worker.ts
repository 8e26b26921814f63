/**
 * The SQL copy of the changes index (changes-index-copy.ts) on a thread of its own: it is SQLite
 * work only, and runs beside the two replays of a rebuild instead of after one of them.
 */
import { setPriority } from 'node:os';
import { runJobInWorker } from '../rebuild-thread';
import { copyChangesIndexFromSqliteLog } from './changes-index-copy';
import type { ChangesCopyRequest } from './changes-index-copy-thread';

/**
 * The copy needs about half the CPU of the audit replay, the longest part of a rebuild. At equal
 * priority the three threads share two cores and the audit replay finishes seconds after the
 * copy; a little lower priority lets the replays go first and the copy end with them. Nice 4
 * beat 0 in six runs of six in turns (1.05 M events, 0.2 to 2.8 s each); nice 10 made the copy
 * finish last. On Linux this is the calling thread's own priority (and that of the sorter
 * threads SQLite starts from it), not the process's.
 */
const COPY_NICENESS = 4;

runJobInWorker<ChangesCopyRequest, { path: string; events: number }>((request) => {
  try {
    setPriority(0, COPY_NICENESS);
  } catch {
    // Refused or not supported: the copy runs at the replays' priority, only later to finish.
  }
  // The copy closes its file before it returns.
  return copyChangesIndexFromSqliteLog(request.eventsPath, request.auditPath);
});
