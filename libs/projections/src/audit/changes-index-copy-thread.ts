import { startWorkerThread } from '@ledger/eventstore';
import { join } from 'node:path';

export interface ChangesCopyRequest {
  eventsPath: string;
  auditPath: string;
}

export type ChangesCopyMessage = { done: { path: string; events: number } } | { failed: { message: string } };

/** copyChangesIndexFromSqliteLog on a worker thread; resolves once the thread has exited. */
export function copyChangesIndexOnThread(request: ChangesCopyRequest): Promise<{ path: string; events: number }> {
  const worker = startWorkerThread(join(__dirname, 'changes-index-copy.worker'), request);
  return new Promise((resolve, reject) => {
    let outcome: ChangesCopyMessage | null = null;
    worker.on('message', (message: ChangesCopyMessage) => {
      outcome = message;
    });
    worker.on('error', (error) => {
      outcome = { failed: { message: error.message } };
    });
    worker.on('exit', (code) => {
      const result = outcome as ChangesCopyMessage | null;
      if (result && 'done' in result) resolve(result.done);
      else reject(new Error(`changes index copy failed: ${result ? result.failed.message : `its thread exited with code ${code}`}`));
    });
  });
}
