/**
 * A full audit rebuild on a thread of its own, so that the CLI can replay the SCIM read model
 * on another at the same time: the two replays share nothing but the log, which both read, and
 * each keeps one core busy.
 */
import { openEventStore } from '@ledger/eventstore';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { AuditProjector } from './audit-projector';
import { AuditReadModel } from './audit-read-model';
import type { RebuildMessage } from '../rebuild-thread';
import type { AuditRebuildRequest } from './audit-rebuild-thread';

const port = parentPort!;
const request = workerData as AuditRebuildRequest;
const send = (message: RebuildMessage) => port.postMessage(message);

async function rebuild(): Promise<number> {
  const store = await openEventStore({ url: request.storeUrl, dataDir: request.dataDir });
  const model = new AuditReadModel(join(request.dataDir, 'audit.sqlite'));
  try {
    return await new AuditProjector(store, model).rebuild({
      only: request.only,
      onProgress: (position, head) => send({ progress: { position: position.toString(), head: head.toString() } }),
    });
  } finally {
    model.close();
    await store.close();
  }
}

// Done only once the files are closed: the caller may swap other audit files in right after.
rebuild().then(
  (events) => send({ done: { events } }),
  (error: Error) => send({ failed: { message: error.message } }),
);
