import { startWorkerThread } from '@ledger/eventstore';

export type RebuildMessage =
  | { progress: { position: string; head: string } }
  | { done: { events: number } }
  | { failed: { message: string } };

/**
 * A replay allocates an object per event and drops it a batch later. With V8's default young
 * generation (16 MB semi-spaces) the scavenger then runs hundreds of times a second; 64 MB
 * semi-spaces (3 x 64 MB of young generation) made the SCIM replay of 1.05 M events about 15%
 * faster, in CPU and wall time (bench/README.md).
 */
const REPLAY_YOUNG_GENERATION_MB = 192;

/**
 * Runs a replay worker (it reports progress, then done or failed) and resolves with the number
 * of events it replayed, once the thread has exited: by then it holds no file open.
 */
export function runRebuildThread(
  workerFile: string, request: unknown, what: string, onProgress?: (position: bigint, head: bigint) => void,
): Promise<number> {
  const worker = startWorkerThread(workerFile, request, { maxYoungGenerationSizeMb: REPLAY_YOUNG_GENERATION_MB });
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let done: number | null = null;
    worker.on('message', (message: RebuildMessage) => {
      if ('progress' in message) onProgress?.(BigInt(message.progress.position), BigInt(message.progress.head));
      else if ('done' in message) done = message.done.events;
      else {
        settled = true;
        reject(new Error(`${what} failed: ${message.failed.message}`));
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
      else reject(new Error(`${what} thread exited with code ${code} before it finished`));
    });
  });
}
