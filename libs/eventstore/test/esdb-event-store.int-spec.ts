import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { EsdbStandIn, type EsdbStandInOptions, type RunningEsdbStandIn } from '../../testing/src/esdb';
import {
  EventStoreUnavailable,
  InvalidAppend,
  type NewEvent,
  WrongExpectedRevision,
  openEventStore,
  verifyStreamChain,
} from '../src';
import { type ContractFixture, eventStoreContract } from '../src/event-store.contract';
import { EsdbEventStore, type EsdbEventStoreOptions } from '../src/esdb/esdb-event-store';

// Every store call is a gRPC round trip (1-3 ms even in-process on these machines), and the
// contract's retry test makes about two thousand of them.
jest.setTimeout(30_000);

const liveServer = process.env.EVENTSTORE_CONNECTION_STRING;
const fast: EsdbEventStoreOptions = { pollIntervalMs: 100 };

const anEvent = (type = 'ThingHappened', data: unknown = { n: 1 }): NewEvent => ({
  type,
  data,
  metadata: { tenant: 'acme', correlationId: randomUUID(), actor: 'token:tok-1' },
});
const uniqueStream = () => `thing-acme:${randomUUID()}`;

/** A stand-in server for the enclosing describe block. */
function standIn(options?: EsdbStandInOptions): () => RunningEsdbStandIn {
  let running: RunningEsdbStandIn | undefined;
  beforeAll(async () => {
    running = await new EsdbStandIn(options).start();
  });
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('the stand-in has not started');
    return running;
  };
}

