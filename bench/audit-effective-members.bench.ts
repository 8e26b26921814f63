/**
 * groups/{id}/members?effective=true on a nested directory, the question an auditor asks at
 * quarter end ("who had VPN access?") when access is granted to a group of groups:
 *
 *   vpn  <-  all-staff  <-  DEPARTMENTS department groups  <-  USERS users (each in one)
 *
 *   node -r @swc-node/register bench/audit-effective-members.bench.ts
 *   EFFECTIVE_BENCH_USERS=50000 EFFECTIVE_BENCH_DEPARTMENTS=100 node -r @swc-node/register bench/audit-effective-members.bench.ts
 *
 * Prints the median and worst answer time of the first page (100 members) over SAMPLES calls,
 * in process (AuditService), with the whole set expanded on every call as the API does.
 */
import 'reflect-metadata';
import { SqliteEventStore, type NewEvent } from '@ledger/eventstore';
import { AuditProjector, AuditReadModel } from '@ledger/projections';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '../apps/ledger/src/audit/audit.service';
import { probeMs } from './lib/machine-speed';
import { percentile, printTable, round, sampleMs } from './lib/stats';

const USERS = Number(process.env.EFFECTIVE_BENCH_USERS ?? 20_000);
const DEPARTMENTS = Number(process.env.EFFECTIVE_BENCH_DEPARTMENTS ?? 40);
const SAMPLES = Number(process.env.EFFECTIVE_BENCH_SAMPLES ?? 9);
const TENANT = 'bench';
const START = Date.parse('2025-01-01T00:00:00Z');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-effective-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  let clock = START;
  const next = () => new Date((clock += 1000)).toISOString();
  const meta = (at: string) => ({ tenant: TENANT, correlationId: `corr-${clock}`, requestId: `req-${clock}`, idp: 'entra', tokenId: 'tok-bench', actor: 'token:tok-bench', recordedAt: at });
  const one = (type: string, data: Record<string, unknown>): NewEvent[] => {
    const at = next();
    return [{ type, data: { ...data, at }, metadata: meta(at) }];
  };
  try {
    await store.append(`tenant-${TENANT}`, one('TenantCreated', { tenantId: TENANT, name: 'Bench' }), 'no_stream');
    const userId = (i: number) => `u${String(i).padStart(7, '0')}`;
    for (let start = 0; start < USERS; start += 500) {
      await Promise.all(Array.from({ length: Math.min(500, USERS - start) }, (_, k) => {
        const i = start + k;
        return store.append(`user-${TENANT}:${userId(i)}`, one('UserProvisioned', { userId: userId(i), userName: `user${i}@bench.test`, externalId: null, active: true, attributes: {} }), 'no_stream');
      }));
    }
    const department = (d: number) => `dept-${String(d).padStart(4, '0')}`;
    for (let d = 0; d < DEPARTMENTS; d++) {
      const members = [];
      for (let i = d; i < USERS; i += DEPARTMENTS) members.push({ value: userId(i), type: 'User' });
      await store.append(`group-${TENANT}:${department(d)}`, one('GroupCreated', { groupId: department(d), displayName: `Department ${d}`, externalId: null, members }), 'no_stream');
    }
    const departments = Array.from({ length: DEPARTMENTS }, (_, d) => ({ value: department(d), type: 'Group' }));
    await store.append(`group-${TENANT}:all-staff`, one('GroupCreated', { groupId: 'all-staff', displayName: 'All staff', externalId: null, members: departments }), 'no_stream');
    await store.append(`group-${TENANT}:vpn`, one('GroupCreated', { groupId: 'vpn', displayName: 'VPN', externalId: null, members: [{ value: 'all-staff', type: 'Group' }] }), 'no_stream');
    const at = next();

    const audit = new AuditReadModel(join(dir, 'audit.sqlite'));
    const projector = new AuditProjector(store, audit);
    await projector.rebuild();
    projector.start();
    await projector.caughtUp();
    const service = new AuditService(store, audit, projector);
    const ask = () => service.groupMembers(TENANT, 'vpn', at, { startIndex: 1, count: 100, effective: true });
    const first = await ask();
    if (first.totalResults !== USERS) throw new Error(`expected ${USERS} effective members, got ${first.totalResults}`);
    const probe = probeMs();
    const times = await sampleMs(SAMPLES, ask);
    await projector.stop();
    audit.close();
    console.log(`effective members of vpn <- all-staff <- ${DEPARTMENTS} departments <- ${USERS} users; machine probe ${Math.round(probe)} ms\n`);
    printTable([{
      measure: 'groups/vpn/members?effective=true, first page of 100', 'median ms': round(percentile(times, 50), 1), 'max ms': round(times[times.length - 1]!, 1),
      'per user µs': round((percentile(times, 50) * 1000) / USERS, 1), samples: SAMPLES,
    }]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
