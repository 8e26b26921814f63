/**
 * Child process for the crash test: appends from 32 concurrent writers forever and prints one
 * line per acknowledged append. The parent kills it with SIGKILL mid-load.
 */
import { SqliteEventStore } from '@ledger/eventstore';

const path = process.argv[2];
if (!path) throw new Error('usage: append-writer.child.ts <sqlite file>');
const store = new SqliteEventStore({ path });
const writers = 32;

async function writer(w: number): Promise<never> {
  for (let stream = 0; ; stream++) {
    const streamId = `crash-p${process.pid}w${w}:${stream}`;
    for (let revision = 0; revision < 20; revision++) {
      const eventId = `${w}-${stream}-${revision}-${process.pid}`;
      await store.append(
        streamId,
        [{ id: undefined, type: 'Written', data: { eventId, padding: 'x'.repeat(200 + ((w * 31 + revision) % 500)) }, metadata: { tenant: 'crash', correlationId: eventId, actor: 'crash-test' } }],
        revision === 0 ? 'no_stream' : revision - 1,
      );
      // stdout to a pipe is synchronous on Linux: once this returns, the parent can read the line.
      process.stdout.write(`ack ${streamId} ${revision} ${eventId}\n`);
    }
  }
}

process.stdout.write('ready\n');
for (let w = 0; w < writers; w++) void writer(w);
