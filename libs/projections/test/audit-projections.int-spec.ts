import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import type { RequestRecorded } from '@ledger/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@ledger/eventstore';
import { AuditProjector, AuditReadModel, CHANGES_SCHEMA, ReadModelProjector, ScimReadModel, copyChangesIndexFromSqliteLog } from '@ledger/projections';
import { ENTERPRISE, tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';

/** A deterministic, messy multi-tenant history: renames, re-creates, re-adds, deletes, auditors, requests. */
async function buildHistory(store: EventStore, seed = 7): Promise<void> {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const revisions = new Map<string, number>();
  const append = async (tenant: string, streamId: string, type: string, data: Record<string, unknown>, actor = 'token:tok-1') => {
    clock += 1000 + Math.floor(random() * 60_000);
    const at = new Date(clock).toISOString();
    const revision = revisions.get(streamId) ?? -1;
    const byToken = actor.startsWith('token:');
    await store.append(streamId, [{
      type, data: { ...data, at },
      metadata: { tenant, correlationId: `corr-${clock}`, requestId: `req-${clock}`, idp: byToken ? 'entra' : null, tokenId: byToken ? 'tok-1' : null, actor, recordedAt: at },
    }], revision < 0 ? 'no_stream' : revision);
    revisions.set(streamId, revision + 1);
  };

  for (const tenant of ['acme', 'globex']) {
    await append(tenant, `tenant-${tenant}`, 'TenantCreated', { tenantId: tenant, name: tenant }, 'admin');
    await append(tenant, `auditor-${tenant}:a1`, 'AuditorIssued', { auditorId: `${tenant}-a1`, tenantId: tenant, name: 'q1', secretHash: 'b'.repeat(63) + (tenant === 'acme' ? '1' : '2'), hint: 'aud_x' }, 'admin');
    const users: Array<{ id: string; userName: string; active: boolean; deleted: boolean }> = [];
    const groups: Array<{ id: string; members: Set<string>; deleted: boolean }> = [];
    for (let i = 0; i < 12; i++) {
      const user = { id: `${tenant}-u${i}`, userName: `user${i}@${tenant}.test`, active: true, deleted: false };
      users.push(user);
      await append(tenant, `user-${tenant}:${user.id}`, 'UserProvisioned', {
        userId: user.id, userName: user.userName, externalId: `ext-${i}`, active: true,
        attributes: { title: 'Engineer', [ENTERPRISE]: { department: 'R&D' } },
      }, i % 5 === 0 ? 'admin' : 'token:tok-1');
    }
    for (let g = 0; g < 3; g++) {
      const members = users.slice(g, g + 4).map((u) => u.id);
      groups.push({ id: `${tenant}-g${g}`, members: new Set(members), deleted: false });
      await append(tenant, `group-${tenant}:${tenant}-g${g}`, 'GroupCreated', {
        groupId: `${tenant}-g${g}`, displayName: `group-${g}`, externalId: null, members: members.map((value) => ({ value, type: 'User' })),
      });
    }
    for (let step = 0; step < 120; step++) {
      const user = pick(users.filter((u) => !u.deleted));
      const group = pick(groups.filter((g) => !g.deleted));
      const stream = `user-${tenant}:${user.id}`;
      switch (pick(['rename', 'attrs', 'toggle', 'add', 'remove', 'request', 'delete', 'groupRename', 'externalId', 'refused'] as const)) {
        case 'rename': {
          const to = `${user.userName.split('@')[0]}x@${tenant}.test`;
          await append(tenant, stream, 'UserRenamed', { userId: user.id, from: user.userName, to });
          user.userName = to;
          break;
        }
        case 'attrs':
          await append(tenant, stream, 'UserAttributesChanged', { userId: user.id, changed: { title: `T${step}`, [`${ENTERPRISE}:department`]: `D${step % 3}` }, removed: step % 4 === 0 ? ['nickName'] : [] });
          break;
        case 'toggle':
          await append(tenant, stream, user.active ? 'UserDeactivated' : 'UserReactivated', { userId: user.id }, step % 3 === 0 ? 'admin' : 'token:tok-1');
          user.active = !user.active;
          break;
        case 'add':
          await append(tenant, `group-${tenant}:${group.id}`, 'GroupMembersAdded', { groupId: group.id, members: [{ value: user.id, type: 'User' }] });
          group.members.add(user.id);
          break;
        case 'remove': {
          const member = [...group.members][0];
          if (!member) break;
          await append(tenant, `group-${tenant}:${group.id}`, 'GroupMembersRemoved', { groupId: group.id, members: [member] });
          group.members.delete(member);
          break;
        }
        case 'request':
          await append(tenant, `request-${tenant}:r${step}`, 'RequestRecorded', requestRecorded(`r${step}`, `/tenants/${tenant}/scim/v2/Users/${user.id}`, user.id));
          break;
        case 'delete': {
          await append(tenant, stream, 'UserDeleted', { userId: user.id, userName: user.userName, externalId: null });
          user.deleted = true;
          const again = { id: `${user.id}-again${step}`, userName: user.userName, active: true, deleted: false };
          users.push(again);
          await append(tenant, `user-${tenant}:${again.id}`, 'UserProvisioned', { userId: again.id, userName: again.userName, externalId: null, active: true, attributes: {} });
          break;
        }
        case 'groupRename':
          await append(tenant, `group-${tenant}:${group.id}`, 'GroupRenamed', { groupId: group.id, from: 'x', to: `group-renamed-${step}` });
          break;
        case 'externalId':
          await append(tenant, stream, 'UserExternalIdChanged', { userId: user.id, from: null, to: step % 2 ? `ext-new-${step}` : null });
          break;
        case 'refused':
          await append(tenant, stream, 'UserRecreateRefused', { userId: user.id, attribute: 'userName', value: user.userName, existingActive: user.active });
          break;
      }
    }
    const doomed = groups[2]!;
    await append(tenant, `group-${tenant}:${doomed.id}`, 'GroupDeleted', { groupId: doomed.id, displayName: 'x', members: [...doomed.members] });
    await append(tenant, `auditor-${tenant}:a1`, 'AuditorRevoked', { auditorId: `${tenant}-a1`, tenantId: tenant }, 'admin');
  }
}

/** An IdP's GET of one user, as the request ledger records it. */
function requestRecorded(requestId: string, path: string, resourceId: string): Omit<RequestRecorded['data'], 'at'> {
  return {
    requestId, correlationId: requestId, correlationSource: 'generated', method: 'GET', path, query: '', status: 200, scimType: null,
    detail: null, latencyMs: 1, tokenId: 'tok-1', idp: 'entra', authFailure: null, tokenTenant: null, sourceAddress: '127.0.0.1',
    userAgent: 'test', body: null, bodyTruncated: false, bodySha256: null, ignoredAttributes: [], produced: [], resourceId,
  };
}

/** Every row of every table, order-independent. */
function dump(db: Database.Database, tables: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    out[table] = (db.prepare(`SELECT * FROM ${table}`).all() as unknown[]).map((row) => JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).sort();
  }
  return out;
}

