import { SqliteEventStore, verifyStreamChain } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface Ack {
  streamId: string;
  revision: number;
  eventId: string;
}

/** Runs the writer child until it has acknowledged `minAcks` appends, then SIGKILLs it mid-load. */
async function killMidLoad(file: string, minAcks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'append-writer.child.ts'), file], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acks: Ack[] = [];
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? `exit code ${code} after ${acks.length} acks`)),
  );
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [kind, streamId, revision, eventId] = line.split(' ');
    if (kind !== 'ack') return;
    acks.push({ streamId: streamId!, revision: Number(revision), eventId: eventId! });
    if (acks.length === minAcks) child.kill('SIGKILL');
  });
  expect(await exited).toBe('SIGKILL');
  return acks;
}

describe('crash safety of the SQLite store', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('crash');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('keeps every acknowledged append and an intact hash chain after SIGKILL under load, twice over', async () => {
    const file = join(dir.path, 'events.sqlite');
    const acked = [...(await killMidLoad(file, 3000)), ...(await killMidLoad(file, 3000))];

    const store = new SqliteEventStore({ path: file });
    try {
      const streams = new Map<string, Awaited<ReturnType<typeof store.readStream>>>();
      for (const ack of acked) {
        if (!streams.has(ack.streamId)) streams.set(ack.streamId, await store.readStream(ack.streamId));
        const event = streams.get(ack.streamId)![ack.revision];
        expect(event?.data).toMatchObject({ eventId: ack.eventId });
      }
      const all = await store.readAll({ after: 0n, maxCount: 1_000_000 });
      expect(all.length).toBeGreaterThanOrEqual(acked.length);
      const byStream = new Map<string, typeof all>();
      for (const event of all) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
      for (const events of byStream.values()) expect(verifyStreamChain(events)).toMatchObject({ ok: true });
      // Positions stay contiguous: a subscriber reading "after N" cannot skip anything.
      all.forEach((event, index) => expect(event.position).toBe(BigInt(index + 1)));
    } finally {
      await store.close();
    }
  }, 60_000);
});
