import { join } from 'node:path';
import { AuditReadModel, removeDatabase } from './audit/audit-read-model';
import { rebuildAuditOnThread } from './audit/audit-rebuild-thread';
import { copyChangesIndexOnThread } from './audit/changes-index-copy-thread';
import { runRebuildThread } from './rebuild-thread';
import type { ScimRebuildRequest } from './scim-rebuild.worker';

export const SCIM_READ_MODEL = 'scim-read-model';
const CHANGES_INDEX = 'changes-index';

export interface RebuildPlan {
  dataDir: string;
  /** `esdb://...`, or undefined for the SQLite log in dataDir. */
  storeUrl?: string;
  scim: boolean;
  /** Audit projections to rebuild. */
  audit: readonly string[];
  onProgress?: (part: string, position: bigint, head: bigint) => void;
  /** `seconds`: how long that part took, from its own start. */
  onDone?: (part: string, events: number, seconds: number) => void;
}

/**
 * Every chosen read model from zero, offline on DATA_DIR, on both cores: the SCIM read model and
 * the audit models replay on a worker thread each. On the SQLite log the changes index (a row per
 * event) is not replayed but copied by SQL from the log, on a third thread beside the two replays
 * (it only reads the log), and swapped in once the audit thread has closed its files.
 */
export async function rebuildProjections(plan: RebuildPlan): Promise<void> {
  const copyChanges = plan.storeUrl === undefined && plan.audit.includes(CHANGES_INDEX);
  const onThread = copyChanges ? plan.audit.filter((name) => name !== CHANGES_INDEX) : plan.audit;
  const threadPart = `audit (${onThread.join(', ')})`;
  const started = performance.now();
  const since = (start: number) => (performance.now() - start) / 1000;
  const audit = onThread.length === 0
    ? Promise.resolve()
    : rebuildAuditOnThread({ storeUrl: plan.storeUrl, dataDir: plan.dataDir, only: onThread }, (position, head) => plan.onProgress?.(threadPart, position, head))
      .then((events) => plan.onDone?.(threadPart, events, since(started)));
  let copied: { path: string; events: number; seconds: number } | undefined;
  const copy = !copyChanges
    ? Promise.resolve()
    : copyChangesIndexOnThread({ eventsPath: join(plan.dataDir, 'events.sqlite'), auditPath: join(plan.dataDir, 'audit.sqlite') })
      .then((result) => {
        copied = { ...result, seconds: since(started) };
      });
  const scim = !plan.scim
    ? Promise.resolve()
    : runRebuildThread(join(__dirname, 'scim-rebuild.worker'), { storeUrl: plan.storeUrl, dataDir: plan.dataDir } satisfies ScimRebuildRequest, 'SCIM read model rebuild',
      (position, head) => plan.onProgress?.(SCIM_READ_MODEL, position, head))
      .then((events) => plan.onDone?.(SCIM_READ_MODEL, events, since(started)));
  const outcomes = await Promise.allSettled([audit, scim, copy]);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    if (copied) removeDatabase(copied.path);
    throw failed.reason;
  }
  if (copied) {
    // Only now is no other connection on the audit files: the thread has closed them.
    const model = new AuditReadModel(join(plan.dataDir, 'audit.sqlite'));
    try {
      model.adoptChangesIndex(copied.path);
    } finally {
      model.close();
    }
    plan.onDone?.(`${CHANGES_INDEX} (copied from the log by SQL)`, copied.events, copied.seconds);
  }
}
