import { startWorkerThread } from '@ledger/eventstore';
import { join } from 'node:path';

export interface AuditRebuildRequest {
  /** `esdb://...` or nothing (the SQLite log in dataDir), as for openEventStore. */
  storeUrl?: string;
  dataDir: string;
  /** Audit projections to rebuild; all when absent. */
  only?: readonly string[];
}

export type AuditRebuildMessage =
  | { progress: { position: string; head: string } }
  | { done: { events: number } }
  | { failed: { message: string } };

/**
 * Rebuilds DATA_DIR/audit.sqlite from the log on a worker thread (see audit-rebuild.worker.ts);
 * resolves with the number of events replayed. Offline, like AuditProjector.rebuild: no running
 * service may have the file open.
 */
export function rebuildAuditOnThread(request: AuditRebuildRequest, onProgress?: (position: bigint, head: bigint) => void): Promise<number> {
  const worker = startWorkerThread(join(__dirname, 'audit-rebuild.worker'), request);
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let done: number | null = null;
    worker.on('message', (message: AuditRebuildMessage) => {
      if ('progress' in message) onProgress?.(BigInt(message.progress.position), BigInt(message.progress.head));
      else if ('done' in message) {
        // Resolved on exit: by then the thread holds no file open.
        done = message.done.events;
      } else {
        settled = true;
        reject(new Error(`audit rebuild failed: ${message.failed.message}`));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (done !== null) resolve(done);
      else reject(new Error(`audit rebuild thread exited with code ${code} before it finished`));
    });
  });
}
