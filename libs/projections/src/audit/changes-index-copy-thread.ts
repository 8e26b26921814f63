import { join } from 'node:path';
import { runWorkerJob } from '../rebuild-thread';

export interface ChangesCopyRequest {
  eventsPath: string;
  auditPath: string;
}

/** copyChangesIndexFromSqliteLog on a worker thread; resolves once the thread has exited. */
export function copyChangesIndexOnThread(request: ChangesCopyRequest): Promise<{ path: string; events: number }> {
  return runWorkerJob(join(__dirname, 'changes-index-copy.worker'), request, 'changes index copy');
}
