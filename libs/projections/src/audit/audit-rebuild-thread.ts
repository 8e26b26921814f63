import { join } from 'node:path';
import { runRebuildThread } from '../rebuild-thread';

export interface AuditRebuildRequest {
  /** `esdb://...` or nothing (the SQLite log in dataDir), as for openEventStore. */
  storeUrl?: string;
  dataDir: string;
  /** Audit projections to rebuild; all when absent. */
  only?: readonly string[];
}

/**
 * Rebuilds DATA_DIR/audit.sqlite from the log on a worker thread (see audit-rebuild.worker.ts);
 * resolves with the number of events replayed. Offline, like AuditProjector.rebuild: no running
 * service may have the file open.
 */
export function rebuildAuditOnThread(request: AuditRebuildRequest, onProgress?: (position: bigint, head: bigint) => void): Promise<number> {
  return runRebuildThread(join(__dirname, 'audit-rebuild.worker'), request, 'audit rebuild', onProgress);
}
