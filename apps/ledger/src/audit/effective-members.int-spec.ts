import 'reflect-metadata';
import { SqliteEventStore, type NewEvent } from '@ledger/eventstore';
import { AuditProjector, AuditReadModel } from '@ledger/projections';
import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { AuditService } from './audit.service';

const TENANT = 'acme';

/**
 * groups/{id}/members?effective=true and users/{id}/access answer the same question from the two
 * ends (who holds the group's access; which groups a user holds). On a random nested directory
 * with cycles, and many links made at the same instant (so that paths tie), both must agree on
 * who is in, through which group, since when, and by which request.
 */
describe('effective members agree with each user\'s access', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let audit: AuditReadModel;
  let projector: AuditProjector;
  let service: AuditService;
  const instants: string[] = [];
  const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
  const groups = Array.from({ length: 8 }, (_, i) => `g${i}`);

  beforeAll(async () => {
    dir = await tempDir('effective-members');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite') });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    let n = 0;
    const revisions = new Map<string, number>();
    const append = async (streamId: string, type: string, data: Record<string, unknown>) => {
      // Time moves on only now and then: many links share an instant.
      if (random() < 0.08) clock += 60_000;
      const at = new Date(clock).toISOString();
      n += 1;
      const event: NewEvent = {
        type, data: { ...data, at },
        metadata: { tenant: TENANT, correlationId: `corr-${n}`, requestId: `req-${n}`, causationId: null, idp: 'entra', tokenId: 'tok-1', actor: 'token:tok-1', recordedAt: at },
      };
      const revision = revisions.get(streamId);
      await store.append(streamId, [event], revision === undefined ? 'no_stream' : revision);
      revisions.set(streamId, (revision ?? -1) + 1);
    };
    for (const id of users) {
      await append(`user-${TENANT}:${id}`, 'UserProvisioned', { userId: id, userName: `${id}@acme.test`, externalId: null, active: true, attributes: {} });
    }
    for (const id of groups) await append(`group-${TENANT}:${id}`, 'GroupCreated', { groupId: id, displayName: id, externalId: null, members: [] });
    const members = new Map(groups.map((g) => [g, new Set<string>()]));
    for (let step = 0; step < 220; step++) {
      const group = pick(groups);
      const current = members.get(group)!;
      if (current.size > 0 && random() < 0.3) {
        const gone = pick([...current]);
        current.delete(gone);
        await append(`group-${TENANT}:${group}`, 'GroupMembersRemoved', { groupId: group, members: [gone] });
      } else {
        // Groups inside groups, cycles allowed; some added without a type, as some IdPs do.
        const isGroup = random() < 0.35;
        const member = isGroup ? pick(groups.filter((g) => g !== group)) : pick(users);
        if (current.has(member)) continue;
        current.add(member);
        const type = isGroup ? (random() < 0.5 ? 'Group' : undefined) : 'User';
        await append(`group-${TENANT}:${group}`, 'GroupMembersAdded', { groupId: group, members: [{ value: member, ...(type ? { type } : {}) }] });
      }
      if (step % 40 === 39) instants.push(new Date(clock).toISOString(), new Date(clock + 30_000).toISOString());
    }
    audit = new AuditReadModel(join(dir.path, 'audit.sqlite'));
    projector = new AuditProjector(store, audit);
    await projector.rebuild();
    projector.start();
    await projector.caughtUp();
    service = new AuditService(store, audit, projector);
  });

  afterAll(async () => {
    await projector.stop();
    audit.close();
    await store.close();
    await dir.remove();
  });

  it('at every instant, for every group: the same users, via, since and addedBy both ways', async () => {
    let compared = 0;
    let indirect = 0;
    for (const at of instants) {
      const access = new Map(users.map((u) => [u, service.groupsAt(TENANT, u, at)]));
      for (const group of groups) {
        const answer = await service.groupMembers(TENANT, group, at, { startIndex: 1, count: 1000, effective: true });
        const fromMembers = answer.members.map((m) => ({ user: m.value, via: m.via ?? null, since: m.since, addedBy: m.addedBy.requestId }));
        const fromAccess = users.flatMap((u) => {
          const held = access.get(u)!.find((g) => g.groupId === group);
          return held ? [{ user: u, via: held.via ?? null, since: held.since, addedBy: held.addedBy.requestId }] : [];
        });
        const byUser = (a: { user: string }, b: { user: string }) => (a.user < b.user ? -1 : 1);
        expect({ at, group, members: [...fromMembers].sort(byUser) }).toEqual({ at, group, members: fromAccess.sort(byUser) });
        compared += fromMembers.length;
        indirect += fromMembers.filter((m) => m.via !== null).length;
      }
    }
    // The directory is nested enough for the comparison to mean something.
    expect(indirect).toBeGreaterThan(20);
    expect(compared).toBeGreaterThan(indirect);
  });
});
