/**
 * The tree writer thread, for the SQLite store: reads the leaf fields of new events through its
 * own read-only connection and appends them to transparency.sqlite, so hashing and tree writes
 * never hold up the thread that serves HTTP and hands appends to the store's writer.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { LEDGER_CHECKPOINT_CATEGORY } from './ledger-checkpoint.events';
import { MerkleTreeStore, type TreeEvent } from './merkle-tree-store';

export interface TreeWriterData {
  eventsPath: string;
  treePath: string;
  indexEventIds: boolean;
  batchSize: number;
  coalesceMs: number;
}

/** Worker -> parent. Positions travel as strings (bigint does not cross postMessage everywhere). */
export type TreeWriterMessage =
  | { progress: { size: number; position: string }; caughtUp: boolean }
  | { failed: string }
  | { stopped: true };

interface LeafRow {
  position: bigint;
  streamId: string;
  revision: bigint;
  id: string;
  hash: string;
  type: string;
  data: string | null;
}

const data = workerData as TreeWriterData;
const port = parentPort!;
let stopping = false;
let endPause: (() => void) | null = null;

port.on('message', (message: { wake?: true; stop?: true }) => {
  if (message.stop) stopping = true;
  endPause?.();
});

async function run(): Promise<void> {
  const tree = new MerkleTreeStore(data.treePath, { indexEventIds: data.indexEventIds });
  const events = new Database(data.eventsPath, { readonly: true, fileMustExist: true });
  try {
    const read = events
      .prepare<[bigint, number], LeafRow>(
        `SELECT position, stream_id AS streamId, revision, event_id AS id, hash, type,
                CASE WHEN stream_id >= '${LEDGER_CHECKPOINT_CATEGORY}-' AND stream_id < '${LEDGER_CHECKPOINT_CATEGORY}.' THEN data END AS data
         FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
      )
      .safeIntegers(true);
    let announced = false;
    while (!stopping) {
      const rows = read.all(tree.position, data.batchSize);
      if (rows.length > 0) tree.append(rows.map(toTreeEvent));
      const caughtUp = rows.length < data.batchSize;
      if (rows.length > 0 || (caughtUp && !announced)) {
        port.postMessage({ progress: { size: tree.size, position: tree.position.toString() }, caughtUp } satisfies TreeWriterMessage);
        announced ||= caughtUp;
      }
      // Let stop and wake messages in between batches; pause only when there is nothing left to read.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, caughtUp ? data.coalesceMs : 0);
        endPause = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      endPause = null;
    }
  } finally {
    tree.close();
    events.close();
  }
}

function toTreeEvent(row: LeafRow): TreeEvent {
  return {
    position: row.position,
    streamId: row.streamId,
    revision: Number(row.revision),
    id: row.id,
    hash: row.hash,
    type: row.type,
    data: row.data === null ? null : JSON.parse(row.data),
  };
}

function finish(message: TreeWriterMessage): void {
  port.postMessage(message);
  // Nothing else keeps the thread alive: it exits once the message is out.
  port.removeAllListeners('message');
  port.unref();
}

run().then(
  () => finish({ stopped: true }),
  (error: Error) => finish({ failed: error.message }),
);