function contractFixture(connectionString: () => string) {
  return async (): Promise<ContractFixture> => {
    const store = await EsdbEventStore.connect(connectionString(), fast);
    return {
      store,
      reopen: () => EsdbEventStore.connect(connectionString(), fast),
      cleanup: () => store.close(),
    };
  };
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

if (liveServer) {
  eventStoreContract(`EventStoreDB at ${liveServer.replace(/\/\/[^@/]*@/, '//')}`, contractFixture(() => liveServer));
} else {
  beforeAll(() => {
    process.stdout.write(
      'EventStoreDB contract: running against the in-process stand-in, not a real server ' +
        '(set EVENTSTORE_CONNECTION_STRING=esdb://host:2113?tls=false to run against one)\n',
    );
  });

  describe('stand-in answering like a 21.10+ node (the client appends through BatchAppend)', () => {
    const server = standIn();
    eventStoreContract('EventStoreDB stand-in', contractFixture(() => server().connectionString));
  });
}

const specificsTargets: Array<[string, EsdbStandInOptions | 'live']> = liveServer
  ? [['the live server', 'live']]
  : [
      ['the stand-in (the client appends through BatchAppend)', {}],
      ['the stand-in without ServerFeatures (the client falls back to Append)', { legacyAppend: true }],
    ];

describe.each(specificsTargets)('EsdbEventStore on EventStoreDB specifics, against %s', (_label, target) => {
  const server = target === 'live' ? null : standIn(target);
  const connectionString = () => liveServer ?? server!().connectionString;
  let sut: EsdbEventStore;

  beforeEach(async () => {
    sut = await EsdbEventStore.connect(connectionString(), fast);
  });
  afterEach(async () => {
    await sut.close();
  });

  it('keeps the hash chain and schema version in the EventStoreDB metadata, and the data as plain JSON', async () => {
    const stream = uniqueStream();
    await sut.append(stream, [{ ...anEvent('A', { a: 1 }), schemaVersion: 3 }], 'no_stream');

    const raw = EventStoreDBClient.connectionString(connectionString());
    try {
      const [stored] = await raw.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }).toArray();
      expect(stored?.event?.data).toEqual({ a: 1 });
      expect(stored?.event?.metadata).toMatchObject({
        tenant: 'acme',
        schemaVersion: 3,
        prevHash: '0'.repeat(64),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        recordedAt: expect.any(String),
      });
    } finally {
      await raw.dispose();
    }
    const [read] = await sut.readStream(stream);
    expect(read!.metadata).not.toHaveProperty('hash');
    expect(verifyStreamChain([read!]).ok).toBe(true);
  });

  it('hides checkpoint streams from the global log and the head position', async () => {
    const start = await sut.headPosition();
    const stream = uniqueStream();
    const written = await sut.append(stream, [anEvent()], 'no_stream');
    const name = `hidden-${randomUUID()}`;
    await sut.saveCheckpoint(name, written.position);
    await sut.saveCheckpoint(name, written.position + 1n);

    expect(await sut.loadCheckpoint(name)).toBe(written.position + 1n);
    const after = await sut.readAll({ after: start, maxCount: 100 });
    expect(after.some((e) => e.streamId.startsWith('checkpoint-') || e.streamId.startsWith('$'))).toBe(false);
    if (!liveServer) expect(await sut.headPosition()).toBe(written.position);
  });

  it('reports the actual revision to every loser of a race, whether the store or the server caught it', async () => {
    const stream = uniqueStream();
    await sut.append(stream, [anEvent()], 'no_stream');
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => sut.append(stream, [anEvent('Race')], 0)));
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(lost).toHaveLength(19);
    for (const loss of lost) {
      expect(loss.reason).toBeInstanceOf(WrongExpectedRevision);
      expect(loss.reason).toMatchObject({ actual: 1 });
    }
  });

  it("retries an 'any' append that lost a race, so every one lands on an intact chain", async () => {
    const stream = uniqueStream();
    await Promise.all(Array.from({ length: 10 }, (_, n) => sut.append(stream, [anEvent('Any', { n })], 'any')));
    const events = await sut.readStream(stream);
    expect(events).toHaveLength(10);
    expect(verifyStreamChain(events).ok).toBe(true);
  });

  it('rejects what EventStoreDB cannot hold as InvalidAppend', async () => {
    await expect(sut.append('$system-ish', [anEvent()], 'any')).rejects.toBeInstanceOf(InvalidAppend);
    await expect(sut.append('checkpoint-x', [anEvent()], 'any')).rejects.toBeInstanceOf(InvalidAppend);
    await expect(sut.append(uniqueStream(), [{ ...anEvent(), id: 'not-a-uuid' }], 'any')).rejects.toBeInstanceOf(InvalidAppend);
    const oversized = anEvent('Big', { blob: 'x'.repeat(1024 * 1024 + 1) });
    await expect(sut.append(uniqueStream(), [oversized], 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
  });

  it('wakes a subscription on another handle through the live $all notification, well before its poll', async () => {
    const other = await EsdbEventStore.connect(connectionString(), { pollIntervalMs: 60_000 });
    try {
      const stream = uniqueStream();
      const start = await other.headPosition();
      const seen: string[] = [];
      const subscription = other.subscribeToAll({ after: start }, (batch) => {
        for (const e of batch) if (e.streamId === stream) seen.push(e.type);
      });
      await subscription.caughtUp();
      const written = await sut.append(stream, [anEvent('pushed')], 'no_stream');
      await subscription.waitFor(written.position, 3_000);
      await subscription.stop();
      expect(seen).toEqual(['pushed']);
    } finally {
      await other.close();
    }
  });

  it('is the adapter openEventStore picks for an esdb:// URL', async () => {
    const opened = await openEventStore({ url: connectionString(), dataDir: '/nonexistent' });
    try {
      expect(opened).toBeInstanceOf(EsdbEventStore);
    } finally {
      await opened.close();
    }
  });

  it('fails to connect with EventStoreUnavailable when nothing listens', async () => {
    const port = await freeLoopbackPort();
    await expect(EsdbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`)).rejects.toBeInstanceOf(EventStoreUnavailable);
  });
});

if (!liveServer) {
  describe('EsdbEventStore when the stand-in goes away', () => {
    it('reports the head of a log holding only system events as 0', async () => {
      const running = await new EsdbStandIn().start();
      const sut = await EsdbEventStore.connect(running.connectionString, fast);
      try {
        expect(await sut.headPosition()).toBe(0n);
        expect(await sut.readAll()).toEqual([]);
      } finally {
        await sut.close();
        await running.stop();
      }
    });

    it('fails appends and running subscriptions with EventStoreUnavailable', async () => {
      const running = await new EsdbStandIn().start();
      const sut = await EsdbEventStore.connect(running.connectionString, fast);
      try {
        const subscription = sut.subscribeToAll({}, () => undefined);
        await subscription.caughtUp();
        await running.stop();
        await expect(sut.append(uniqueStream(), [anEvent()], 'no_stream')).rejects.toBeInstanceOf(EventStoreUnavailable);
        await expect(subscription.done).rejects.toBeInstanceOf(EventStoreUnavailable);
      } finally {
        await sut.close();
      }
    });
  });
}
