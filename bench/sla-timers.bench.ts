/**
 * SLA timers at scale: BENCH_CASES (100,000) open leaver cases seeded straight into the store
 * (one SlaCaseOpened per case stream, projected into sla.sqlite by the case projection), then:
 *
 *   1. idle: nothing due for minutes; the CPU the whole SLA runtime (timer, dispatcher, case
 *      projection with the store's 1 s cross-process poll) spends over BENCH_IDLE_SECONDS, and
 *      how often the timer woke;
 *   2. expiry: BENCH_EXPIRING of those cases (1,000) get deadlines spread over BENCH_SPREAD_SECONDS
 *      (10 s); for each, the delay from its deadline to `SlaBreached` in the store and to the
 *      alert arriving at a local webhook receiver (p50 / p95 / p99 / max). Target: p99 < 1 s.
 *
 *   node -r @swc-node/register bench/sla-timers.bench.ts
 */
import { caseIdFor, slaStreams, type CaseTerms } from '@ledger/domain';
import { SqliteEventStore, type NewEvent } from '@ledger/eventstore';
import { SlaRuntime } from '@ledger/sla';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, printTable, round } from './lib/stats';

const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const EXPIRING = Number(process.env.BENCH_EXPIRING ?? 1000);
const SPREAD_SECONDS = Number(process.env.BENCH_SPREAD_SECONDS ?? 10);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const TENANT = 'bench';

type Row = Record<string, string | number>;

function terms(windowSeconds: number): CaseTerms {
  return {
    policyVersion: 1, windowSeconds, severity: 'critical', scope: 'all', privilegedGroups: [], downstreamTargets: [], expectedGroups: [], groupRules: [],
  };
}

function opened(index: number, deadlineMs: number, windowSeconds: number): { caseId: string; event: NewEvent } {
  const triggerId = `bench-${String(index).padStart(7, '0')}`;
  const caseId = caseIdFor('leaver', triggerId);
  const startedAt = new Date(deadlineMs - windowSeconds * 1000).toISOString();
  return {
    caseId,
    event: {
      type: 'SlaCaseOpened',
      data: {
        caseId, kind: 'leaver', userId: `user-${index}`, userName: `user-${index}@example.com`, terms: terms(windowSeconds),
        trigger: { type: 'UserDeactivated', eventId: triggerId }, openedAt: startedAt, startedAt, deadline: new Date(deadlineMs).toISOString(), at: startedAt,
      },
      metadata: { tenant: TENANT, correlationId: 'bench', actor: 'bench' },
    },
  };
}

