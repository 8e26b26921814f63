import { slaStreams, streams, type SlaPolicy } from '@ledger/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { SlaRuntime, type SlaRuntimeOptions } from '../src';
import { sleep, startAlertReceiver, type AlertReceiver } from './alert-receiver';

const TENANT = 'acme';
const meta = { tenant: TENANT, correlationId: 'test', actor: 'test' };

jest.setTimeout(30_000);

describe('SLA runtime over a real SQLite store', () => {
  let dir: TempDir;
  let store: EventStore;
  let receiver: AlertReceiver;
  const runtimes: SlaRuntime[] = [];

  beforeEach(async () => {
    dir = await tempDir('sla-int');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 100 });
    receiver = await startAlertReceiver();
  });
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop();
    await receiver.close();
    await store.close();
    await dir.remove();
  });

  function runtime(name: string, options: Partial<SlaRuntimeOptions> = {}): SlaRuntime {
    const r = new SlaRuntime({
      store, path: join(dir.path, `${name}.sqlite`), worker: name, retryBaseMs: 100, retryMaxMs: 400, leaseMs: 600, log: () => undefined, ...options,
    });
    runtimes.push(r);
    r.start();
    return r;
  }

  async function stopRuntime(r: SlaRuntime): Promise<void> {
    runtimes.splice(runtimes.indexOf(r), 1);
    await r.stop();
  }

  const now = () => new Date().toISOString();
  let policyVersion: number;
  beforeEach(() => {
    policyVersion = 0;
  });
  async function setPolicy(policy: Partial<SlaPolicy>): Promise<void> {
    policyVersion += 1;
    await store.append(slaStreams.policy(TENANT), [{
      type: 'SlaPolicySet', data: { tenant: TENANT, version: policyVersion, policy: { downstreamTargets: [], routes: [], ...policy }, at: now() }, metadata: meta,
    }], 'any');
  }
  async function userEvent(userId: string, type: string, data: Record<string, unknown> = {}): Promise<void> {
    await store.append(streams.user(TENANT, userId), [{ type, data: { userId, at: now(), ...data }, metadata: meta }], 'any');
  }
  const inGroup = (groupId: string, members: string[]) =>
    store.append(streams.group(TENANT, groupId), [{ type: 'GroupCreated', data: { groupId, displayName: groupId, externalId: null, members: members.map((value) => ({ value })), at: now() }, metadata: meta }], 'no_stream');
  const provision = (userId: string) => userEvent(userId, 'UserProvisioned', { userName: `${userId}@example.com`, externalId: null, active: true, attributes: {} });
  const leaverPolicy = (windowSeconds: number): Partial<SlaPolicy> => ({
    leaver: { windowSeconds, severity: 'critical', scope: 'all', privilegedGroups: [] },
    routes: [{ type: 'webhook', url: receiver.url }],
  });
  async function caseEvents(caseId: string): Promise<RecordedEvent[]> {
    return store.readStream(slaStreams.case(TENANT, caseId));
  }
  async function leaverCaseOf(r: SlaRuntime, userId: string): Promise<string> {
    await r.projection.waitFor(await store.headPosition());
    const open = r.listCases(TENANT, 'all', 1000).find((c) => c.user.id === userId && c.kind === 'leaver');
    if (!open) throw new Error(`no leaver case for ${userId}`);
    return open.caseId;
  }

  it('a leaver whose access is removed inside the window closes in time and raises nothing', async () => {
    const r = runtime('a');
    await setPolicy(leaverPolicy(1));
    await provision('alice');
    await store.append(streams.group(TENANT, 'g1'), [{ type: 'GroupCreated', data: { groupId: 'g1', displayName: 'finance-admins', externalId: null, members: [{ value: 'alice' }], at: now() }, metadata: meta }], 'no_stream');
    await userEvent('alice', 'UserDeactivated');
    const caseId = await leaverCaseOf(r, 'alice');
    await store.append(streams.group(TENANT, 'g1'), [{ type: 'GroupMembersRemoved', data: { groupId: 'g1', members: ['alice'], at: now() }, metadata: meta }], 'any');
    await sleep(1500);
    expect((await caseEvents(caseId)).map((e) => e.type)).toEqual(['SlaCaseOpened', 'SlaMilestoneRecorded', 'SlaMilestoneRecorded', 'SlaCaseCompleted']);
    expect(r.caseDetail(TENANT, caseId)).toMatchObject({ status: 'completed', withinWindow: true });
    expect(receiver.received).toEqual([]);
  });

  it('four timer workers racing on one store record each breach once, and page once per case', async () => {
    const workers = ['w1', 'w2', 'w3', 'w4'].map((name) => runtime(name, { leaseMs: 30_000 }));
    await setPolicy(leaverPolicy(1));
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const u of users) await provision(u);
    await inGroup('finance-admins', users);
    await Promise.all(users.map((u) => userEvent(u, 'UserDeactivated')));
    const caseIds = await Promise.all(users.map((u) => leaverCaseOf(workers[0]!, u)));

    await receiver.waitFor(users.length, () => true, 10_000);
    await sleep(500);
    for (const caseId of caseIds) {
      const events = await caseEvents(caseId);
      expect(events.filter((e) => e.type === 'SlaBreached')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'SlaCaseOpened')).toHaveLength(1);
    }
    expect(receiver.received).toHaveLength(users.length);
    expect(new Set(receiver.received.map((r) => r.body.caseId)).size).toBe(users.length);
    const stats = workers.map((w) => w.timer.stats);
    expect(stats.reduce((n, s) => n + s.breached, 0)).toBe(users.length);
    // They did race: the losers found the case already breached, or lost the append.
    expect(stats.reduce((n, s) => n + s.alreadyDecided + s.conflicts, 0)).toBeGreaterThan(0);
  });

  it('a receiver that is down delays the alert, every attempt is recorded, and a restart resumes it', async () => {
    receiver.answer(503);
    const first = runtime('a');
    await setPolicy(leaverPolicy(1));
    await provision('bob');
    await inGroup('admins', ['bob']);
    await userEvent('bob', 'UserDeactivated');
    const caseId = await leaverCaseOf(first, 'bob');
    await receiver.waitFor(2);
    await stopRuntime(first);

    receiver.answer(202);
    runtime('a');
    await receiver.waitFor(1, () => receiver.received.length > 2 && receiver.received.at(-1)!.body.type === 'SlaBreached');
    await sleep(200);
    const attempts = (await caseEvents(caseId)).filter((e) => e.type === 'AlertDeliveryAttempted').map((e) => e.data as Record<string, unknown>);
    expect(attempts.length).toBe(receiver.received.length);
    expect(attempts.map((a) => a['attempt'])).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.slice(0, -1).every((a) => a['outcome'] === 'failed' && a['statusCode'] === 503 && a['nextAttemptAt'])).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 202, routeId: 'webhook-1', routeType: 'webhook', nextAttemptAt: null });
  });

  it('a standby replica leaves a delivery alone while it is not overdue by the lease', async () => {
    receiver.answer(503);
    const owner = runtime('owner', { retryBaseMs: 60_000, retryMaxMs: 60_000 });
    await setPolicy(leaverPolicy(1));
    await provision('carol');
    await inGroup('admins', ['carol']);
    await userEvent('carol', 'UserDeactivated');
    await leaverCaseOf(owner, 'carol');
    await receiver.waitFor(1);
    await stopRuntime(owner);

    receiver.answer(202);
    const standby = runtime('standby', { leaseMs: 300 });
    await standby.projection.waitFor(await store.headPosition());
    // The owner's next attempt is a minute away; the standby waits that plus its lease.
    await sleep(500);
    expect(receiver.received).toHaveLength(1);
    expect(standby.dispatcher.stats.takenOver).toBe(0);
  });

  it('a crashed owner with an overdue delivery is taken over by the standby, claimed on the case stream', async () => {
    receiver.answer(503);
    const owner = runtime('owner', { retryBaseMs: 100, retryMaxMs: 100 });
    await setPolicy(leaverPolicy(1));
    await provision('dan');
    await inGroup('admins', ['dan']);
    await userEvent('dan', 'UserDeactivated');
    const caseId = await leaverCaseOf(owner, 'dan');
    await receiver.waitFor(1);
    await stopRuntime(owner);

    receiver.answer(202);
    const standby = runtime('standby', { leaseMs: 300 });
    await receiver.waitFor(1, (r) => r.body.type === 'SlaBreached' && receiver.received.indexOf(r) > 0, 5000);
    await sleep(200);
    const events = await caseEvents(caseId);
    expect(events.filter((e) => e.type === 'AlertDeliveryClaimed').map((e) => e.data)).toEqual([expect.objectContaining({ worker: 'standby', alert: 'trigger' })]);
    expect(events.filter((e) => e.type === 'AlertDeliveryAttempted').at(-1)!.metadata.actor).toBe('sla:standby');
    expect(standby.dispatcher.stats.takenOver).toBe(1);
  });

  it('rebuilding the projection from the log gives the same cases, and replaying it again changes nothing', async () => {
    const live = runtime('live');
    await setPolicy({ ...leaverPolicy(1), joiner: { windowSeconds: 60, severity: 'warning', scope: 'all', privilegedGroups: [], expectedGroups: ['staff'] } });
    for (const u of ['e1', 'e2', 'e3']) await provision(u);
    await store.append(streams.group(TENANT, 'staff'), [{ type: 'GroupCreated', data: { groupId: 'staff', displayName: 'staff', externalId: null, members: [{ value: 'e1' }], at: now() }, metadata: meta }], 'no_stream');
    await inGroup('finance', ['e2']);
    await userEvent('e2', 'UserDeactivated');
    await userEvent('e3', 'UserDeleted', { userName: 'e3@example.com', externalId: null });
    await leaverCaseOf(live, 'e2');
    await sleep(1300);
    await live.projection.waitFor(await store.headPosition());
    const before = live.listCases(TENANT, 'all', 100);
    expect(before.map((c) => `${c.kind}:${c.user.id}:${c.status}`).sort()).toEqual([
      'joiner:e1:completed', 'joiner:e2:open', 'joiner:e3:cancelled', 'leaver:e2:breached', 'leaver:e3:completed',
    ]);

    const rebuilt = runtime('rebuilt', { timers: false });
    await rebuilt.projection.waitFor(await store.headPosition());
    const timeless = (cases: typeof before) => cases.map(({ elapsedSeconds: _elapsed, ...rest }) => rest);
    expect(timeless(rebuilt.listCases(TENANT, 'all', 100))).toEqual(timeless(before));

    rebuilt.sla.saveCheckpoint(0n);
    await stopRuntime(rebuilt);
    const replayed = runtime('rebuilt', { timers: false });
    await replayed.projection.waitFor(await store.headPosition());
    expect(timeless(replayed.listCases(TENANT, 'all', 100))).toEqual(timeless(before));
    expect(replayed.caseDetail(TENANT, before[0]!.caseId)!.timeline).toEqual(live.caseDetail(TENANT, before[0]!.caseId)!.timeline);
    // Replaying the triggers opened no second case anywhere.
    const opened = (await store.readAll({ maxCount: 10_000 })).filter((e) => e.type === 'SlaCaseOpened');
    expect(opened).toHaveLength(5);
  });

  it('a replica that catches up from zero opens no second case for a leaver already handled, and pages nobody', async () => {
    const live = runtime('live');
    await setPolicy(leaverPolicy(1));
    await provision('carol');
    await inGroup('finance', ['carol']);
    // HR first, then the IdP: the deactivation joins the case the signal opened; the group removal completes it.
    await store.append(slaStreams.signal(TENANT, 'hr-carol'), [{
      type: 'TerminationSignalReceived',
      data: { signalId: 'hr-carol', userId: 'carol', userName: 'carol@example.com', effectiveAt: now(), receivedAt: now(), source: null, at: now() },
      metadata: meta,
    }], 'no_stream');
    const caseId = await leaverCaseOf(live, 'carol');
    await userEvent('carol', 'UserDeactivated');
    await store.append(streams.group(TENANT, 'finance'), [{ type: 'GroupMembersRemoved', data: { groupId: 'finance', members: ['carol'], at: now() }, metadata: meta }], 'any');
    await live.projection.waitFor(await store.headPosition());
    expect(live.caseDetail(TENANT, caseId)).toMatchObject({ status: 'completed', withinWindow: true });

    // A new replica (or one whose sla.sqlite was lost) replays the same history long after: it
    // must see the deactivation join that case, not open a late one that breaches at once.
    const late = runtime('late');
    await late.projection.waitFor(await store.headPosition());
    await sleep(1500);
    const opened = (await store.readAll({ maxCount: 10_000 })).filter((e) => e.type === 'SlaCaseOpened');
    expect(opened.map((e) => (e.data as { caseId: string }).caseId)).toEqual([caseId]);
    expect(receiver.received).toEqual([]);
    expect(late.listCases(TENANT, 'all', 100).map((c) => `${c.caseId}:${c.status}`)).toEqual([`${caseId}:completed`]);
  });
});

