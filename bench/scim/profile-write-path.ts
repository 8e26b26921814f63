/**
 * Profiles the write path: the service runs under `node --cpu-prof` (every thread, so the SQLite
 * writer thread too) while POST /Users runs at 64 connections (or, with BENCH_PROFILE_SCENARIO=
 * group-patch, while 1,000-member group PATCHes run one at a time); then the profiles are reduced to
 * the top costs: self time by function, inclusive time by function, and self time by area (a
 * package, one of our files, GC, idle). The .cpuprofile files are kept for a flame graph
 * (Chrome DevTools > Performance > Load profile, or speedscope).
 *
 *   npm run bench -- profile          (BENCH_PROFILE_SECONDS=10, BENCH_PROFILE_SCENARIO=create|group-patch)
 *   node <build>/bench/scim/profile-write-path.js [--analyse <dir with .cpuprofile files>]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startService } from '../lib/ledger-process';
import { envNumber, repoRoot, writeReport, type Row } from '../lib/report';
import { call, runLoad, type LoadResult } from '../lib/load';
import { addMembersBody, groupBody } from '../lib/scim-payloads';
import { createUsers, headersOf, scimTarget, type ScimTarget } from '../lib/scim-target';
import { printTable, round } from '../lib/stats';

const seconds = envNumber('BENCH_PROFILE_SECONDS', 10);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0 && !path.includes('/.cache/scim-ledger-bench/')) return path.slice(modules + '/node_modules/'.length);
  const build = path.indexOf('/.cache/scim-ledger-bench/');
  if (build >= 0) return path.slice(build + '/.cache/scim-ledger-bench/'.length);
  try {
    return relative(repoRoot(), path);
  } catch {
    return path;
  }
}

function areaOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : `(native) ${frame.functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return url;
  if (/^(apps|libs|bench)\//.test(url)) return url.replace(/\.js$/, '.ts');
  const parts = url.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function keyOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  return `${frame.functionName || '(anonymous)'} ${url ? `${url.replace(/\.js$/, '.ts')}:${frame.lineNumber + 1}` : ''}`.trim();
}

/**
 * What a sample of the main thread was doing. Subsystems that own everything beneath them
 * (projections, the request ledger) are recognised anywhere in the stack; otherwise the frame
 * nearest the leaf that belongs to a known part wins (body-parser calls the whole route
 * handler, so "anywhere in the stack" would charge the handler's work to it).
 */
const OWNERS: Array<[string, (key: string) => boolean]> = [
  ['audit projections: apply (catch-up, main thread)', (k) => k.includes('libs/projections/src/audit/')],
  ['SCIM read model: apply (catch-up, main thread)', (k) => k.startsWith('apply ') && k.includes('scim-read-model')],
  ['transparency: Merkle tree of the log (catch-up, main thread)', (k) => k.includes('libs/transparency/')],
  ['SLA cases projection (catch-up, main thread)', (k) => k.includes('libs/sla/')],
  ['catch-up subscriptions: readAll + JSON.parse', (k) => k.includes('catch-up-subscription')],
  ['request ledger: record after response', (k) => k.includes('request-ledger')],
  ['module loading / start-up', (k) => k.includes('node:internal/modules')],
];
const PARTS: Array<[string, (key: string) => boolean]> = [
  ['appends: hand-off to the writer thread (postMessage) and acknowledgements', (k) => /^(settle|dispatch|append) /.test(k) && /event-store/.test(k)],
  ['stream load: readStream + JSON.parse + fold', (k) => (k.startsWith('load ') && k.includes('event-sourced-repository')) || k.startsWith('readStream libs/')],
  ['SCIM auth guard (sha256, token lookup)', (k) => k.includes('scim-auth.guard')],
  ['uniqueness claims (claim streams)', (k) => /^(claim|release) /.test(k) && k.includes('users.service')],
  ['body parsing (body-parser JSON)', (k) => k.includes('body-parser/') || k.includes('raw-body/')],
  ['response: JSON + express send + socket write', (k) => k.startsWith('send ') && (k.includes('express/lib/response') || k.includes('scim/users.controller'))],
  ['SCIM handlers: validation, PATCH, mapping', (k) => k.includes('libs/scim/') || k.includes('apps/ledger/src/scim/')],
  ['logging (pino, pino-http)', (k) => /pino|sonic-boom|redact/.test(k)],
  ['metrics (prom-client)', (k) => k.includes('prom-client')],
  ['Nest / Express / router', (k) => /@nestjs|express\/|router\/|rxjs|reflect-metadata/.test(k)],
];

