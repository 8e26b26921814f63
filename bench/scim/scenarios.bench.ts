/**
 * The service's other hot paths, each at 1, 16 and 64 connections on one running service:
 *  - deactivate: PATCH active=false (the leaver path; with a leaver SLA policy set when the
 *    service has the policy endpoint, so leaver cases open as shipped),
 *  - group PATCH adding 1,000 members (a fresh group per request, so each request adds all),
 *  - list with filter: GET /Users?filter=userName eq "..." (an indexed lookup),
 *  - audit point-in-time: GET /tenants/{t}/audit/users/{id}/state?at=... (when the service has it).
 *
 *   BENCH_SECONDS=3 BENCH_RUNS=3 BENCH_CONNECTIONS=1,16,64 BENCH_LEAVERS=4000
 *   BENCH_GROUP_PATCHES=20 BENCH_GROUP_CONNECTIONS=1,16
 */
import { join } from 'node:path';
import { ADMIN_TOKEN, startService } from '../lib/ledger-process';
import { call, inParallel, runLoad, type LoadResult } from '../lib/load';
import { rowsWrittenBy } from '../lib/raw-limit';
import { envList, envNumber, writeReport, type Row } from '../lib/report';
import { DEACTIVATE_BODY, addMembersBody, groupBody } from '../lib/scim-payloads';
import { createUsers, headersOf, patchUsers, scimTarget } from '../lib/scim-target';
import { median, printTable, round } from '../lib/stats';

const seconds = envNumber('BENCH_SECONDS', 3);
const runs = envNumber('BENCH_RUNS', 3);
const connectionCounts = envList('BENCH_CONNECTIONS', [1, 16, 64]);
/** Users provisioned to be deactivated once each (a deactivation of an inactive user stores nothing). */
const leavers = envNumber('BENCH_LEAVERS', 4000);
/** 1,000-member group PATCHes per measured run, at these connection counts (an IdP sends them one group at a time). */
const groupPatches = envNumber('BENCH_GROUP_PATCHES', 20);
const groupConnections = envList('BENCH_GROUP_CONNECTIONS', [1, 16]);
const MEMBERS = 1000;

const LEAVER_POLICY = {
  leaver: { windowSeconds: 900, severity: 'critical', scope: 'all' },
  joiner: { windowSeconds: 86_400, severity: 'warning' },
  mover: { windowSeconds: 86_400, severity: 'warning' },
  routes: [{ type: 'log' }],
};