describe('alert routes', () => {
  let dir: TempDir;
  let store: EventStore;
  let receiver: AlertReceiver;
  let runtime: SlaRuntime;
  const sent: Array<{ topic: string; key: unknown; value: unknown }> = [];
  const logged: Array<Record<string, unknown>> = [];
  let kafkaUp = false;

  beforeAll(async () => {
    dir = await tempDir('sla-routes');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 100 });
    receiver = await startAlertReceiver();
    runtime = new SlaRuntime({
      store, path: join(dir.path, 'sla.sqlite'), worker: 'r', retryBaseMs: 100, retryMaxMs: 200, log: (entry) => logged.push(entry),
      publisher: {
        async send(topic, messages) {
          if (!kafkaUp) throw new Error('There is no leader for this topic-partition');
          for (const m of messages) sent.push({ topic, key: m.key, value: JSON.parse(String(m.value)) });
        },
        async close() {},
      },
    });
    runtime.start();
  });
  afterAll(async () => {
    await runtime.stop();
    await receiver.close();
    await store.close();
    await dir.remove();
  });

  it('sends Alertmanager v2 alerts, webhooks, Kafka messages and log lines; the Kafka route retries while the broker is away', async () => {
    const at = () => new Date().toISOString();
    await store.append(slaStreams.policy(TENANT), [{
      type: 'SlaPolicySet',
      data: {
        tenant: TENANT, version: 1, at: at(),
        policy: {
          leaver: { windowSeconds: 1, severity: 'warning', scope: 'all', privilegedGroups: [] }, downstreamTargets: ['hr-db'],
          routes: [{ type: 'alertmanager', url: `${receiver.url}/am/` }, { type: 'webhook', name: 'chat', url: `${receiver.url}/hook` }, { type: 'kafka', topic: 'oncall' }, { type: 'log' }],
        },
      },
      metadata: meta,
    }], 'no_stream');
    await store.append(streams.user(TENANT, 'erin'), [{ type: 'UserProvisioned', data: { userId: 'erin', userName: 'erin@example.com', externalId: null, active: true, attributes: {}, at: at() }, metadata: meta }], 'no_stream');
    await store.append(streams.user(TENANT, 'erin'), [{ type: 'UserDeactivated', data: { userId: 'erin', at: at() }, metadata: meta }], 0);

    const [alert] = await receiver.waitFor(1, (r) => r.path === '/am/api/v2/alerts');
    const [hook] = await receiver.waitFor(1, (r) => r.path === '/hook');
    const caseId = hook!.body.caseId as string;
    expect(alert!.body).toEqual([expect.objectContaining({
      labels: { alertname: 'SlaBreached', tenant: TENANT, severity: 'warning', case: caseId, kind: 'leaver' },
      annotations: expect.objectContaining({ user: 'erin@example.com', outstanding: 'no acknowledgement from hr-db' }),
      startsAt: expect.any(String),
      endsAt: expect.any(String),
    })]);
    expect(Date.parse(alert!.body[0].endsAt)).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect(hook!.headers['idempotency-key']).toBe(`${caseId}:trigger`);
    expect(hook!.body).toMatchObject({ type: 'SlaBreached', alert: 'trigger', caseId, outstanding: ['no acknowledgement from hr-db'] });
    expect(logged).toEqual([expect.objectContaining({ msg: 'SLA alert', type: 'SlaBreached', caseId })]);

    await sleep(500);
    const failures = (await store.readStream(slaStreams.case(TENANT, caseId)))
      .filter((e) => e.type === 'AlertDeliveryAttempted' && (e.data as { routeType: string }).routeType === 'kafka');
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]!.data).toMatchObject({ outcome: 'failed', error: 'There is no leader for this topic-partition', statusCode: null });
    kafkaUp = true;
    for (let i = 0; i < 50 && sent.length === 0; i++) await sleep(100);
    expect(sent).toEqual([{ topic: 'oncall', key: caseId, value: expect.objectContaining({ type: 'SlaBreached', caseId }) }]);

    // The downstream target acknowledges the case: it completes late, and every route hears the resolve.
    await store.append(`targetAck-${TENANT}:${caseId}`, [{ type: 'TargetAcknowledged', data: { targetId: 'hr-db', caseId, outcome: 'applied', at: at() }, metadata: meta }], 'any');
    const [resolved] = await receiver.waitFor(2, (r) => r.path === '/am/api/v2/alerts');
    expect(Date.parse(receiver.received.filter((r) => r.path === '/am/api/v2/alerts')[1]!.body[0].endsAt)).toBeLessThanOrEqual(Date.now());
    expect(resolved).toBeDefined();
    await receiver.waitFor(1, (r) => r.path === '/hook' && r.body.type === 'SlaResolved');
    for (let i = 0; i < 50 && sent.length < 2; i++) await sleep(100);
    expect(sent[1]).toMatchObject({ topic: 'oncall', value: { type: 'SlaResolved', resolution: 'completed' } });
    expect(runtime.caseDetail(TENANT, caseId)).toMatchObject({
      status: 'completed', withinWindow: false, phases: { downstreamSeconds: expect.any(Number) },
    });
  });
});

