/**
 * One part of a projection rebuild at a time, on a data directory that already has a log (for
 * example one left by `AUDIT_BENCH_KEEP=1` of audit-point-in-time.bench.ts), to compare layouts
 * run in turns on a machine whose speed moves:
 *
 *   REBUILD_DIR=<dir> PART=scim  node -r @swc-node/register bench/rebuild-parts.ts
 *   REBUILD_DIR=<dir> PART=audit ONLY=membership-intervals,attribute-history,user-activity,auditors node -r @swc-node/register bench/rebuild-parts.ts
 *   REBUILD_DIR=<dir> PART=read  HASHES=0 node -r @swc-node/register bench/rebuild-parts.ts
 *
 * scim and audit replay into the directory's read models, on this thread (add
 * `--max-semi-space-size=64` to see the young generation the rebuild threads get); read only
 * reads the whole log (HASHES=0: without the hash columns). Prints wall time, events/s and CPU,
 * and how fast the machine was (bench/lib/machine-speed.ts).
 */
import 'reflect-metadata';
import { SqliteEventStore } from '@ledger/eventstore';
import { AuditProjector, AuditReadModel, ReadModelProjector, ScimReadModel } from '@ledger/projections';
import { join } from 'node:path';
import { probeMs, startStealMeter } from './lib/machine-speed';

async function main(): Promise<void> {
  const dir = process.env.REBUILD_DIR;
  if (!dir) throw new Error('set REBUILD_DIR to a data directory with an events.sqlite');
  const part = process.env.PART ?? 'scim';
  const probe = probeMs();
  const stealMeter = startStealMeter();
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let events = 0;
  try {
    if (part === 'scim') {
      const model = new ScimReadModel(join(dir, 'read-model.sqlite'));
      events = await new ReadModelProjector(store, model).rebuild();
      model.close();
    } else if (part === 'audit') {
      const model = new AuditReadModel(join(dir, 'audit.sqlite'));
      events = await new AuditProjector(store, model).rebuild(process.env.ONLY ? { only: process.env.ONLY.split(',') } : {});
      model.close();
    } else if (part === 'read') {
      const hashes = process.env.HASHES !== '0';
      for (let after = 0n; ;) {
        const batch = await store.readAll({ after, maxCount: 10_000, hashes });
        if (batch.length === 0) break;
        events += batch.length;
        after = batch[batch.length - 1]!.position;
      }
    } else {
      throw new Error(`PART must be scim, audit or read (got ${part})`);
    }
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const stolen = stealMeter()?.toFixed(2) ?? 'unknown';
  console.log(`${part}: ${events} events in ${seconds.toFixed(1)} s = ${Math.round(events / seconds)} events/s, cpu ${((used.user + used.system) / 1e6).toFixed(1)} s`
    + ` (machine: probe ${Math.round(probe)} ms before, ${stolen} s stolen during)`);
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
