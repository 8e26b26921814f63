import { randomUUID } from 'node:crypto';
import {
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevision,
  verifyStreamChain,
} from './index';

export interface ContractFixture {
  store: EventStore;
  /** Opens a second handle on the same data, as another process or replica would. */
  reopen: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  tenant: 'acme',
  correlationId: randomUUID(),
  causationId: null,
  requestId: randomUUID(),
  idp: 'entra',
  tokenId: 'tok-1',
  actor: 'token:tok-1',
  ...overrides,
});

const anEvent = (type = 'ThingHappened', data: unknown = { n: 1 }, meta: Partial<EventMetadata> = {}): NewEvent => ({
  type,
  data,
  metadata: metadata(meta),
});

const uniqueStream = (category = 'thing') => `${category}-acme:${randomUUID()}`;

async function collect(store: EventStore, count: number, after = 0n): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const subscription = store.subscribeToAll({ after }, (batch) => {
      seen.push(...batch);
      if (seen.length >= count) {
        void subscription.stop().then(resolve);
      }
    });
    subscription.done.catch(reject);
  });
  return seen;
}

/**
 * Behaviour every EventStore adapter must show. Each adapter's int-spec calls this with a
 * factory that gives a fresh, empty store.
 */
export function eventStoreContract(adapterName: string, open: () => Promise<ContractFixture>): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let fixture: ContractFixture;
    let sut: EventStore;

    beforeEach(async () => {
      fixture = await open();
      sut = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('append and read a stream', () => {
      it('assigns revisions from 0 and reads them back in order with every envelope field', async () => {
        const stream = uniqueStream();
        const meta = metadata({ correlationId: 'corr-1', causationId: 'cause-1', requestId: 'req-1' });
        const result = await sut.append(
          stream,
          [
            { id: randomUUID(), type: 'A', schemaVersion: 2, data: { a: 1 }, metadata: meta },
            { type: 'B', data: { b: [1, 2] }, metadata: meta },
          ],
          'no_stream',
        );
        expect(result.nextRevision).toBe(1);

        const events = await sut.readStream(stream);
        expect(events.map((e) => [e.revision, e.type, e.schemaVersion])).toEqual([
          [0, 'A', 2],
          [1, 'B', 1],
        ]);
        expect(events[1]!.data).toEqual({ b: [1, 2] });
        expect(events[0]!.metadata).toMatchObject({
          tenant: 'acme', correlationId: 'corr-1', causationId: 'cause-1', requestId: 'req-1',
          idp: 'entra', tokenId: 'tok-1', actor: 'token:tok-1',
        });
        expect(Date.parse(events[0]!.metadata.recordedAt)).not.toBeNaN();
        expect(events[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(events[1]!.position).toBe(result.position);
        expect(events[1]!.position).toBeGreaterThan(events[0]!.position);
      });

      it('keeps a recordedAt the caller supplied', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('A', {}, { recordedAt: '2026-03-03T10:00:00.000Z' })], 'no_stream');
        const [event] = await sut.readStream(stream);
        expect(event!.metadata.recordedAt).toBe('2026-03-03T10:00:00.000Z');
      });

      it('reads backwards from the end and pages with fromRevision / maxCount', async () => {
        const stream = uniqueStream();
        await sut.append(stream, Array.from({ length: 5 }, (_, n) => anEvent('N', { n })), 'no_stream');

        const lastTwo = await sut.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(lastTwo.map((e) => e.revision)).toEqual([4, 3]);
        const page = await sut.readStream(stream, { fromRevision: 2, maxCount: 2 });
        expect(page.map((e) => (e.data as { n: number }).n)).toEqual([2, 3]);
        const backFrom = await sut.readStream(stream, { direction: 'backwards', fromRevision: 1 });
        expect(backFrom.map((e) => e.revision)).toEqual([1, 0]);
      });

      it('reads an absent stream as empty', async () => {
        await expect(sut.readStream(uniqueStream())).resolves.toEqual([]);
      });

      it('round-trips unicode and large events byte for byte', async () => {
        const stream = uniqueStream();
        const unicode = { displayName: 'Zoë Ångström 山田太郎 🚀', rtl: 'مرحبا', nul: 'a\u0000b', emoji: '👩🏽‍💻' };
        const large = { members: Array.from({ length: 20_000 }, (_, n) => ({ value: `member-${n}-${'x'.repeat(20)}` })) };
        await sut.append(stream, [anEvent('U', unicode), anEvent('L', large)], 'no_stream');
        const [u, l] = await sut.readStream(stream);
        expect(u!.data).toEqual(unicode);
        expect(l!.data).toEqual(large);
        expect(verifyStreamChain([u!, l!]).ok).toBe(true);
      });
    });

    describe('optimistic concurrency', () => {
      it('rejects no_stream on an existing stream with a typed error carrying the actual revision', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent()], 'no_stream');
        const failure = await sut.append(stream, [anEvent()], 'no_stream').catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(WrongExpectedRevision);
        expect(failure).toMatchObject({ streamId: stream, actual: 0 });
      });

      it('accepts the exact revision and rejects a stale one without writing anything', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent(), anEvent()], 'no_stream');
        await expect(sut.append(stream, [anEvent('C')], 1)).resolves.toMatchObject({ nextRevision: 2 });
        await expect(sut.append(stream, [anEvent('D'), anEvent('E')], 1)).rejects.toBeInstanceOf(WrongExpectedRevision);
        expect((await sut.readStream(stream)).map((e) => e.type)).toEqual(['ThingHappened', 'ThingHappened', 'C']);
      });

      it('stream_exists fails on an absent stream; any always appends', async () => {
        const stream = uniqueStream();
        await expect(sut.append(stream, [anEvent()], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevision);
        await sut.append(stream, [anEvent()], 'any');
        await sut.append(stream, [anEvent()], 'any');
        await expect(sut.append(stream, [anEvent()], 'stream_exists')).resolves.toMatchObject({ nextRevision: 2 });
      });

      it('lets exactly one of 50 concurrent writers with the same expected revision win', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent()], 'no_stream');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, n) => sut.append(stream, [anEvent('Race', { n })], 0)),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        for (const loss of lost) expect(loss.reason).toBeInstanceOf(WrongExpectedRevision);
        expect(await sut.readStream(stream)).toHaveLength(2);
      });

      it('lets exactly one of 50 concurrent no_stream creators win', async () => {
        const stream = uniqueStream('claim');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, n) => sut.append(stream, [anEvent('Claimed', { n })], 'no_stream')),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(await sut.readStream(stream)).toHaveLength(1);
      });

      it('keeps every stream gap-free when many writers append with retries', async () => {
        const streams = Array.from({ length: 5 }, () => uniqueStream());
        await Promise.all(
          Array.from({ length: 100 }, async (_, n) => {
            const stream = streams[n % streams.length]!;
            for (;;) {
              const [last] = await sut.readStream(stream, { direction: 'backwards', maxCount: 1 });
              try {
                await sut.append(stream, [anEvent('Inc', { n })], last ? last.revision : 'no_stream');
                return;
              } catch (error) {
                if (!(error instanceof WrongExpectedRevision)) throw error;
              }
            }
          }),
        );
        for (const stream of streams) {
          const events = await sut.readStream(stream);
          expect(events).toHaveLength(20);
          expect(verifyStreamChain(events).ok).toBe(true);
        }
      });
    });

    describe('the global log', () => {
      it('reads all events after a position in append order, with strictly increasing positions', async () => {
        const start = await sut.headPosition();
        const s1 = uniqueStream();
        const s2 = uniqueStream();
        await sut.append(s1, [anEvent('1')], 'no_stream');
        await sut.append(s2, [anEvent('2'), anEvent('3')], 'no_stream');
        await sut.append(s1, [anEvent('4')], 0);

        const all = await sut.readAll({ after: start, maxCount: 100 });
        const ours = all.filter((e) => e.streamId === s1 || e.streamId === s2);
        expect(ours.map((e) => e.type)).toEqual(['1', '2', '3', '4']);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        expect(await sut.headPosition()).toBe(all[all.length - 1]!.position);

        const afterSecond = await sut.readAll({ after: ours[1]!.position, maxCount: 100 });
        expect(afterSecond.filter((e) => e.streamId === s1 || e.streamId === s2).map((e) => e.type)).toEqual(['3', '4']);

        // A replay may skip the hashes; everything else is the same read.
        const light = await sut.readAll({ after: start, maxCount: 100, hashes: false });
        expect(light.map(({ prevHash: _p, hash: _h, ...rest }) => rest)).toEqual(all.map(({ prevHash: _p, hash: _h, ...rest }) => rest));
        for (const [i, e] of light.entries()) {
          if (e.hash === '') expect(e.prevHash).toBe('');
          else expect([e.prevHash, e.hash]).toEqual([all[i]!.prevHash, all[i]!.hash]);
        }
      });

      it('reads only the metadata fields a replay asks for, the rest of each event unchanged', async () => {
        const start = await sut.headPosition();
        const stream = uniqueStream();
        await sut.append(stream, [
          anEvent('plain', { n: 1 }, { tenant: 'acme', causationId: null, requestId: null }),
          anEvent('caused', { n: 2, nested: { a: [1, 'x'] } }, { tenant: 'globex', causationId: 'req-9', idp: 'okta', requestId: 'r"q\\1' }),
        ], 'no_stream');
        const all = await sut.readAll({ after: start, maxCount: 100 });
        for (const hashes of [true, false]) {
          const narrow = await sut.readAll({ after: start, maxCount: 100, hashes, metadataFields: ['tenant', 'causationId', 'requestId'] });
          const withoutMetadata = (events: RecordedEvent[]) => events.map(({ metadata: _m, prevHash: _p, hash: _h, ...rest }) => rest);
          expect(withoutMetadata(narrow)).toEqual(withoutMetadata(all));
          const bare = await sut.readAll({ after: start, maxCount: 100, hashes, metadataFields: [] });
          expect(withoutMetadata(bare)).toEqual(withoutMetadata(all));
          for (const [i, e] of narrow.entries()) {
            const full = all[i]!.metadata;
            expect(e.metadata.tenant).toBe(full.tenant);
            expect([e.metadata.causationId ?? null, e.metadata.requestId ?? null]).toEqual([full.causationId ?? null, full.requestId ?? null]);
            if (hashes) expect([e.prevHash, e.hash]).toEqual([all[i]!.prevHash, all[i]!.hash]);
          }
        }
        const ours = (await sut.readAll({ after: start, maxCount: 100, metadataFields: ['tenant', 'requestId'] })).filter((e) => e.streamId === stream);
        expect(ours.map((e) => [e.metadata.tenant, e.metadata.requestId ?? null])).toEqual([['acme', null], ['globex', 'r"q\\1']]);
      });
    });

    describe('catch-up subscription', () => {
      it('replays history, then delivers live appends in order', async () => {
        const start = await sut.headPosition();
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('old-1'), anEvent('old-2')], 'no_stream');
        const received: string[] = [];
        const subscription = sut.subscribeToAll({ after: start }, (batch) => {
          for (const e of batch) if (e.streamId === stream) received.push(e.type);
        });
        await subscription.caughtUp();
        expect(received).toEqual(['old-1', 'old-2']);

        const live = await sut.append(stream, [anEvent('live-1')], 1);
        await sut.append(stream, [anEvent('live-2')], 2);
        await subscription.waitFor(live.position + 1n, 5000);
        await subscription.stop();
        expect(received).toEqual(['old-1', 'old-2', 'live-1', 'live-2']);
      });

      it('sees every event exactly once while 20 writers append concurrently', async () => {
        const start = await sut.headPosition();
        const streams = Array.from({ length: 20 }, () => uniqueStream());
        const ours = new Set(streams);
        const seen: RecordedEvent[] = [];
        const subscription = sut.subscribeToAll({ after: start, batchSize: 7 }, (batch) => {
          seen.push(...batch.filter((e) => ours.has(e.streamId)));
        });
        let last = 0n;
        await Promise.all(
          streams.map(async (stream) => {
            for (let revision = 0; revision < 10; revision++) {
              const result = await sut.append(stream, [anEvent('W', { revision })], revision === 0 ? 'no_stream' : revision - 1);
              if (result.position > last) last = result.position;
            }
          }),
        );
        await subscription.waitFor(last, 10_000);
        await subscription.stop();
        expect(seen).toHaveLength(200);
        expect(new Set(seen.map((e) => e.id)).size).toBe(200);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.position).toBeGreaterThan(seen[i - 1]!.position);
        for (const stream of streams) {
          expect(seen.filter((e) => e.streamId === stream).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
      });

      it('coalesces: appends made while it pauses after a short batch arrive as one batch, and a waiter ends the pause', async () => {
        const start = await sut.headPosition();
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('first')], 'no_stream');
        const batches: string[][] = [];
        const subscription = sut.subscribeToAll({ after: start, batchSize: 100, coalesceMs: 60_000 }, (batch) => {
          batches.push(batch.filter((e) => e.streamId === stream).map((e) => e.type));
        });
        await subscription.caughtUp();
        // Now paused for a minute: five appends, each of which would wake a subscription that does not coalesce.
        let last = 0n;
        for (let n = 0; n < 5; n++) last = (await sut.append(stream, [anEvent(`later-${n}`)], n)).position;
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(batches).toEqual([['first']]);
        const asked = performance.now();
        await subscription.waitFor(last, 10_000);
        expect(performance.now() - asked).toBeLessThan(5_000);
        expect(batches).toEqual([['first'], ['later-0', 'later-1', 'later-2', 'later-3', 'later-4']]);
        const stopping = performance.now();
        await subscription.stop();
        expect(performance.now() - stopping).toBeLessThan(5_000);
      });

      it('stores its checkpoint and resumes after it, without redelivering', async () => {
        const name = `projection-${randomUUID()}`;
        const start = await sut.headPosition();
        await sut.saveCheckpoint(name, start);
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('1'), anEvent('2')], 'no_stream');

        const first: string[] = [];
        const one = sut.subscribeToAll({ checkpoint: name }, (batch) => {
          for (const e of batch) if (e.streamId === stream) first.push(e.type);
        });
        await one.caughtUp();
        await one.stop();
        expect(first).toEqual(['1', '2']);
        expect(await sut.loadCheckpoint(name)).toBe(one.position);

        await sut.append(stream, [anEvent('3')], 1);
        const second: string[] = [];
        const two = sut.subscribeToAll({ checkpoint: name }, (batch) => {
          for (const e of batch) if (e.streamId === stream) second.push(e.type);
        });
        await two.caughtUp();
        await two.stop();
        expect(second).toEqual(['3']);
      });

      it('does not advance the checkpoint past a batch whose handler failed', async () => {
        const name = `failing-${randomUUID()}`;
        const start = await sut.headPosition();
        await sut.saveCheckpoint(name, start);
        await sut.append(uniqueStream(), [anEvent('boom')], 'no_stream');
        const subscription = sut.subscribeToAll({ checkpoint: name }, () => {
          throw new Error('projection broke');
        });
        await expect(subscription.done).rejects.toThrow('projection broke');
        expect(await sut.loadCheckpoint(name)).toBe(start);
      });

      it('a subscription on a second handle sees appends made through the first', async () => {
        const other = await fixture.reopen();
        try {
          const start = await other.headPosition();
          const stream = uniqueStream();
          const written = await sut.append(stream, [anEvent('cross')], 'no_stream');
          const seen = await collect(other, 1, start);
          expect(seen.find((e) => e.streamId === stream)?.position).toBe(written.position);
        } finally {
          await other.close();
        }
      });
    });

    describe('hash chain', () => {
      it('chains each event to the previous one of its stream and verifies', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('1'), anEvent('2')], 'no_stream');
        await sut.append(stream, [anEvent('3')], 1);
        const events = await sut.readStream(stream);
        expect(events[0]!.prevHash).toBe('0'.repeat(64));
        expect(events[1]!.prevHash).toBe(events[0]!.hash);
        expect(events[2]!.prevHash).toBe(events[1]!.hash);
        expect(verifyStreamChain(events)).toEqual({ ok: true, events: 3, head: events[2]!.hash });
      });

      it('detects an altered, removed or reordered event', async () => {
        const stream = uniqueStream();
        await sut.append(stream, [anEvent('1', { active: true }), anEvent('2'), anEvent('3')], 'no_stream');
        const events = await sut.readStream(stream);

        const altered = events.map((e, i) => (i === 1 ? { ...e, data: { active: false } } : e));
        expect(verifyStreamChain(altered)).toMatchObject({ ok: false, revision: 1, reason: expect.stringContaining('altered') });
        expect(verifyStreamChain([events[0]!, events[2]!])).toMatchObject({ ok: false, revision: 2 });
        expect(verifyStreamChain([events[1]!, events[0]!, events[2]!])).toMatchObject({ ok: false });
      });

      it('gives each stream its own chain', async () => {
        const a = uniqueStream();
        const b = uniqueStream();
        await sut.append(a, [anEvent()], 'no_stream');
        await sut.append(b, [anEvent()], 'no_stream');
        const [first] = await sut.readStream(b);
        expect(first!.prevHash).toBe('0'.repeat(64));
      });
    });
  });
}
