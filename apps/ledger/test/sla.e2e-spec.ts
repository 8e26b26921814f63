import { slaStreams } from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import { SlaRuntime } from '@ledger/sla';
import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { sleep, startAlertReceiver, type AlertReceiver, type ReceivedAlert } from '../../../libs/sla/test/alert-receiver';
import { runCli } from '../src/cli/run-cli';
import { EVENT_STORE } from '../src/infrastructure/tokens';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

jest.setTimeout(60_000);

const ROUTING_KEY = 'R0ab12cd34ef56ab78cd90ef12ab34cd';
// The service reads routing keys from its environment; in this in-process harness, ours.
const ROUTING_KEY_ENV = 'SLA_E2E_PAGERDUTY_ROUTING_KEY';

describe('lifecycle SLAs: an HR termination, the IdP deprovisioning, and on-call paged when it is late', () => {
  let dir: TempDir;
  let h: Harness;
  let pagerDuty: AlertReceiver;
  let token: string;
  const tenant = 'acme';
  const base = `/tenants/${tenant}/scim/v2`;

  beforeAll(async () => {
    // Our own data directory, so a restart of the service finds its data again.
    dir = await tempDir('sla-e2e');
    process.env[ROUTING_KEY_ENV] = ROUTING_KEY;
    h = await startHarness(dir);
    pagerDuty = await startAlertReceiver();
    ({ token } = await h.tenantWithToken(tenant));
  });
  afterAll(async () => {
    await h.close();
    await pagerDuty.close();
    await dir.remove();
  });
  beforeEach(() => {
    pagerDuty.received.length = 0;
  });

  function policy(windowSeconds: number, extra: Record<string, unknown> = {}) {
    return {
      leaver: { windowSeconds, severity: 'critical', scope: 'privileged', privilegedGroups: ['finance-admins'] },
      routes: [{ type: 'pagerduty', routingKeyEnv: ROUTING_KEY_ENV, url: `${pagerDuty.url}/v2/enqueue` }],
      ...extra,
    };
  }

  let counter = 0;
  let admins: string | null = null;
  /** A user in finance-admins (privileged) and a staff group (not), as an IdP pushes them. */
  async function employee(): Promise<{ id: string; userName: string; adminGroup: string }> {
    counter += 1;
    const userName = `leaver-${counter}@example.com`;
    const user = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName, active: true });
    expect(user.status).toBe(201);
    if (admins === null) {
      admins = (await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'finance-admins', members: [] })).body.id as string;
    }
    const added = await h.scim(token, 'PATCH', `${base}/Groups/${admins}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }] });
    expect(added.status).toBe(200);
    await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: `staff-${counter}`, members: [{ value: user.body.id }] });
    return { id: user.body.id, userName, adminGroup: admins };
  }

  const terminate = (userName: string, extra: Record<string, unknown> = {}) =>
    h.scim(token, 'POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', userName, ...extra }, { 'content-type': 'application/json' });
  const deactivate = (id: string) => h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
  const removeFrom = (groupId: string, userId: string) =>
    h.scim(token, 'PATCH', `${base}/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] });
  const caseOf = async (caseId: string) => (await h.admin('GET', `/tenants/${tenant}/sla/cases/${caseId}`)).body;
  const store = () => h.ledger.app.get<symbol, EventStore>(EVENT_STORE);

  it('keeps policies as versions, keeps an inline routing key out of the policy event, and explains a bad one', async () => {
    const unauthenticated = await fetch(`${h.url}/admin/tenants/${tenant}/sla-policy`);
    expect(unauthenticated.status).toBe(401);
    expect((await h.admin('GET', `/admin/tenants/${tenant}/sla-policy`)).status).toBe(404);

    const first = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ tenant, version: 1, changed: true, warnings: [] });
    expect(first.body.policy.routes[0]).toEqual({ type: 'pagerduty', routingKeyEnv: ROUTING_KEY_ENV, url: `${pagerDuty.url}/v2/enqueue` });
    // A key and an environment variable for one route: which one was meant?
    const both = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, { ...policy(2), routes: [{ type: 'pagerduty', routingKey: ROUTING_KEY, routingKeyEnv: ROUTING_KEY_ENV }] });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('routes[0].routingKey');
    expect(JSON.stringify(both.body)).not.toContain(ROUTING_KEY);
    const withPassword = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, { ...policy(2), routes: [{ type: 'webhook', url: 'https://ops:hunter2@hooks.example.com/sla' }] });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.message).toContain('routes[0].url must not carry a user name or password');
    expect((await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2))).body).toMatchObject({ version: 1, changed: false });

    const bad = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, { leaver: { windowSeconds: -1 }, routes: [{ type: 'pager' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('leaver.windowSeconds must be a whole number');
    expect(bad.body.message).toContain('routes[0].type must be one of pagerduty, alertmanager, webhook, kafka, log');
    expect((await h.admin('PUT', '/admin/tenants/nobody/sla-policy', policy(2))).status).toBe(404);

    const shown = await h.admin('GET', `/admin/tenants/${tenant}/sla-policy`);
    expect(shown.body).toMatchObject({ version: 1, policy: { leaver: { windowSeconds: 2, scope: 'privileged' }, downstreamTargets: [] } });
    expect((await h.admin('GET', `/admin/tenants/${tenant}/sla-policy?version=1`)).body.version).toBe(1);
  });

  it('takes the PagerDuty key inline, as DESIGN.md shows it: pages with it, and keeps it out of the log and the API', async () => {
    const inlineKey = 'R-inline-0123456789abcdef0123456789ab';
    const inlinePolicy = { ...policy(1), routes: [{ type: 'pagerduty', routingKey: inlineKey, url: `${pagerDuty.url}/v2/enqueue` }] };
    const set = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, inlinePolicy);
    expect(set.status).toBe(200);
    expect(set.body.policy.routes[0]).toEqual({ type: 'pagerduty', routingKeyRef: expect.stringMatching(/^rk_/), url: `${pagerDuty.url}/v2/enqueue` });
    expect((await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, inlinePolicy)).body.changed).toBe(false);

    const carol = await employee();
    expect((await terminate(carol.userName)).status).toBe(202);
    const [page] = await pagerDuty.waitFor(1, (r) => r.body.event_action === 'trigger', 10_000);
    expect(page!.body.routing_key).toBe(inlineKey);
    await deactivate(carol.id);
    await removeFrom(carol.adminGroup, carol.id);
    const [resolve] = await pagerDuty.waitFor(1, (r) => r.body.event_action === 'resolve', 10_000);
    expect(resolve!.body.routing_key).toBe(inlineKey);

    const log = await store().readAll({ maxCount: 100_000 });
    expect(JSON.stringify(log.map((e) => [e.data, e.metadata]))).not.toContain(inlineKey);
    expect(JSON.stringify((await h.admin('GET', `/admin/tenants/${tenant}/sla-policy`)).body)).not.toContain(inlineKey);

    // A variable this service does not have: accepted (the timers may run elsewhere), with a warning.
    const unset = await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, { ...policy(2), routes: [{ type: 'pagerduty', routingKeyEnv: 'SLA_KEY_NOBODY_SET' }] });
    expect(unset.status).toBe(200);
    expect(unset.body.warnings).toEqual([expect.stringContaining('SLA_KEY_NOBODY_SET is not set')]);
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2));
  });

  it('a leaver whose access is removed inside the window closes in time and pages nobody', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2));
    const alice = await employee();
    const signal = await terminate(alice.userName);
    expect(signal.status).toBe(202);
    expect(signal.body).toMatchObject({ type: 'termination', user: { id: alice.id, userName: alice.userName }, case: { status: 'open' } });
    const caseId = signal.body.case.caseId;

    expect((await deactivate(alice.id)).status).toBe(200);
    expect((await removeFrom(alice.adminGroup, alice.id)).status).toBe(200);
    const done = await caseOf(caseId);
    // Only privileged groups count: alice is still in staff, and the case is done anyway.
    expect(done).toMatchObject({ status: 'completed', withinWindow: true, breachedAt: null });
    expect(done.timeline.filter((t: { event: string }) => t.event === 'SlaMilestoneRecorded').map((t: { milestone: string }) => t.milestone))
      .toEqual(['terminationSignalReceived', 'idpDeactivated', 'groupsRevoked']);

    await sleep(Date.parse(done.deadline) - Date.now() + 700);
    expect(pagerDuty.received).toEqual([]);
    expect((await caseOf(caseId)).status).toBe('completed');
  });

  it('a leaver still active at the end of the window pages once, within a second, in PagerDuty format; completing it resolves', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2));
    const bob = await employee();
    const signal = await terminate(bob.userName, { signalId: 'workday-7731', source: 'workday' });
    const caseId = signal.body.case.caseId as string;
    const deadline = Date.parse(signal.body.case.deadline);

    const [trigger] = await pagerDuty.waitFor(1, (r) => r.body.event_action === 'trigger', 6000);
    expect(trigger!.receivedAt - deadline).toBeGreaterThanOrEqual(0);
    expect(trigger!.receivedAt - deadline).toBeLessThan(1000);
    expect(trigger!.path).toBe('/v2/enqueue');
    expect(trigger!.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: caseId,
      payload: {
        severity: 'critical',
        source: `scim-ledger/${tenant}`,
        component: 'leaver-sla',
        summary: expect.stringContaining(`Leaver SLA breached for ${bob.userName}`),
        custom_details: {
          caseId,
          user: { id: bob.id, userName: bob.userName },
          policy: { version: expect.any(Number), windowSeconds: 2, scope: 'privileged', privilegedGroups: ['finance-admins'] },
          window: { startedAt: signal.body.case.startedAt, deadline: signal.body.case.deadline, seconds: 2 },
          outstanding: ['the user is still active in the target', 'still a member of: finance-admins'],
          milestones: [expect.objectContaining({ milestone: 'terminationSignalReceived', signalId: 'workday-7731' })],
        },
      },
    });
    expect(trigger!.body.payload.custom_details.elapsedSeconds).toBeGreaterThanOrEqual(2);

    await sleep(500);
    expect(pagerDuty.received).toHaveLength(1);
    expect((await h.admin('GET', `/tenants/${tenant}/sla/cases?status=breached`)).body.cases.map((c: { caseId: string }) => c.caseId)).toContain(caseId);

    await deactivate(bob.id);
    await removeFrom(bob.adminGroup, bob.id);
    const [resolve] = await pagerDuty.waitFor(1, (r) => r.body.event_action === 'resolve', 5000);
    expect(resolve!.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: caseId });
    // The key was sent to PagerDuty twice and recorded nowhere.
    const log = await store().readAll({ maxCount: 100_000 });
    expect(log.length).toBeGreaterThan(0);
    expect(JSON.stringify(log.map((e) => [e.data, e.metadata]))).not.toContain(ROUTING_KEY);

    // The receiver has answered; the attempt is recorded right after.
    let closed = await caseOf(caseId);
    for (let i = 0; i < 30 && closed.deliveries.some((d: { status: string }) => d.status !== 'delivered'); i++) {
      await sleep(100);
      closed = await caseOf(caseId);
    }
    expect(closed).toMatchObject({ status: 'completed', withinWindow: false, resolvedAt: expect.any(String) });
    expect(closed.deliveries).toEqual([
      expect.objectContaining({ alert: 'trigger', route: 'pagerduty-1', status: 'delivered', attempts: 1, lastStatusCode: 202 }),
      expect.objectContaining({ alert: 'resolve', route: 'pagerduty-1', status: 'delivered', attempts: 1, lastStatusCode: 202 }),
    ]);
    const events = await store().readStream(slaStreams.case(tenant, caseId));
    expect(events.map((e) => e.type).filter((t) => t !== 'SlaMilestoneRecorded')).toEqual([
      'SlaCaseOpened', 'SlaBreached', 'AlertDeliveryAttempted', 'SlaCaseCompleted', 'SlaResolved', 'AlertDeliveryAttempted',
    ]);
    expect(events.find((e) => e.type === 'AlertDeliveryAttempted')!.data).toMatchObject({ routeId: 'pagerduty-1', routeType: 'pagerduty', attempt: 1, outcome: 'delivered', statusCode: 202 });
    expect(JSON.stringify(events, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))).not.toContain(pagerDuty.url);

    const report = await h.admin('GET', `/tenants/${tenant}/sla/report?from=${new Date(Date.now() - 3600_000).toISOString()}`);
    expect(report.status).toBe(200);
    const breach = report.body.breaches.find((b: { caseId: string }) => b.caseId === caseId);
    expect(breach).toMatchObject({ status: 'completed', withinWindow: false, outstanding: ['the user is still active in the target', 'still a member of: finance-admins'] });
    expect(breach.timeline.map((t: { milestone?: string; event: string }) => t.milestone ?? t.event)).toEqual(expect.arrayContaining([
      'terminationSignalReceived', 'SlaBreached', 'idpDeactivated', 'groupsRevoked', 'SlaCaseCompleted', 'SlaResolved',
    ]));
    expect(breach.phases.idpLagSeconds).toBeGreaterThan(2);
    expect(report.body.summary).toMatchObject({ breached: expect.any(Number), completedLate: expect.any(Number) });
  });

  it('breaches once when the service is stopped and restarted inside the window', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(3));
    const carol = await employee();
    const signal = await terminate(carol.userName);
    const caseId = signal.body.case.caseId as string;
    const deadline = Date.parse(signal.body.case.deadline);

    await h.close();
    h = await startHarness(dir);
    expect(Date.now()).toBeLessThan(deadline);

    const [trigger] = await pagerDuty.waitFor(1, (r) => r.body.dedup_key === caseId, 8000);
    expect(trigger!.receivedAt - deadline).toBeLessThan(1000);
    await sleep(800);
    expect(pagerDuty.received.filter((r) => r.body.dedup_key === caseId)).toHaveLength(1);
    const events = await store().readStream(slaStreams.case(tenant, caseId));
    expect(events.filter((e) => e.type === 'SlaBreached')).toHaveLength(1);
  });

  it('breaches once when a second timer worker races on the same store', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(2));
    const second = await tempDir('sla-second-worker');
    const rival = new SlaRuntime({ store: store(), path: join(second.path, 'sla.sqlite'), worker: 'rival', log: () => undefined });
    rival.start();
    try {
      const users = await Promise.all([employee(), employee(), employee()]);
      const cases: string[] = [];
      for (const u of users) cases.push((await terminate(u.userName)).body.case.caseId);
      await pagerDuty.waitFor(3, (r) => r.body.event_action === 'trigger', 8000);
      await sleep(800);
      const triggers = pagerDuty.received.filter((r: ReceivedAlert) => r.body.event_action === 'trigger');
      expect(triggers.map((r) => r.body.dedup_key).sort()).toEqual([...cases].sort());
      for (const caseId of cases) {
        const events = await store().readStream(slaStreams.case(tenant, caseId));
        expect(events.filter((e) => e.type === 'SlaBreached')).toHaveLength(1);
      }
      // The rival really ran its timer against these cases: it breached some, or lost the race.
      expect(rival.timer.stats.wakeups).toBeGreaterThan(0);
    } finally {
      await rival.stop();
      await second.remove();
    }
  });

  it('accepts signals from the tenant token or the admin token, and refuses others with a reason', async () => {
    const dave = await employee();
    const other = await h.tenantWithToken('globex');
    const wrongTenant = await h.scim(other.token, 'POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', userId: dave.id }, { 'content-type': 'application/json' });
    expect(wrongTenant.status).toBe(401);
    expect(wrongTenant.body.message).toContain('different tenant');
    expect((await h.scim('scim_not-a-real-token-000000000000', 'POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', userId: dave.id })).status).toBe(401);

    const unknown = await terminate('nobody@example.com');
    expect(unknown.status).toBe(404);
    const bad = await h.scim(token, 'POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'resignation', effectiveAt: 'tomorrow' }, { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('type must be "termination"');
    expect(bad.body.message).toContain('effectiveAt must be an ISO-8601 time');

    const future = new Date(Date.now() + 3600_000).toISOString();
    const byAdmin = await h.admin('POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', externalId: undefined, userId: dave.id, effectiveAt: future, signalId: 'hr-dave' });
    expect(byAdmin.status).toBe(202);
    // A future termination starts the window then.
    expect(byAdmin.body.case.startedAt).toBe(future);
    const again = await h.admin('POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', userId: dave.id, effectiveAt: future, signalId: 'hr-dave' });
    expect(again.body).toMatchObject({ recorded: false, case: { caseId: byAdmin.body.case.caseId } });
    const reused = await h.admin('POST', `/tenants/${tenant}/lifecycle/signals`, { type: 'termination', userName: 'leaver-1@example.com', signalId: 'hr-dave' });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('SIGNAL_ID_REUSED');
  });

  it('a joiner waits until active with the expected groups; a mover until memberships follow the department change', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, {
      ...policy(60),
      joiner: { windowSeconds: 60, severity: 'warning', expectedGroups: ['engineering'] },
      mover: { windowSeconds: 60, severity: 'error', groupRules: ['engineering', 'sales'] },
    });
    const engineering = (await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'engineering', members: [] })).body.id;
    const sales = (await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'sales', members: [] })).body.id;
    const frank = (await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'frank@example.com', [ENTERPRISE]: { department: 'Engineering' } })).body.id;
    const casesOf = async (status: string) =>
      ((await h.admin('GET', `/tenants/${tenant}/sla/cases?status=${status}`)).body.cases as Array<{ kind: string; user: { id: string }; status: string; caseId: string }>)
        .filter((c) => c.user.id === frank);

    expect((await casesOf('open')).map((c) => c.kind)).toEqual(['joiner']);
    await h.scim(token, 'PATCH', `${base}/Groups/${engineering}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: frank }] }] });
    expect((await casesOf('closed')).map((c) => `${c.kind}:${c.status}`)).toEqual(['joiner:completed']);

    const moved = await h.scim(token, 'PATCH', `${base}/Users/${frank}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { [`${ENTERPRISE}:department`]: 'Sales' } }] });
    expect(moved.status).toBe(200);
    const [mover] = await casesOf('open');
    expect(mover).toMatchObject({ kind: 'mover', status: 'open' });
    await h.scim(token, 'PATCH', `${base}/Groups/${sales}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: frank }] }] });
    const detail = await caseOf(mover!.caseId);
    expect(detail).toMatchObject({ kind: 'mover', status: 'completed', withinWindow: true });
    expect(detail.timeline.filter((t: { milestone?: string }) => t.milestone).map((t: { milestone: string; detail: Record<string, unknown> }) => [t.milestone, t.detail])).toEqual([
      ['attributesChanged', { keys: [`${ENTERPRISE}:department`] }],
      ['membershipsFollowed', { groupId: sales, group: 'sales', change: 'added' }],
    ]);
  });

  it('a termination answered while the case projection is behind says the case is pending, not that there is none', async () => {
    await h.admin('PUT', `/admin/tenants/${tenant}/sla-policy`, policy(3600));
    const leaver = await employee();
    const hr = { signalId: 'hr-while-behind', effectiveAt: new Date().toISOString() };
    const runtime = h.ledger.app.get(SlaRuntime);
    await runtime.projection.stop();
    let signal: Awaited<ReturnType<typeof terminate>>;
    try {
      signal = await terminate(leaver.userName, hr);
    } finally {
      runtime.projection.start();
    }
    expect(signal.status).toBe(202);
    expect(signal.body).toMatchObject({ recorded: true, case: null, casePending: true });
    // Caught up, the same signal again names the case it opened.
    const again = await terminate(leaver.userName, hr);
    expect(again.body).toMatchObject({ recorded: false, casePending: false, case: { status: 'open' } });
    const open = (await h.admin('GET', `/tenants/${tenant}/sla/cases?status=open`)).body.cases as Array<{ caseId: string; user: { id: string } }>;
    expect(open.filter((c) => c.user.id === leaver.id).map((c) => c.caseId)).toEqual([again.body.case.caseId]);
  });

  it('the CLI sets the example policy file, shows it, lists cases and prints the report as CSV', async () => {
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(argv, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: { LEDGER_URL: h.url, ADMIN_TOKEN: h.ledger.adminToken } });
      return { code, out, err };
    };
    await h.admin('POST', '/admin/tenants', { id: 'initech', name: 'Initech' });
    const example = join(__dirname, '..', '..', '..', 'deploy', 'sla-policy.example.json');
    const set = await cli('sla', 'policy', 'set', '--tenant', 'initech', '--file', example);
    expect(set).toMatchObject({ code: 0, out: 'policy version 1 set for initech\n' });
    expect((await cli('sla', 'policy', 'set', '--tenant', 'initech', '--file', example)).out).toContain('unchanged');
    const shown = await cli('sla', 'policy', 'show', '--tenant', 'initech');
    expect(shown.out).toContain('"routingKeyEnv": "SLA_PAGERDUTY_ROUTING_KEY"');
    expect(shown.out).toContain('"privilegedGroups": [');

    const leaver = await employee();
    const terminated = await cli('sla', 'terminate', '--tenant', tenant, '--user-name', leaver.userName, '--signal-id', 'cli-hr-1', '--source', 'cli');
    expect(terminated.code).toBe(0);
    const caseLine = terminated.out.split('\n')[1]!;
    const [firstLine, effectiveAt] = terminated.out.split('\n')[0]!.split(', effective ');
    expect(firstLine).toBe(`signal cli-hr-1 recorded for ${leaver.userName} (${leaver.id})`);
    expect(Math.abs(Date.parse(effectiveAt!) - Date.now())).toBeLessThan(60_000);
    const openCase = (await h.admin('GET', `/tenants/${tenant}/sla/cases?status=open`)).body.cases.find((c: { user: { id: string } }) => c.user.id === leaver.id);
    expect(caseLine).toBe(`case ${openCase.caseId}\topen\tdeadline ${openCase.deadline}`);
    expect(await cli('sla', 'terminate', '--tenant', tenant, '--signal-id', 'cli-hr-2')).toMatchObject({ code: 64, err: expect.stringContaining('--user-name, --user-id or --external-id') });

    const cases = await cli('sla', 'cases', '--tenant', tenant, '--status', 'closed');
    expect(cases.code).toBe(0);
    expect(cases.out).toMatch(/leaver-\S+\tleaver\tcompleted\tleaver-\d+@example\.com\tdeadline /);
    const csv = await cli('sla', 'report', '--tenant', tenant, '--format', 'csv');
    const [header, ...rows] = csv.out.trim().split(/\r?\n/);
    expect(header).toBe('caseId,kind,status,userId,userName,severity,policyVersion,windowSeconds,startedAt,deadline,completedAt,withinWindow,breachedAt,resolvedAt,elapsedSeconds,idpLagSeconds,processingSeconds,downstreamSeconds,timeline');
    expect(rows.some((r) => r.includes(',completed,') && r.includes(',false,'))).toBe(true);
    expect((await cli('sla', 'policy', 'set', '--tenant', 'initech', '--file', '/nonexistent.json')).code).toBe(64);
  });
});
