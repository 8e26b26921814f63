/**
 * The SCIM read model's rebuild on a thread of its own, beside the audit replay and the changes
 * copy: on a worker the young generation can be sized for a replay (rebuild-thread.ts), which
 * the main thread's cannot once the process has started.
 */
import { openEventStore } from '@ledger/eventstore';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ReadModelProjector } from './projector';
import type { RebuildMessage } from './rebuild-thread';
import { ScimReadModel } from './scim-read-model';

export interface ScimRebuildRequest {
  storeUrl?: string;
  dataDir: string;
}

const port = parentPort!;
const request = workerData as ScimRebuildRequest;
const send = (message: RebuildMessage) => port.postMessage(message);

async function rebuild(): Promise<number> {
  const store = await openEventStore({ url: request.storeUrl, dataDir: request.dataDir });
  const readModel = new ScimReadModel(join(request.dataDir, 'read-model.sqlite'));
  try {
    return await new ReadModelProjector(store, readModel).rebuild((position, head) => send({ progress: { position: position.toString(), head: head.toString() } }));
  } finally {
    readModel.close();
    await store.close();
  }
}

rebuild().then(
  (events) => send({ done: { events } }),
  (error: Error) => send({ failed: { message: error.message } }),
);
