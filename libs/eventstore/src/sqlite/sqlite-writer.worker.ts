/**
 * The SQLite writer thread: owns the only write connection, so hashing, inserts and fsync run
 * beside the HTTP thread instead of blocking it, and appends queue up while a commit is in
 * flight (bigger batches under load).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBatchWriter, type WriteRequest } from './sqlite-batch-writer';
import { prepareDatabase } from './sqlite-schema';

const db = new Database((workerData as { path: string }).path);
prepareDatabase(db);
const writer = new SqliteBatchWriter(db);

parentPort!.on('message', (message: { id: number; batch: WriteRequest[] } | { close: true }) => {
  if ('close' in message) {
    db.close();
    parentPort!.postMessage({ closed: true });
    return;
  }
  parentPort!.postMessage({ id: message.id, outcomes: writer.commit(message.batch) });
});
parentPort!.postMessage({ ready: true });