async function seed(store: SqliteEventStore, from: number, count: number, deadlineOf: (i: number) => number, windowSeconds: number): Promise<string[]> {
  const ids: string[] = [];
  let next = from;
  const end = from + count;
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (next < end) {
      const i = next++;
      const { caseId, event } = opened(i, deadlineOf(i), windowSeconds);
      ids.push(caseId);
      await store.append(slaStreams.case(TENANT, caseId), [event], 'no_stream');
    }
  }));
  return ids;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sla-'));
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { caseId: string; alert: string };
      if (body.alert === 'trigger' && !arrivals.has(body.caseId)) arrivals.set(body.caseId, Date.now());
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  await store.append(slaStreams.policy(TENANT), [{
    type: 'SlaPolicySet',
    data: { tenant: TENANT, version: 1, policy: { leaver: { windowSeconds: 86_400, severity: 'critical', scope: 'all', privilegedGroups: [] }, downstreamTargets: [], routes: [{ type: 'webhook', url }] }, at: new Date().toISOString() },
    metadata: { tenant: TENANT, correlationId: 'bench', actor: 'bench' },
  }], 'no_stream');
  const background = CASES - EXPIRING;
  const seedStarted = performance.now();
  await seed(store, 0, background, () => Date.now() + 86_400_000 + Math.random() * 86_400_000, 86_400);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // The runtime starts on a store that already holds the cases, as after a restart.
  const runtime = new SlaRuntime({ store, path: join(dir, 'sla.sqlite'), worker: 'bench', log: () => undefined, onError: (e, part) => console.error(`${part}: ${e.message}`) });
  const catchUpStarted = performance.now();
  runtime.start();
  await runtime.projection.waitFor(await store.headPosition(), 600_000);
  const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
  console.log(`seeded ${background} open cases in ${seedSeconds.toFixed(1)} s; the case projection took them in ${catchUpSeconds.toFixed(1)} s (${Math.round(background / catchUpSeconds)} cases/s)`);

  // Idle: nothing is due for a day.
  await new Promise((r) => setTimeout(r, 1000));
  const wakeupsBefore = runtime.timer.stats.wakeups;
  const cpuBefore = process.cpuUsage();
  const idleStarted = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const idleWall = performance.now() - idleStarted;
  const idleCpuMs = (cpu.user + cpu.system) / 1000;
  const idle: Row = {
    'open cases': runtime.sla.openCaseCount(),
    'idle s': round(idleWall / 1000, 1),
    'CPU ms': round(idleCpuMs, 1),
    'CPU % of one core': round((idleCpuMs / idleWall) * 100, 3),
    'CPU ms per s': round(idleCpuMs / (idleWall / 1000), 2),
    'timer wakeups': runtime.timer.stats.wakeups - wakeupsBefore,
    'next timer wake in s': runtime.timer.nextWake === null ? 'none' : round((runtime.timer.nextWake - Date.now()) / 1000, 0),
  };

  // Expiry: EXPIRING more open cases, deadlines spread over SPREAD_SECONDS starting 3 s from now.
  const firstDeadline = Date.now() + 3000;
  const deadlineOf = (i: number) => firstDeadline + Math.floor(((i - background) / EXPIRING) * SPREAD_SECONDS * 1000);
  await seed(store, background, EXPIRING, deadlineOf, 5);
  const deadlines = new Map<string, number>();
  for (let i = background; i < CASES; i++) deadlines.set(opened(i, deadlineOf(i), 5).caseId, deadlineOf(i));
  const openAtExpiry = runtime.sla.openCaseCount();
  const lastDeadline = Math.max(...deadlines.values());
  const waitUntil = lastDeadline + 15_000;
  while (arrivals.size < EXPIRING && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 200));

  const breachDelays: number[] = [];
  const deliveryDelays: number[] = [];
  let breachEvents = 0;
  for (const [caseId, deadline] of deadlines) {
    const events = await store.readStream(slaStreams.case(TENANT, caseId));
    const breaches = events.filter((e) => e.type === 'SlaBreached');
    breachEvents += breaches.length;
    if (breaches[0]) breachDelays.push(Date.parse(breaches[0].metadata.recordedAt) - deadline);
    const arrived = arrivals.get(caseId);
    if (arrived !== undefined) deliveryDelays.push(arrived - deadline);
  }
  breachDelays.sort((a, b) => a - b);
  deliveryDelays.sort((a, b) => a - b);
  const stat = (name: string, values: number[]): Row => ({
    measure: name,
    cases: values.length,
    'p50 ms': round(percentile(values, 50), 1),
    'p95 ms': round(percentile(values, 95), 1),
    'p99 ms': round(percentile(values, 99), 1),
    'max ms': round(values.at(-1) ?? NaN, 1),
    'p99 < 1 s': percentile(values, 99) < 1000 ? 'yes' : 'NO',
  });
  const expiry = [stat('deadline -> SlaBreached recorded', breachDelays), stat('deadline -> alert at receiver', deliveryDelays)];

  console.log(`\nSLA timer loop, idle, with ${idle['open cases']} open cases (nothing due for a day)`);
  printTable([idle]);
  console.log(`\n${EXPIRING} of ${openAtExpiry} open cases expiring over ${SPREAD_SECONDS} s (breach events recorded: ${breachEvents}, alerts received: ${arrivals.size})`);
  printTable(expiry);

  const report = {
    benchmark: 'sla-timers',
    at: new Date().toISOString(),
    settings: { cases: CASES, expiring: EXPIRING, spreadSeconds: SPREAD_SECONDS, idleSeconds: IDLE_SECONDS, seedSeconds: round(seedSeconds, 1), catchUpSeconds: round(catchUpSeconds, 1) },
    tables: [
      { title: 'SLA timer loop, idle', rows: [idle] },
      { title: 'Deadline to breach and alert', rows: expiry },
    ],
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `sla-timers-${report.at.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  if (process.env.BENCH_RESULT_FILE) writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(report, null, 2));
  console.log(`\nwritten ${file}`);

  await runtime.stop();
  await store.close();
  await new Promise<void>((r) => receiver.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  if (breachEvents !== EXPIRING) {
    console.error(`expected ${EXPIRING} breaches, found ${breachEvents}`);
    process.exitCode = 1;
  }
}

void main();
