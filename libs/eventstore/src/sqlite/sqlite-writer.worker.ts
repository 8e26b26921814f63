/**
 * The SQLite writer thread: owns the only write connection, so hashing, inserts and fsync run
 * beside the HTTP thread instead of blocking it. Batches sent while a commit runs wait in this
 * thread's message queue; the next commit takes all of them at once (group commit), and each
 * batch gets its own reply.
 */
import Database from 'better-sqlite3';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { SqliteBatchWriter, packOutcomes, type WriteRequest } from './sqlite-batch-writer';
import { WRITER_CHECKPOINT_PAGES, prepareDatabase } from './sqlite-schema';

type Message = { id: number; batch: WriteRequest[] } | { close: true };

/** Appends merged into one transaction at most; the rest wait for the next one. */
const MAX_MERGED_APPENDS = 4096;

const port = parentPort!;
const db = new Database((workerData as { path: string }).path);
prepareDatabase(db, { checkpointPages: WRITER_CHECKPOINT_PAGES });
const writer = new SqliteBatchWriter(db);

function close(): void {
  db.close();
  port.postMessage({ closed: true });
}

port.on('message', (first: Message) => {
  if ('close' in first) return close();
  const batches = [first];
  let appends = first.batch.length;
  let closeAfter = false;
  while (appends < MAX_MERGED_APPENDS) {
    const next = receiveMessageOnPort(port)?.message as Message | undefined;
    if (!next) break;
    if ('close' in next) {
      closeAfter = true;
      break;
    }
    batches.push(next);
    appends += next.batch.length;
  }
  const outcomes = writer.commit(batches.length === 1 ? first.batch : batches.flatMap((b) => b.batch));
  // One reply for the whole commit: the caller settles every batch, then wakes subscribers once.
  let offset = 0;
  const replies = batches.map(({ id, batch }) => {
    const reply = { id, outcomes: packOutcomes(outcomes.slice(offset, offset + batch.length)) };
    offset += batch.length;
    return reply;
  });
  port.postMessage({ replies });
  if (closeAfter) close();
});
port.postMessage({ ready: true });