function componentOf(stackLeafFirst: string[]): string {
  const leaf = stackLeafFirst[0] ?? '';
  if (leaf.startsWith('(garbage collector)')) return 'GC';
  for (const [name, owns] of OWNERS) if (stackLeafFirst.some(owns)) return name;
  for (const key of stackLeafFirst) {
    const part = PARTS.find(([, matches]) => matches(key));
    if (part) return part[0];
  }
  const ours = stackLeafFirst.find((k) => /(apps|libs)\//.test(k));
  if (ours) return `other code of ours: ${ours.split(' ')[1]?.replace(/:\d+$/, '').replace(/^.*?((apps|libs)\/)/, '$1')}`;
  return stackLeafFirst.some((k) => k.includes('node:')) ? 'Node HTTP, streams, timers' : 'other';
}

export function analyse(files: string[], window?: { fromUs: number; toUs: number }): { threads: Row[]; self: Row[]; inclusive: Row[]; areas: Row[]; components: Row[] } {
  const threads: Row[] = [];
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const components = new Map<string, number>();
  let total = 0;
  let mainTotal = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const isMain = /\.0\.\d+\.cpuprofile$/.test(file);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const selfUs = new Map<number, number>();
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas[i] ?? 0;
      if (window && (at < window.fromUs || at > window.toUs)) return;
      selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    let busy = 0;
    let idle = 0;
    for (const [id, us] of selfUs) {
      const node = byId.get(id)!;
      const ms = us / 1000;
      if (node.callFrame.functionName === '(idle)') {
        idle += ms;
        continue;
      }
      busy += ms;
      self.set(keyOf(node.callFrame), (self.get(keyOf(node.callFrame)) ?? 0) + ms);
      areas.set(areaOf(node.callFrame), (areas.get(areaOf(node.callFrame)) ?? 0) + ms);
      const seen = new Set<string>();
      for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
        const key = keyOf(byId.get(cursor)!.callFrame);
        if (seen.has(key)) continue;
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
      }
      if (isMain) {
        const component = componentOf([...seen]);
        components.set(component, (components.get(component) ?? 0) + ms);
      }
    }
    total += busy;
    if (isMain) mainTotal += busy;
    threads.push({ profile: file.split('/').pop()!, 'busy ms': Math.round(busy), 'idle ms': Math.round(idle), 'busy %': round((100 * busy) / Math.max(1, busy + idle), 1) });
  }
  const top = (map: Map<string, number>, n: number, label: string): Row[] =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, ms]) => ({ [label]: key, ms: Math.round(ms), '% of busy': round((100 * ms) / total, 1) }));
  const wanted = (key: string) => !key.startsWith('(root)') && !key.startsWith('(program)');
  return {
    components: [...components.entries()].sort((a, b) => b[1] - a[1]).map(([component, ms]) => ({ 'main thread: component': component, ms: Math.round(ms), '% of main thread busy': round((100 * ms) / mainTotal, 1) })),
    threads,
    self: top(self, 30, 'function (self time)'),
    inclusive: top(new Map([...inclusive].filter(([k]) => wanted(k) && /(apps|libs)\//.test(k))), 30, 'our function (inclusive time)'),
    areas: top(areas, 25, 'area (self time)'),
  };
}

/** Which write path to profile: user create at 64 connections, or 1,000-member group PATCHes one at a time. */
const scenario = (process.env['BENCH_PROFILE_SCENARIO'] ?? 'create') as 'create' | 'group-patch';

async function profile(): Promise<{ dir: string; window: { fromUs: number; toUs: number }; requests: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  const service = await startService({ nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  const target = scimTarget('service', service.server, service.scimBase, service.token);
  try {
    await createUsers(target, 16, 60, scenario === 'create' ? 500 : 1000); // warm-up (and members), left out of the analysed window
    const result = scenario === 'create' ? await createUsers(target, 64, seconds) : await groupPatches(target);
    console.log(`${scenario === 'create' ? 'POST /Users at 64 connections' : 'PATCH /Groups/{id} adding 1,000 members, 1 connection'} under the profiler: ${round(result.throughput, 1)}/s, p50 ${round(result.p50)} ms, p99 ${round(result.p99)} ms, non2xx ${result.non2xx}, errors ${result.errors}`);
    return { dir, window: { fromUs: result.fromUs, toUs: result.toUs }, requests: result.ok };
  } finally {
    await service.stop();
  }
}

async function groupPatches(target: ScimTarget): Promise<LoadResult> {
  const count = Math.max(5, Math.round(seconds * 5));
  const groups: string[] = [];
  for (let i = 0; i < count + 1; i++) {
    const created = await call(`${target.url}${target.base}/Groups`, 'POST', headersOf(target), JSON.parse(groupBody(`profile-group-${i}`)));
    groups.push(created.body.id);
  }
  const body = addMembersBody(target.userIds.slice(0, 1000));
  let next = 0;
  return runLoad({
    url: target.url, connections: 1, seconds: seconds * 3, maxRequests: count, headers: headersOf(target), before: () => target.waitIdle(),
    requests: [{ method: 'PATCH', body, setupRequest: (req) => ({ ...req, path: `${target.base}/Groups/${groups[next++ % groups.length]}` }) }],
  });
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--analyse');
  const run = at >= 0 ? { dir: process.argv[at + 1]!, window: undefined, requests: 0 } : await profile();
  const files = readdirSync(run.dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(run.dir, f));
  if (files.length === 0) throw new Error(`no .cpuprofile files in ${run.dir}`);
  const result = analyse(files, run.window);
  const mainBusy = Number(result.threads.find((t) => /\.0\.\d+\.cpuprofile$/.test(String(t['profile'])))?.['busy ms'] ?? 0);
  if (run.requests > 0) console.log(`main thread: ${round(mainBusy / run.requests, 2)} ms of CPU per request (${run.requests} requests in the window)`);
  const tables = [
    { title: 'Threads in the measured window (one profile per thread: the main thread and the SQLite writer)', rows: result.threads },
    { title: 'Main thread by component (whole stack; our components first)', rows: result.components },
    { title: 'Self time by area', rows: result.areas },
    { title: 'Top functions by self time', rows: result.self },
    { title: 'Our functions by inclusive time (time spent in them and what they call)', rows: result.inclusive },
  ];
  for (const table of tables) {
    console.log(`\n${table.title}`);
    printTable(table.rows);
  }
  console.log(`\nprofiles kept in ${run.dir} (open them in Chrome DevTools or speedscope for a flame graph)`);
  writeReport({ benchmark: `profile-${scenario}`, at: new Date().toISOString(), settings: { scenario, seconds, profiles: run.dir }, tables, notes: [] });
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
