import type { RecordedEvent } from '@ledger/eventstore';
import { ENTERPRISE } from '@ledger/testing';
import { attributeChanges, attributeHistoryOf, attributeHistoryPage, identifierChangesOf, type BackwardsReader } from './attribute-history.projection';
import { changeEntry } from './changes-index.projection';
import { membershipChanges } from './membership-intervals.projection';
import { userActivityChanges } from './user-activity.projection';
import { userAt } from './user-at';

let position = 0n;
function recorded(streamId: string, revision: number, type: string, data: Record<string, unknown>, at: string, actor = 'token:t1'): RecordedEvent {
  position += 1n;
  return {
    id: `e${position}`, streamId, revision, position, type, schemaVersion: 1, data: { ...data, at },
    metadata: { tenant: 'acme', correlationId: `c${position}`, requestId: `r${position}`, idp: actor.startsWith('token:') ? 'entra' : null, tokenId: actor.startsWith('token:') ? 't1' : null, actor, recordedAt: at },
    prevHash: '0'.repeat(64), hash: `${position}`.padStart(64, '0'),
  };
}

const U = 'user-acme:u1';
const G = 'group-acme:g1';
const T = (minute: number) => `2026-03-03T10:${String(minute).padStart(2, '0')}:00.000Z`;

const provisioned = recorded(U, 0, 'UserProvisioned', {
  userId: 'u1', userName: 'alice', externalId: 'x1', active: true,
  attributes: { title: 'Analyst', [ENTERPRISE]: { department: 'Finance' } },
}, T(0));
const renamed = recorded(U, 1, 'UserRenamed', { userId: 'u1', from: 'alice', to: 'alice.smith' }, T(10));
const changed = recorded(U, 2, 'UserAttributesChanged', { userId: 'u1', changed: { [`${ENTERPRISE}:department`]: 'Audit' }, removed: ['title'] }, T(20));
const deactivated = recorded(U, 3, 'UserDeactivated', { userId: 'u1' }, T(30));
const deleted = recorded(U, 4, 'UserDeleted', { userId: 'u1', userName: 'alice.smith', externalId: 'x1' }, T(40));
const stream = [provisioned, renamed, changed, deactivated, deleted];

