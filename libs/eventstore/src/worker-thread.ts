import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread next to the module that calls it: the compiled `.js` from a build, the
 * `.ts` source (with the same @swc-node/register loader) from tests and benches.
 *
 * A worker takes its parent's Node options only when none are passed: an explicit list with a
 * V8 option in it (`node --max-old-space-size=4096 main.js`, common in production) is refused
 * with ERR_WORKER_INVALID_EXEC_ARGV, which used to stop the service from opening its store.
 */
export function startWorkerThread(fileWithoutExtension: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const fromSource = __filename.endsWith('.ts');
  const file = `${fileWithoutExtension}.${fromSource ? 'ts' : 'js'}`;
  const inherited = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  if (!fromSource || inherited.includes('@swc-node/register')) return new Worker(file, { workerData, resourceLimits });
  const loader = ['-r', '@swc-node/register'];
  try {
    return new Worker(file, { workerData, resourceLimits, execArgv: [...inherited, ...loader] });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(file, { workerData, resourceLimits, execArgv: loader });
  }
}
