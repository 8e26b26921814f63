import { startWorkerThread } from '@ledger/eventstore';
import { parentPort, workerData, type ResourceLimits } from 'node:worker_threads';

/** What a rebuild worker posts: progress, then its result or why it failed. */
type JobMessage<T> =
  | { progress: { position: string; head: string } }
  | { done: T }
  | { failed: { message: string } };

/**
 * A replay allocates an object per event and drops it a batch later. With V8's default young
 * generation (16 MB semi-spaces) the scavenger then runs hundreds of times a second; 64 MB
 * semi-spaces (3 x 64 MB of young generation) made the SCIM replay of 1.05 M events about 15%
 * faster, in CPU and wall time (bench/README.md).
 */
const REPLAY_YOUNG_GENERATION_MB = 192;

/**
 * Runs a worker that calls runJobInWorker and resolves with its result once the thread has
 * exited: by then it holds no file open.
 */
export function runWorkerJob<T>(
  workerFile: string, request: unknown, what: string,
  options: { onProgress?: (position: bigint, head: bigint) => void; resourceLimits?: ResourceLimits } = {},
): Promise<T> {
  const worker = startWorkerThread(workerFile, request, options.resourceLimits);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let done: { result: T } | null = null;
    worker.on('message', (message: JobMessage<T>) => {
      if ('progress' in message) options.onProgress?.(BigInt(message.progress.position), BigInt(message.progress.head));
      else if ('done' in message) done = { result: message.done };
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
      if (done !== null) resolve(done.result);
      else reject(new Error(`${what} thread exited with code ${code} before it finished`));
    });
  });
}

/** A replay on a worker thread, with a young generation sized for it; resolves with the events replayed. */
export function runRebuildThread(
  workerFile: string, request: unknown, what: string, onProgress?: (position: bigint, head: bigint) => void,
): Promise<number> {
  return runWorkerJob<number>(workerFile, request, what, { onProgress, resourceLimits: { maxYoungGenerationSizeMb: REPLAY_YOUNG_GENERATION_MB } });
}

/**
 * The worker side of runWorkerJob: runs `job` on the request the thread was started with and
 * posts its progress and its outcome. `job` must have closed its files when it settles: the
 * caller may swap them right after.
 */
export function runJobInWorker<Request, T>(job: (request: Request, progress: (position: bigint, head: bigint) => void) => Promise<T> | T): void {
  const port = parentPort!;
  const send = (message: JobMessage<T>) => port.postMessage(message);
  const progress = (position: bigint, head: bigint) => send({ progress: { position: position.toString(), head: head.toString() } });
  Promise.resolve()
    .then(() => job(workerData as Request, progress))
    .then(
      (result) => send({ done: result }),
      (error: Error) => send({ failed: { message: error.message } }),
    );
}
