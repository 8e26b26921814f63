/**
 * SCIM writes side by side, in one run, on one machine: the storage limit (raw better-sqlite3
 * inserts of the very rows the service wrote, WAL + synchronous=FULL, one write per commit and
 * `connections` writes per commit), the peer (SCIMMY + scimmy-routers on Express 5, in memory)
 * and this service (embedded store, as shipped). User create (POST /Users) and user PATCH at 1,
 * 16 and 64 connections; rounds are interleaved so machine noise hits all three alike.
 *
 *   BENCH_SECONDS=3 BENCH_RUNS=3 BENCH_CONNECTIONS=1,16,64
 */
import { join } from 'node:path';
import { startService } from '../lib/ledger-process';
import type { LoadResult } from '../lib/load';
import { call } from '../lib/load';
import { rawInsertLimit, rowsWrittenBy, type EventRowTemplate, type RawLimitResult } from '../lib/raw-limit';
import { envList, envNumber, writeReport, type Row } from '../lib/report';
import { nextPatchBody, nextUserBody } from '../lib/scim-payloads';
import { createUsers, headersOf, patchUsers, scimTarget, type ScimTarget } from '../lib/scim-target';
import { median, printTable, round } from '../lib/stats';
import { startPeer } from '../peer/peer-process';

const seconds = envNumber('BENCH_SECONDS', 3);
const runs = envNumber('BENCH_RUNS', 3);
const connectionCounts = envList('BENCH_CONNECTIONS', [1, 16, 64]);
const limitSeconds = Math.min(seconds, 1);

type Scenario = 'create' | 'patch';
const samples = new Map<string, Array<LoadResult | RawLimitResult>>();
const keep = (key: string, result: LoadResult | RawLimitResult) => samples.set(key, [...(samples.get(key) ?? []), result]);

async function main(): Promise<void> {
  const service = await startService();
  const peer = await startPeer();
  const notes: string[] = [`service started from the ${service.mode === 'build' ? 'compiled build (tsc)' : 'TypeScript sources (swc-node)'}`];
  try {
    const targets: Record<'service' | 'peer', ScimTarget> = {
      service: scimTarget('service', service.server, service.scimBase, service.token),
      peer: scimTarget('peer', peer.server, peer.scimBase, peer.token),
    };

    // The limit re-inserts exactly what the service stored for one request of each kind.
    const eventsFile = join(service.dataDir, 'events.sqlite');
    const rows: Record<Scenario, EventRowTemplate[]> = { create: [], patch: [] };
    let createdId = '';
    rows.create = await rowsWrittenBy(eventsFile, targets.service.waitIdle, async () => {
      const created = await call(`${service.server.url}${service.scimBase}/Users`, 'POST', headersOf(targets.service), JSON.parse(nextUserBody()));
      if (created.status !== 201) throw new Error(`service create answered ${created.status}: ${JSON.stringify(created.body)}`);
      createdId = created.body.id;
    });
    rows.patch = await rowsWrittenBy(eventsFile, targets.service.waitIdle, async () => {
      const patched = await call(`${service.server.url}${service.scimBase}/Users/${createdId}`, 'PATCH', headersOf(targets.service), JSON.parse(nextPatchBody()));
      if (patched.status !== 200) throw new Error(`service PATCH answered ${patched.status}: ${JSON.stringify(patched.body)}`);
    });
    for (const scenario of ['create', 'patch'] as const) {
      notes.push(`one ${scenario} stores ${rows[scenario].length} event rows (${rows[scenario].map((r) => r.type).join(', ')}), ${rows[scenario].reduce((n, r) => n + r.data.length + r.metadata.length, 0)} bytes of JSON`);
    }

    // Warm-up (JIT, caches) and a pool of users on each server for the PATCH runs.
    for (const target of Object.values(targets)) {
      await createUsers(target, 16, 30, 1000);
      await patchUsers(target, 16, 1);
    }

    for (let run = 0; run < runs; run++) {
      for (const connections of connectionCounts) {
        for (const scenario of ['create', 'patch'] as const) {
          keep(`${scenario}:limit-1:${connections}`, rawInsertLimit(rows[scenario], 1, limitSeconds));
          keep(`${scenario}:limit-batched:${connections}`, connections === 1 ? samples.get(`${scenario}:limit-1:1`)!.at(-1)! : rawInsertLimit(rows[scenario], connections, limitSeconds));
          // Alternate who goes first, so neither always runs on a machine the other just heated.
          const order = (run + connections) % 2 === 0 ? (['peer', 'service'] as const) : (['service', 'peer'] as const);
          for (const name of order) {
            const target = targets[name];
            const result = scenario === 'create' ? await createUsers(target, connections, seconds) : await patchUsers(target, connections, seconds);
            keep(`${scenario}:${name}:${connections}`, result);
          }
        }
      }
    }

    const tables = summarise();
    for (const table of tables) {
      console.log(`\n${table.title}`);
      printTable(table.rows);
    }
    notes.push(`service RSS after the runs ${round(service.server.rssMb(), 0)} MiB with ${targets.service.userIds.length} users; peer ${round(peer.server.rssMb(), 0)} MiB with ${targets.peer.userIds.length}`);
    for (const note of notes) console.log(`- ${note}`);
    writeReport({ benchmark: 'scim-writes', at: new Date().toISOString(), settings: { seconds, runs, connectionCounts, limitSeconds, serviceMode: service.mode }, tables, notes });
  } finally {
    await peer.stop();
    await service.stop();
  }
}

