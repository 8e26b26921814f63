/**
 * How far the stack itself lets a SCIM create go on this machine, measured beside the service in
 * one run: the same POST /Users bodies at the same connection counts against
 *   1. node:http alone, answering 201 without storing anything (the platform's floor);
 *   2. a NestJS 11 app on Express with the service's body parser, a guard and a ValidationPipe,
 *      also storing nothing (the framework's floor);
 *   3. the SCIMMY peer (in memory);
 *   4. this service on the embedded store, as shipped.
 * It also reads each server's CPU time (all threads, /proc) over the run, so CPU per create is
 * known, which is what throughput on 2 shared cores comes down to. The load generator runs in
 * this process, on the same 2 cores.
 *
 *   npm run bench -- framework-floor        (BENCH_SECONDS=3 BENCH_RUNS=3 BENCH_CONNECTIONS=16,64)
 */
import { resolve } from 'node:path';
import { startService } from '../lib/ledger-process';
import type { LoadResult } from '../lib/load';
import { envList, envNumber, writeReport, type Row } from '../lib/report';
import { createUsers, scimTarget, type ScimTarget } from '../lib/scim-target';
import { cpuMsOf, freePort, startServerProcess, type ServerProcess } from '../lib/server-process';
import { median, printTable, round } from '../lib/stats';
import { PEER_TOKEN, startPeer } from '../peer/peer-process';

const seconds = envNumber('BENCH_SECONDS', 3);
const runs = envNumber('BENCH_RUNS', 3);
const connectionCounts = envList('BENCH_CONNECTIONS', [16, 64]);

async function startFloor(flavour: 'nest' | 'http'): Promise<ServerProcess> {
  const port = await freePort();
  const compiled = __filename.endsWith('.js');
  const script = resolve(__dirname, `../peer/framework-floor-server.${compiled ? 'js' : 'ts'}`);
  return startServerProcess({
    args: compiled ? [script] : ['-r', '@swc-node/register', script],
    env: { PORT: String(port), PEER_TOKEN, FLOOR: flavour },
    port,
    readyPath: '/health',
    cwd: compiled ? undefined : resolve(__dirname, '../..'),
  });
}

interface Sample {
  load: LoadResult;
  cpuMsPerCreate: number;
}

async function measured(target: ScimTarget, pid: number, connections: number): Promise<Sample> {
  await target.waitIdle();
  const cpuBefore = cpuMsOf(pid);
  const load = await createUsers(target, connections, seconds);
  // Work the load left behind (projections, the request ledger) is part of what a create costs.
  await target.waitIdle();
  const cpuMs = cpuMsOf(pid) - cpuBefore;
  return { load, cpuMsPerCreate: load.ok > 0 ? cpuMs / load.ok : NaN };
}

async function main(): Promise<void> {
  const service = await startService();
  const peer = await startPeer();
  const nest = await startFloor('nest');
  const http = await startFloor('http');
  const servers = [
    { name: 'node:http, stores nothing', process: http, target: scimTarget('http-floor', http, '/scim/v2', PEER_TOKEN) },
    { name: 'NestJS 11 + Express, stores nothing', process: nest, target: scimTarget('nest-floor', nest, '/scim/v2', PEER_TOKEN) },
    { name: 'SCIMMY peer, in memory', process: peer.server, target: scimTarget('peer', peer.server, peer.scimBase, peer.token) },
    { name: 'this service, embedded store', process: service.server, target: scimTarget('service', service.server, service.scimBase, service.token) },
  ];
  const samples = new Map<string, Sample[]>();
  try {
    for (const server of servers) await createUsers(server.target, 16, 2);
    for (let run = 0; run < runs; run++) {
      for (const connections of connectionCounts) {
        // Rotate the order so that no server always runs right after the same neighbour.
        const order = servers.map((_, i) => servers[(i + run) % servers.length]!);
        for (const server of order) {
          const key = `${server.name}:${connections}`;
          samples.set(key, [...(samples.get(key) ?? []), await measured(server.target, server.process.pid, connections)]);
        }
      }
    }
    const rows: Row[] = [];
    for (const connections of connectionCounts) {
      const serviceRate = median(samples.get(`${servers[3]!.name}:${connections}`)!.map((s) => s.load.throughput));
      for (const server of servers) {
        const taken = samples.get(`${server.name}:${connections}`)!;
        const rate = median(taken.map((s) => s.load.throughput));
        rows.push({
          connections,
          server: server.name,
          'creates/s': Math.round(rate),
          'p50 ms': round(median(taken.map((s) => s.load.p50))),
          'p99 ms': round(median(taken.map((s) => s.load.p99))),
          'non2xx+err': taken.reduce((n, s) => n + s.load.non2xx + s.load.errors, 0),
          'server CPU ms / create': round(median(taken.map((s) => s.cpuMsPerCreate)), 3),
          'service / this': round(serviceRate / rate),
          'per run': taken.map((s) => Math.round(s.load.throughput)).join(' / '),
        });
      }
    }
    const title = `SCIM create (POST /Users) against the stack's floors, medians of ${runs} runs x ${seconds}s; load generator on the same 2 cores`;
    console.log(`\n${title}`);
    printTable(rows);
    writeReport({ benchmark: 'framework-floor', at: new Date().toISOString(), settings: { seconds, runs, connectionCounts, serviceMode: service.mode }, tables: [{ title, rows }], notes: [] });
  } finally {
    await Promise.all([http.stop(), nest.stop(), peer.stop(), service.stop()]);
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