async function main(): Promise<void> {
  const service = await startService();
  const notes: string[] = [`service started from the ${service.mode === 'build' ? 'compiled build (tsc)' : 'TypeScript sources (swc-node)'}`];
  const results = new Map<string, LoadResult[]>();
  const keep = (key: string, result: LoadResult) => results.set(key, [...(results.get(key) ?? []), result]);
  const unavailable = new Map<string, string>();
  try {
    const target = scimTarget('service', service.server, service.scimBase, service.token);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

    const policy = await call(`${target.url}/admin/tenants/${service.tenant}/sla-policy`, 'PUT', admin, LEAVER_POLICY);
    notes.push(policy.status < 300
      ? 'leaver SLA policy set (900 s window, scope all, log route): deactivations open leaver cases'
      : `no leaver SLA policy: PUT /admin/tenants/{t}/sla-policy answered ${policy.status}, so deactivate runs without SLA cases`);

    // Users to deactivate (each once) and to add to groups; provisioning is not measured here.
    const provisioned = await createUsers(target, 64, 600, leavers + MEMBERS);
    if (target.userIds.length < leavers + MEMBERS) throw new Error(`provisioned only ${target.userIds.length} users: ${JSON.stringify(provisioned.statusCodes)}`);
    const members = target.userIds.slice(0, MEMBERS);
    const leaverPool = target.userIds.slice(MEMBERS);
    await patchUsers(target, 16, 1); // warm-up of the PATCH path on already-used users

    const eventsFile = join(service.dataDir, 'events.sqlite');
    const deactivationRows = await rowsWrittenBy(eventsFile, target.waitIdle, async () => {
      const answered = await call(`${target.url}${target.base}/Users/${leaverPool.pop()}`, 'PATCH', headersOf(target), JSON.parse(DEACTIVATE_BODY));
      if (answered.status !== 200) throw new Error(`deactivate answered ${answered.status}: ${JSON.stringify(answered.body)}`);
    });
    notes.push(`one deactivation stores ${deactivationRows.length} event rows (${deactivationRows.map((r) => r.type).join(', ')})`);

    // Groups to fill: one per measured 1,000-member PATCH.
    const groupsNeeded = runs * groupConnections.reduce((n, c) => n + Math.max(groupPatches, c) + 1, 0);
    const stamp = Date.now();
    const groupIds = await inParallel(Array.from({ length: groupsNeeded }, (_, i) => i), 16, async (i) => {
      const created = await call(`${target.url}${target.base}/Groups`, 'POST', headersOf(target), JSON.parse(groupBody(`bench-group-${stamp}-${i}`)));
      if (created.status !== 201) throw new Error(`group create answered ${created.status}: ${JSON.stringify(created.body)}`);
      return created.body.id as string;
    });
    const addAll = addMembersBody(members);

    const auditPath = (id: string) => `/tenants/${service.tenant}/audit/users/${id}/state?at=${encodeURIComponent(new Date().toISOString())}`;
    const auditProbe = await call(`${target.url}${auditPath(members[0]!)}`, 'GET', { authorization: `Bearer ${ADMIN_TOKEN}` });
    if (auditProbe.status !== 200) unavailable.set('audit', `not available (GET ${auditPath(':id').split('?')[0]} answered ${auditProbe.status})`);

    const slices = runs * connectionCounts.length;
    const perSlice = Math.floor(leaverPool.length / slices);
    let slice = 0;
    let nextGroup = 0;
    for (let run = 0; run < runs; run++) {
      for (const connections of connectionCounts) {
        const mine = leaverPool.slice(slice * perSlice, (slice + 1) * perSlice);
        slice++;
        keep(`deactivate:${connections}`, await runLoad({
          url: target.url, connections, seconds, maxRequests: mine.length - 1, headers: headersOf(target), rssMb: target.rssMb, before: target.waitIdle,
          requests: [{ method: 'PATCH', body: DEACTIVATE_BODY, setupRequest: (req) => ({ ...req, path: `${target.base}/Users/${mine.pop() ?? leaverPool[0]}` }) }],
        }));

        if (groupConnections.includes(connections)) keep(`group-patch:${connections}`, await runLoad({
          url: target.url, connections, seconds: 30, maxRequests: groupPatches, headers: headersOf(target), rssMb: target.rssMb, before: target.waitIdle,
          requests: [{ method: 'PATCH', body: addAll, setupRequest: (req) => ({ ...req, path: `${target.base}/Groups/${groupIds[nextGroup++ % groupIds.length]}` }) }],
        }));

        let pick = 0;
        const userNameOf = (i: number) => target.userNames[i % target.userNames.length]!;
        keep(`list-filter:${connections}`, await runLoad({
          url: target.url, connections, seconds, headers: { authorization: `Bearer ${target.token}` }, rssMb: target.rssMb, before: target.waitIdle,
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `${target.base}/Users?filter=${encodeURIComponent(`userName eq "${userNameOf(pick++)}"`)}` }) }],
        }));

        if (!unavailable.has('audit')) {
          keep(`audit:${connections}`, await runLoad({
            url: target.url, connections, seconds, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, rssMb: target.rssMb, before: target.waitIdle,
            requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: auditPath(members[pick++ % members.length]!) }) }],
          }));
        }
      }
    }

    const rows: Row[] = [];
    const titles: Record<string, string> = {
      deactivate: 'deactivate (PATCH active=false)',
      'group-patch': `group PATCH +${MEMBERS} members`,
      'list-filter': 'list, filter userName eq',
      audit: 'audit state at T',
    };
    for (const scenario of Object.keys(titles)) {
      for (const connections of connectionCounts) {
        const samples = results.get(`${scenario}:${connections}`) ?? [];
        if (samples.length === 0) {
          rows.push({ scenario: titles[scenario]!, connections, 'req/s': unavailable.get(scenario) ?? 'not run (see settings)', 'p50 ms': '', 'p99 ms': '', 'non2xx+err': '', 'RSS MiB': '', 'req/s per run': '' });
          continue;
        }
        rows.push({
          scenario: titles[scenario]!,
          connections,
          'req/s': Math.round(median(samples.map((r) => r.throughput))),
          'p50 ms': round(median(samples.map((r) => r.p50))),
          'p99 ms': round(median(samples.map((r) => r.p99))),
          'non2xx+err': samples.reduce((n, r) => n + r.non2xx + r.errors, 0),
          'RSS MiB': Math.round(Math.max(...samples.map((r) => r.rssPeakMb))),
          'req/s per run': samples.map((r) => Math.round(r.throughput)).join(' / '),
        });
      }
    }
    const title = `Service scenarios: 2xx/s, medians of ${runs} runs (${seconds}s each; deactivate and group PATCH are bounded by their pools)`;
    console.log(`\n${title}`);
    printTable(rows);
    for (const note of notes) console.log(`- ${note}`);
    writeReport({ benchmark: 'scim-scenarios', at: new Date().toISOString(), settings: { seconds, runs, connectionCounts, leavers, groupPatches, groupConnections, members: MEMBERS, serviceMode: service.mode }, tables: [{ title, rows }], notes });
  } finally {
    await service.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