describe('audit projections (pure)', () => {
  it('attribute history splits a provisioning into one change per attribute, extensions included', () => {
    expect(attributeChanges(provisioned)).toEqual(expect.arrayContaining([
      { kind: 'set', tenant: 'acme', userId: 'u1', attribute: 'userName', value: 'alice' },
      { kind: 'set', tenant: 'acme', userId: 'u1', attribute: 'externalId', value: 'x1' },
      { kind: 'set', tenant: 'acme', userId: 'u1', attribute: 'active', value: true },
      { kind: 'set', tenant: 'acme', userId: 'u1', attribute: 'title', value: 'Analyst' },
      { kind: 'set', tenant: 'acme', userId: 'u1', attribute: `${ENTERPRISE}:department`, value: 'Finance' },
      { kind: 'identifier', tenant: 'acme', userId: 'u1', identifier: 'userName', value: 'alice', first: true },
    ]));
  });

  it('identifier intervals move on exactly the identifier changes attribute history sees, in the same order', () => {
    const others = [
      recorded('user-acme:u2', 0, 'UserProvisioned', { userId: 'u2', userName: 'bob', externalId: null, active: true, attributes: {} }, T(1)),
      recorded('user-acme:u2', 1, 'UserExternalIdChanged', { userId: 'u2', from: null, to: 'x2' }, T(2)),
      recorded('user-acme:u2', 2, 'UserExternalIdChanged', { userId: 'u2', from: 'x2', to: null }, T(3)),
      recorded('user-acme:u2', 3, 'UserRecreateRefused', { userId: 'u2' }, T(4)),
      recorded(G, 0, 'GroupCreated', { groupId: 'g1', displayName: 'g', externalId: null, members: [] }, T(5)),
      recorded('thing-acme:u3', 0, 'UserRenamed', { userId: 'u3', from: 'a', to: 'b' }, T(6)),
    ];
    const identifierPart = (event: RecordedEvent) => attributeChanges(event).filter((c) => c.kind === 'identifier' || c.kind === 'userDeleted');
    for (const event of [...stream, ...others]) expect([event.type, identifierChangesOf(event)]).toEqual([event.type, identifierPart(event)]);
    expect(identifierChangesOf(others[0]!)).toHaveLength(1);
    expect(identifierChangesOf(deleted)).toEqual([{ kind: 'userDeleted', tenant: 'acme', userId: 'u1' }]);
  });

  it("attribute history comes from the user's stream, newest first, with the event that set or removed each value", () => {
    const all = attributeHistoryOf(stream, { limit: 100 });
    expect(all.map((e) => [e.attribute, e.value, e.removed, e.at])).toEqual([
      ['active', false, false, T(30)],
      [`${ENTERPRISE}:department`, 'Audit', false, T(20)],
      ['title', null, true, T(20)],
      ['userName', 'alice.smith', false, T(10)],
      ['userName', 'alice', false, T(0)],
      ['active', true, false, T(0)],
      ['externalId', 'x1', false, T(0)],
      ['title', 'Analyst', false, T(0)],
      [`${ENTERPRISE}:department`, 'Finance', false, T(0)],
    ]);
    expect(all[1]!.source).toMatchObject({ eventId: changed.id, eventType: 'UserAttributesChanged', requestId: changed.metadata.requestId, position: String(changed.position) });

    expect(attributeHistoryOf(stream, { attribute: 'TITLE', limit: 100 }).map((e) => e.value)).toEqual([null, 'Analyst']);
    // A page ends on an event boundary; `before` is an exclusive position.
    const page = attributeHistoryOf(stream, { limit: 2 });
    expect(page.map((e) => e.attribute)).toEqual(['active', `${ENTERPRISE}:department`, 'title']);
    expect(attributeHistoryOf(stream, { before: page[page.length - 1]!.position, limit: 1 }).map((e) => e.value)).toEqual(['alice.smith']);
    expect(attributeHistoryOf(stream, { before: provisioned.position, limit: 10 })).toEqual([]);
  });

  describe('a page of attribute history read from the newest end', () => {
    // A user an IdP patches often: title on every event, department on every 50th, so pages of one
    // attribute end far back in the stream and in the middle of chunks.
    const noisy: RecordedEvent[] = [recorded('user-acme:u2', 0, 'UserProvisioned', { userId: 'u2', userName: 'bob', externalId: null, active: true, attributes: { title: 'T0' } }, T(0))];
    for (let revision = 1; revision <= 1200; revision++) {
      const changed: Record<string, unknown> = { title: `T${revision}` };
      if (revision % 50 === 0) changed[`${ENTERPRISE}:department`] = `D${revision}`;
      noisy.push(recorded('user-acme:u2', revision, 'UserAttributesChanged', { userId: 'u2', changed, removed: [] }, T(revision % 60)));
    }
    let read = 0;
    const backwards: BackwardsReader = async (fromRevision, maxCount) => {
      const start = Math.min(fromRevision ?? noisy.length - 1, noisy.length - 1);
      const batch = noisy.slice(Math.max(0, start - maxCount + 1), start + 1).reverse();
      read += batch.length;
      return batch;
    };
    // Pages the way the API does: the cursor is the last entry's position; its revision is where the next read starts.
    async function everyPage(options: { attribute?: string; limit: number; knownRevision: boolean }) {
      const pages: Array<{ entries: string[]; more: boolean }> = [];
      let before: bigint | undefined;
      for (;;) {
        const cursorEvent = before === undefined ? undefined : noisy.find((e) => e.position === before)!;
        const startRevision = options.knownRevision && cursorEvent ? cursorEvent.revision - 1 : undefined;
        const page = await attributeHistoryPage(backwards, { attribute: options.attribute, before, limit: options.limit, startRevision });
        pages.push({ entries: page.entries.map((e) => `${e.attribute}=${String(e.value)}@${e.position}`), more: page.more });
        if (!page.more) return pages;
        before = page.entries[page.entries.length - 1]!.position;
      }
    }

    it.each([
      { attribute: undefined, limit: 7 },
      { attribute: `${ENTERPRISE}:DEPARTMENT`, limit: 5 },
      { attribute: 'title', limit: 100 },
    ])('gives the pages of the whole-stream fold, whatever the chunking (attribute $attribute, $limit a page)', async ({ attribute, limit }) => {
      const expected = attributeHistoryOf(noisy, { attribute, limit: Number.MAX_SAFE_INTEGER }).map((e) => `${e.attribute}=${String(e.value)}@${e.position}`);
      for (const knownRevision of [true, false]) {
        const pages = await everyPage({ attribute, limit, knownRevision });
        expect(pages.flatMap((p) => p.entries)).toEqual(expected);
        // Only the last page says there is no more, and no page after a "more" is empty.
        expect(pages.map((p) => p.more)).toEqual([...pages.slice(1).map(() => true), false]);
        expect(pages.every((p) => p.entries.length > 0)).toBe(true);
      }
    });

    it('reads about what a page shows, not the whole stream', async () => {
      read = 0;
      const first = await attributeHistoryPage(backwards, { limit: 10 });
      expect(first.entries).toHaveLength(10);
      expect(first.more).toBe(true);
      expect(read).toBeLessThanOrEqual(64);
      // A cursor deep in the stream starts the read at its revision.
      read = 0;
      const deep = noisy[300]!;
      const page = await attributeHistoryPage(backwards, { before: deep.position, startRevision: deep.revision - 1, limit: 10 });
      expect(page.entries[0]!.source.revision).toBe(299);
      expect(read).toBeLessThanOrEqual(64);
      // A cursor past the first event leaves nothing.
      expect(await attributeHistoryPage(backwards, { before: noisy[0]!.position, startRevision: -1, limit: 10 })).toEqual({ entries: [], more: false });
    });
  });

  it('membership closes every interval of a deleted user and of a deleted group', () => {
    expect(membershipChanges(deleted)).toEqual([{ kind: 'closeMember', tenant: 'acme', memberId: 'u1', reason: 'member-deleted' }]);
    const groupDeleted = recorded(G, 3, 'GroupDeleted', { groupId: 'g1', displayName: 'admins', members: ['u1'] }, T(50));
    expect(membershipChanges(groupDeleted).map((c) => c.kind)).toEqual(['closeGroup', 'closeMember', 'groupDeleted']);
  });

  it('the changes index keeps who, when and through which request', () => {
    expect(changeEntry(deactivated)).toMatchObject({
      tenant: 'acme', type: 'UserDeactivated', streamId: U, category: 'user', resourceId: 'u1', at: T(30), actor: 'token:t1', idp: 'entra', tokenId: 't1',
    });
  });

  it('a user created by an admin is not an IdP touch', () => {
    const byAdmin = recorded('user-acme:u2', 0, 'UserProvisioned', { userId: 'u2', userName: 'bob', externalId: null, active: true, attributes: {} }, T(0), 'admin');
    expect(userActivityChanges(byAdmin)).toEqual([
      { kind: 'created', tenant: 'acme', userId: 'u2', userName: 'bob', externalId: null, active: true, byIdp: false },
    ]);
  });

  describe('time travel', () => {
    it('before the user existed: absent, with the creation time', () =>
      expect(userAt(stream, '2026-03-03T09:59:59.999Z')).toEqual({ status: 'absent', at: '2026-03-03T09:59:59.999Z', createdAt: T(0) }));

    it('between a rename and an attribute change: the renamed user, provenance per attribute', () => {
      const answer = userAt(stream, T(15));
      if (answer.status !== 'present') throw new Error(answer.status);
      expect(answer.user).toMatchObject({ userName: 'alice.smith', attributes: { title: 'Analyst', [ENTERPRISE]: { department: 'Finance' } } });
      expect(answer.provenance['userName']).toMatchObject({ eventId: renamed.id, eventType: 'UserRenamed', at: T(10) });
      expect(answer.provenance[`${ENTERPRISE}:department`]).toMatchObject({ eventId: provisioned.id, requestId: provisioned.metadata.requestId });
    });

    it('an event recorded exactly at the instant counts; a removed attribute is marked removed', () => {
      const answer = userAt(stream, T(20));
      if (answer.status !== 'present') throw new Error(answer.status);
      expect(answer.user.attributes).toEqual({ [ENTERPRISE]: { department: 'Audit' } });
      expect(answer.provenance['title']).toMatchObject({ eventId: changed.id, removed: true });
    });

    it('after the delete: deleted, with when and by which event', () =>
      expect(userAt(stream, T(45))).toMatchObject({ status: 'deleted', deletedAt: T(40), deletedBy: { eventId: deleted.id } }));
  });
});