describe('policy versions', () => {
  it('a case keeps the window and routes of the policy version it opened under', async () => {
    const dir = await tempDir('sla-versions');
    const store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite'), pollIntervalMs: 100 });
    const first = await startAlertReceiver();
    const second = await startAlertReceiver();
    const runtime = new SlaRuntime({ store, path: join(dir.path, 'sla.sqlite'), worker: 'v', log: () => undefined });
    runtime.start();
    try {
      const at = () => new Date().toISOString();
      const policy = (version: number, windowSeconds: number, url: string) => ({
        type: 'SlaPolicySet', metadata: meta,
        data: { tenant: TENANT, version, at: at(), policy: { leaver: { windowSeconds, severity: 'critical', scope: 'all', privilegedGroups: [] }, downstreamTargets: [], routes: [{ type: 'webhook', url }] } },
      });
      await store.append(slaStreams.policy(TENANT), [policy(1, 1, first.url)], 'no_stream');
      await store.append(streams.group(TENANT, 'g'), [{ type: 'GroupCreated', data: { groupId: 'g', displayName: 'g', externalId: null, members: [{ value: 'hal' }], at: at() }, metadata: meta }], 'no_stream');
      await store.append(streams.user(TENANT, 'hal'), [{ type: 'UserProvisioned', data: { userId: 'hal', userName: 'hal', externalId: null, active: true, attributes: {}, at: at() }, metadata: meta }], 'no_stream');
      await store.append(streams.user(TENANT, 'hal'), [{ type: 'UserDeactivated', data: { userId: 'hal', at: at() }, metadata: meta }], 0);
      await store.append(slaStreams.policy(TENANT), [policy(2, 3600, second.url)], 0);

      const [alert] = await first.waitFor(1);
      expect(alert!.body).toMatchObject({ policy: { version: 1, windowSeconds: 1 } });
      expect(second.received).toEqual([]);
    } finally {
      await runtime.stop();
      await first.close();
      await second.close();
      await store.close();
      await dir.remove();
    }
  });
});