function load(key: string): LoadResult[] {
  return (samples.get(key) ?? []) as LoadResult[];
}

function limit(key: string): RawLimitResult[] {
  return (samples.get(key) ?? []) as RawLimitResult[];
}

function summarise(): Array<{ title: string; rows: Row[] }> {
  const tables: Array<{ title: string; rows: Row[] }> = [];
  for (const scenario of ['create', 'patch'] as const) {
    const rows: Row[] = [];
    for (const connections of connectionCounts) {
      const service = load(`${scenario}:service:${connections}`);
      const peer = load(`${scenario}:peer:${connections}`);
      const unbatched = median(limit(`${scenario}:limit-1:${connections}`).map((r) => r.writesPerSec));
      const batched = median(limit(`${scenario}:limit-batched:${connections}`).map((r) => r.writesPerSec));
      const serviceRate = median(service.map((r) => r.throughput));
      const peerRate = median(peer.map((r) => r.throughput));
      rows.push({
        connections,
        'service /s': Math.round(serviceRate),
        'svc p50 ms': round(median(service.map((r) => r.p50))),
        'svc p99 ms': round(median(service.map((r) => r.p99))),
        'svc non2xx+err': service.reduce((n, r) => n + r.non2xx + r.errors, 0),
        'svc RSS MiB': Math.round(Math.max(...service.map((r) => r.rssPeakMb))),
        'peer /s': Math.round(peerRate),
        'peer p50 ms': round(median(peer.map((r) => r.p50))),
        'peer p99 ms': round(median(peer.map((r) => r.p99))),
        'peer non2xx+err': peer.reduce((n, r) => n + r.non2xx + r.errors, 0),
        'peer RSS MiB': Math.round(Math.max(...peer.map((r) => r.rssPeakMb))),
        'limit 1/commit /s': Math.round(unbatched),
        [`limit batched /s`]: Math.round(batched),
        'svc/peer': round(serviceRate / peerRate),
        'svc/limit batched': round(serviceRate / batched),
        'svc/limit 1/commit': round(serviceRate / unbatched),
        'svc /s per run': service.map((r) => Math.round(r.throughput)).join(' / '),
      });
    }
    tables.push({
      title: `${scenario === 'create' ? 'User create (POST /Users)' : 'User PATCH (replace title, name.givenName)'}: writes/s (2xx), medians of ${runs} runs x ${seconds}s; limit = same rows, WAL synchronous=FULL, batched = <connections> writes per commit`,
      rows,
    });
  }
  return tables;
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
