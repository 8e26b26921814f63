/**
 * The first page of users/{id}/attribute-history for a user an IdP patches every minute: the
 * whole stream folded (how the page was read before) against the read from the newest end
 * (attributeHistoryPage), in the same run, on a SQLite log in a temp dir.
 *
 *   node -r @swc-node/register bench/attribute-history-page.bench.ts
 *
 * Knobs: ATTR_BENCH_EVENTS (the user's events, default 20,000: a fortnight of one PATCH a
 * minute), ATTR_BENCH_RUNS (timed runs of each, default 15; medians are printed).
 */
import { SqliteEventStore } from '@ledger/eventstore';
import { attributeHistoryOf, attributeHistoryPage } from '@ledger/projections';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleMs } from './lib/stats';

const EVENTS = Number(process.env.ATTR_BENCH_EVENTS ?? 20_000);
const RUNS = Number(process.env.ATTR_BENCH_RUNS ?? 15);
const PAGE = 50;

async function median(run: () => Promise<unknown>): Promise<number> {
  const times = await sampleMs(RUNS, run);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attr-bench-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  try {
    const stream = 'user-bench:noisy';
    const metadata = (i: number) => ({
      tenant: 'bench', actor: 'token:tok', tokenId: 'tok', idp: 'okta', requestId: `req-${i}`, correlationId: `corr-${i}`,
      recordedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    });
    await store.append(stream, [{ type: 'UserProvisioned', data: { userId: 'noisy', userName: 'noisy', externalId: null, active: true, attributes: { title: 't0' } }, metadata: metadata(0) }], 'no_stream');
    for (let i = 1; i < EVENTS; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, k) => ({
        type: 'UserAttributesChanged', data: { userId: 'noisy', changed: { title: `t${i + k}` }, removed: [] }, metadata: metadata(i + k),
      }));
      await store.append(stream, batch, 'any');
    }
    const whole = async () => attributeHistoryOf(await store.readStream(stream), { limit: PAGE });
    const fromNewest = async () =>
      attributeHistoryPage((fromRevision, maxCount) => store.readStream(stream, { direction: 'backwards', fromRevision, maxCount }), { limit: PAGE });
    const json = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (json(await whole()) !== json((await fromNewest()).entries)) {
      throw new Error('the two reads disagree on the first page');
    }
    const before = await median(whole);
    const after = await median(fromNewest);
    console.log(`attribute-history, first page of ${PAGE}, user with ${EVENTS} events, median of ${RUNS}:`);
    console.log(`  whole stream folded   ${before.toFixed(2)} ms`);
    console.log(`  read from newest end  ${after.toFixed(2)} ms`);
    console.log(`  ratio                 ${(after / before).toFixed(4)}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
