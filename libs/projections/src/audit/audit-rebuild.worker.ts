/**
 * A full audit rebuild on a thread of its own, so that the CLI can replay the SCIM read model
 * on another at the same time: the two replays share nothing but the log, which both read, and
 * each keeps one core busy.
 */
import { openEventStore } from '@ledger/eventstore';
import { join } from 'node:path';
import { runJobInWorker } from '../rebuild-thread';
import { AuditProjector } from './audit-projector';
import { AuditReadModel } from './audit-read-model';
import type { AuditRebuildRequest } from './audit-rebuild-thread';

runJobInWorker<AuditRebuildRequest, number>(async (request, progress) => {
  const store = await openEventStore({ url: request.storeUrl, dataDir: request.dataDir });
  const model = new AuditReadModel(join(request.dataDir, 'audit.sqlite'));
  try {
    return await new AuditProjector(store, model).rebuild({ only: request.only, onProgress: progress });
  } finally {
    model.close();
    await store.close();
  }
});
