/**
 * The SCIM read model's rebuild on a thread of its own, beside the audit replay and the changes
 * copy: on a worker the young generation can be sized for a replay (rebuild-thread.ts), which
 * the main thread's cannot once the process has started.
 */
import { openEventStore } from '@ledger/eventstore';
import { join } from 'node:path';
import { ReadModelProjector } from './projector';
import { runJobInWorker } from './rebuild-thread';
import { ScimReadModel } from './scim-read-model';

export interface ScimRebuildRequest {
  storeUrl?: string;
  dataDir: string;
}

runJobInWorker<ScimRebuildRequest, number>(async (request, progress) => {
  const store = await openEventStore({ url: request.storeUrl, dataDir: request.dataDir });
  const readModel = new ScimReadModel(join(request.dataDir, 'read-model.sqlite'));
  try {
    return await new ReadModelProjector(store, readModel).rebuild(progress);
  } finally {
    readModel.close();
    await store.close();
  }
});
