/**
 * The SQL copy of the changes index (changes-index-copy.ts) on a thread of its own: it is SQLite
 * work only, and runs beside the two replays of a rebuild instead of after one of them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { copyChangesIndexFromSqliteLog } from './changes-index-copy';
import type { ChangesCopyMessage, ChangesCopyRequest } from './changes-index-copy-thread';

const port = parentPort!;
const request = workerData as ChangesCopyRequest;
const send = (message: ChangesCopyMessage) => port.postMessage(message);

try {
  // The copy closes its file before it returns.
  send({ done: copyChangesIndexFromSqliteLog(request.eventsPath, request.auditPath) });
} catch (error) {
  send({ failed: { message: (error as Error).message } });
}