// Each audit file keeps the checkpoints of its own projections.
const auditTables = (model: AuditReadModel) => [...model.projections.flatMap((p) => p.tables), 'main.audit_checkpoints', `${CHANGES_SCHEMA}.audit_checkpoints`];
const SCIM_TABLES = ['tenants', 'tokens', 'users', 'groups', 'group_members', 'requests', 'token_usage', 'tenant_settings', 'projection_checkpoints'];

describe('audit projections on a real log', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let log: RecordedEvent[];

  beforeAll(async () => {
    dir = await tempDir('audit-projections');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite') });
    await buildHistory(store);
    log = await store.readAll({ maxCount: 100_000 });
  });

  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('rebuilding every projection from the log gives the read models the live subscription built', async () => {
    const live = new AuditReadModel(join(dir.path, 'live-audit.sqlite'));
    const projector = new AuditProjector(store, live);
    projector.start();
    await projector.waitFor(await store.headPosition());
    await projector.stop();
    const liveRows = dump(live.db, auditTables(live));
    expect(liveRows['changes']).toHaveLength(log.length);
    expect(liveRows['membership_intervals']!.length).toBeGreaterThan(10);

    await new AuditProjector(store, live).rebuild({ batchSize: 37 });
    expect(dump(live.db, auditTables(live))).toEqual(liveRows);

    const fresh = new AuditReadModel(join(dir.path, 'fresh-audit.sqlite'));
    await new AuditProjector(store, fresh).rebuild();
    expect(dump(fresh.db, auditTables(fresh))).toEqual(liveRows);
    live.close();
    fresh.close();
  });

  it('rebuilding the SCIM read model from the log gives the rows the live projector built', async () => {
    const readModel = new ScimReadModel(join(dir.path, 'live-read-model.sqlite'));
    const projector = new ReadModelProjector(store, readModel);
    projector.start();
    await projector.waitFor(await store.headPosition());
    const liveRows = dump(readModel.db, SCIM_TABLES);
    expect(liveRows['users']!.some((row) => row.includes('"deleted":1'))).toBe(true);
    await projector.rebuild();
    expect(dump(readModel.db, SCIM_TABLES)).toEqual(liveRows);
    readModel.close();
  });

  it('a SCIM read model left mid-rebuild by a crash is emptied when opened, and the projector refills it', async () => {
    const path = join(dir.path, 'crashed-read-model.sqlite');
    const complete = new ScimReadModel(path);
    const projector = new ReadModelProjector(store, complete);
    projector.start();
    await projector.waitFor(await store.headPosition());
    await projector.stop();
    const liveRows = dump(complete.db, SCIM_TABLES);
    // What a process killed during a rebuild leaves: the mark, some batches, none of the users.
    complete.startRebuild();
    complete.apply(log.slice(0, 50));
    complete.close();

    const reopened = new ScimReadModel(path);
    expect(reopened.checkpoint()).toBe(0n);
    expect(reopened.db.prepare('SELECT COUNT(*) AS n FROM groups').get()).toEqual({ n: 0 });
    const refill = new ReadModelProjector(store, reopened);
    refill.start();
    await refill.waitFor(await store.headPosition());
    await refill.stop();
    expect(dump(reopened.db, SCIM_TABLES)).toEqual(liveRows);
    reopened.close();
  });

  it('rebuilding one projection alone gives the same rows and leaves the others as they were', async () => {
    const model = new AuditReadModel(join(dir.path, 'partial-audit.sqlite'));
    const projector = new AuditProjector(store, model);
    await projector.rebuild();
    const before = dump(model.db, auditTables(model));
    const changesBefore = model.db.prepare('SELECT COUNT(*) AS n FROM changes').get();
    await projector.rebuild({ only: ['membership-intervals'] });
    expect(dump(model.db, auditTables(model))).toEqual(before);
    expect(model.db.prepare('SELECT COUNT(*) AS n FROM changes').get()).toEqual(changesBefore);
    model.close();
  });

  it('the SQL copy of the changes index holds exactly the rows the projection writes, whatever form a time came in', async () => {
    const odd = await tempDir('changes-copy');
    const oddStore = new SqliteEventStore({ path: join(odd.path, 'events.sqlite') });
    try {
      await buildHistory(oddStore, 11);
      const meta = (recordedAt: string, extra: Record<string, string> = {}) => ({ tenant: 'acme', correlationId: 'import-1', actor: 'import:hr', recordedAt, ...extra });
      await oddStore.append('user-acme:odd', [
        { type: 'UserProvisioned', data: { userId: 'odd', userName: 'odd@acme.test', externalId: null, active: true, attributes: {} }, metadata: meta('2026-03-01T10:00:00Z') },
        { type: 'UserDeactivated', data: { userId: 'odd' }, metadata: meta('2026-03-01T12:00:00.5+02:00', { causationId: 'cause-1' }) },
        { type: 'UserReactivated', data: { userId: 'odd', at: '2026-03-02T00:00:00.000Z' }, metadata: meta('not a time') },
      ], 'no_stream');
      await oddStore.append('tenant-acme2', [{ type: 'TenantCreated', data: { tenantId: 'acme2', name: 'Acme 2' }, metadata: meta('2026-03-03T00:00:00.000Z') }], 'no_stream');
      const events = await oddStore.readAll({ maxCount: 100_000 });
      const live = new AuditReadModel(join(odd.path, 'live', 'audit.sqlite'));
      live.apply(events);
      const tables = ['changes', `${CHANGES_SCHEMA}.audit_checkpoints`];
      const expected = dump(live.db, tables);
      live.close();

      const model = new AuditReadModel(join(odd.path, 'copied', 'audit.sqlite'));
      const copied = copyChangesIndexFromSqliteLog(join(odd.path, 'events.sqlite'), model.path);
      expect(copied.events).toBe(events.length);
      model.adoptChangesIndex(copied.path);
      expect(dump(model.db, tables)).toEqual(expected);
      expect(model.changes.streamPage({ streamId: 'user-acme:odd', limit: 10 }).map((e) => e.at)).toEqual([
        '2026-03-02T00:00:00.000Z', '2026-03-01T10:00:00.500Z', '2026-03-01T10:00:00.000Z',
      ]);
      expect(model.changes.streamPage({ streamId: 'tenant-acme2', limit: 1 })[0]).toMatchObject({ category: 'tenant', resourceId: 'acme2' });
      expect(existsSync(copied.path)).toBe(false);
      model.close();
    } finally {
      await oddStore.close();
      await odd.remove();
    }
  });

  it('an audit.sqlite of the layout before the changes index had its own file is emptied on open, so the log refills it', () => {
    const path = join(dir.path, 'v4', 'audit.sqlite');
    mkdirSync(join(dir.path, 'v4'), { recursive: true });
    const old = new Database(path);
    old.exec("CREATE TABLE changes (position INTEGER PRIMARY KEY, tenant TEXT); INSERT INTO changes VALUES (1, 'stale');");
    old.exec("CREATE TABLE audit_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL); INSERT INTO audit_checkpoints VALUES ('changes-index', 999);");
    old.pragma('user_version = 4');
    old.close();
    const model = new AuditReadModel(path);
    expect(model.db.prepare("SELECT COUNT(*) AS n FROM main.sqlite_master WHERE name = 'changes'").get()).toEqual({ n: 0 });
    expect(model.lowestCheckpoint()).toBe(0n);
    model.apply(log);
    expect(model.db.prepare('SELECT COUNT(*) AS n FROM changes').get()).toEqual({ n: log.length });
    expect(existsSync(join(dir.path, 'v4', 'audit-changes.sqlite'))).toBe(true);
    model.close();
  });

  it('a batch applied twice is skipped by the checkpoints stored with the rows', () => {
    const model = new AuditReadModel(':memory:');
    model.apply(log);
    const once = dump(model.db, auditTables(model));
    model.apply(log);
    expect(dump(model.db, auditTables(model))).toEqual(once);
    expect([...model.checkpoints().values()]).toEqual(model.names().map(() => log[log.length - 1]!.position));
    model.close();
  });

  describe.each(['membership-intervals', 'attribute-history', 'changes-index', 'user-activity', 'auditors'])('%s', (name) => {
    const projectionOf = (model: AuditReadModel) => model.projections.find((p) => p.name === name)!;

    it('applying every event twice in a row changes nothing', () => {
      const once = new AuditReadModel(':memory:');
      const twice = new AuditReadModel(':memory:');
      for (const event of log) projectionOf(once).apply(event);
      for (const event of log) {
        projectionOf(twice).apply(event);
        projectionOf(twice).apply(event);
      }
      expect(dump(twice.db, projectionOf(twice).tables)).toEqual(dump(once.db, projectionOf(once).tables));
      expect(dump(once.db, projectionOf(once).tables)[projectionOf(once).tables[0]!]!.length).toBeGreaterThan(0);
      once.close();
      twice.close();
    });

    it('replaying the whole log again, after later events, changes nothing', () => {
      const model = new AuditReadModel(':memory:');
      for (const event of log) projectionOf(model).apply(event);
      const once = dump(model.db, projectionOf(model).tables);
      for (const event of log) projectionOf(model).apply(event);
      expect(dump(model.db, projectionOf(model).tables)).toEqual(once);
      model.close();
    });
  });

  it('a rebuild that fails halfway leaves the previous read models as they were, and readable', async () => {
    const model = new AuditReadModel(join(dir.path, 'failed-rebuild-audit.sqlite'));
    await new AuditProjector(store, model).rebuild();
    const before = dump(model.db, auditTables(model));
    let reads = 0;
    const failing: EventStore = Object.create(store, {
      readAll: {
        value: async (options: Parameters<EventStore['readAll']>[0]) => {
          if (++reads === 3) throw new Error('disk went away');
          return store.readAll(options);
        },
      },
    });

    await expect(new AuditProjector(failing, model).rebuild({ batchSize: 50 })).rejects.toThrow('disk went away');

    expect(dump(model.db, auditTables(model))).toEqual(before);
    expect(model.changes.source(log[0]!.position)?.eventId).toBe(log[0]!.id);
    expect(existsSync(`${model.path}.rebuild`)).toBe(false);
    await new AuditProjector(store, model).rebuild({ only: ['user-activity'] });
    expect(dump(model.db, auditTables(model))).toEqual(before);
    model.close();
  });

  it('following the log coalesces quiet-time batches, yet a reader waiting for the head is not kept waiting', async () => {
    const live = await tempDir('audit-coalesce');
    const liveStore = new SqliteEventStore({ path: join(live.path, 'events.sqlite') });
    const model = new AuditReadModel(join(live.path, 'audit.sqlite'));
    const projector = new AuditProjector(liveStore, model, { coalesceMs: 5_000 });
    try {
      projector.start();
      await projector.caughtUp();
      const meta = (i: number) => ({ tenant: 'acme', correlationId: `c${i}`, actor: 'admin', recordedAt: `2026-02-01T00:00:0${i}.000Z` });
      await liveStore.append('tenant-acme', [{ type: 'TenantCreated', data: { tenantId: 'acme', name: 'Acme' }, metadata: meta(1) }], 'no_stream');
      await liveStore.append('tenant-acme', [{ type: 'TenantRenamed', data: { tenantId: 'acme', name: 'Acme 2' }, metadata: meta(2) }], 0);

      const started = performance.now();
      expect(await projector.catchUpToHead(10_000)).toBe(true);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(model.db.prepare('SELECT COUNT(*) AS n FROM changes').get()).toEqual({ n: 2 });
    } finally {
      await projector.stop();
      model.close();
      await liveStore.close();
      await live.remove();
    }
  });

  it('reports its lag: head position minus checkpoint', async () => {
    const model = new AuditReadModel(':memory:');
    model.apply(log.slice(0, 10));
    const status = await new AuditProjector(store, model).status();
    const head = await store.headPosition();
    expect(status).toHaveLength(5);
    for (const row of status) {
      expect(row).toEqual({ name: row.name, checkpoint: log[9]!.position.toString(), head: head.toString(), lag: (head - log[9]!.position).toString() });
    }
    model.close();
  });
});
