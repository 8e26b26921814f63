import { eventHash, type EventStore } from '@ledger/eventstore';
import { createHash } from 'node:crypto';
import { EVENT_STORE } from '../src/infrastructure/tokens';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (a: string, b: string) => new Date((Date.parse(a) + Date.parse(b)) / 2).toISOString();
const before = (t: string) => new Date(Date.parse(t) - 1).toISOString();

/** RFC 4180 fields of one row (no line breaks inside fields in these bundles). */
function csvFields(row: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= row.length) {
    if (row[i] === '"') {
      let value = '';
      i++;
      while (i < row.length) {
        if (row[i] === '"' && row[i + 1] === '"') { value += '"'; i += 2; } else if (row[i] === '"') { i++; break; } else value += row[i++];
      }
      fields.push(value);
      i++;
    } else {
      const end = row.indexOf(',', i);
      fields.push(row.slice(i, end < 0 ? row.length : end));
      i = end < 0 ? row.length + 1 : end + 1;
    }
  }
  return fields;
}

/**
 * A known history, driven over SCIM as an IdP would (every request tagged with its own
 * correlation id), then questioned through the audit API at instants before, between and after
 * each change: a rename, an attribute change, a membership removed and re-added, a
 * deactivation, a delete and a re-create under the same userName.
 */
describe('audit API: the state at time T, and why', () => {
  let h: Harness;
  let token: string;
  let tokenId: string;
  let aliceId: string;
  let aliceAgainId: string;
  let groupId: string;
  /** When each tagged request's events were recorded. */
  const at: Record<string, string> = {};
  const scimBase = '/tenants/acme/scim/v2';
  const audit = (path: string, bearer?: string) =>
    bearer === undefined ? h.admin('GET', `/tenants/acme/audit/${path}`) : h.scim(bearer, 'GET', `/tenants/acme/audit/${path}`);
  const scim = async (correlationId: string, method: string, path: string, body?: unknown) => {
    await pause(15);
    const response = await h.scim(token, method, `${scimBase}${path}`, body, { 'client-request-id': correlationId });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  };

  beforeAll(async () => {
    h = await startHarness();
    ({ token, tokenId } = await h.tenantWithToken('acme'));
    await h.tenantWithToken('globex');

    aliceId = (await scim('create-alice', 'POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE], userName: 'alice@acme.test', externalId: 'ext-alice', title: 'Analyst',
      name: { givenName: 'Alice', familyName: 'Example' }, [ENTERPRISE]: { department: 'Finance' },
    })).body.id;
    groupId = (await scim('create-group', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'finance-admins', members: [{ value: aliceId }] })).body.id;
    await scim('promote', 'PATCH', `/Users/${aliceId}`, {
      schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Senior Analyst' }, { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Treasury' }],
    });
    await scim('rename', 'PATCH', `/Users/${aliceId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'alice.smith@acme.test' }] });
    await scim('remove-member', 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${aliceId}"]` }] });
    await scim('re-add-member', 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: aliceId }] }] });
    await scim('deactivate', 'PATCH', `/Users/${aliceId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await scim('delete-alice', 'DELETE', `/Users/${aliceId}`);
    aliceAgainId = (await scim('re-create', 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'alice.smith@acme.test', externalId: 'ext-alice-2' })).body.id;
    await scim('disable-again', 'PATCH', `/Users/${aliceAgainId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await scim('re-enable', 'PATCH', `/Users/${aliceAgainId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] });
    await scim('relink', 'PATCH', `/Users/${aliceAgainId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'externalId', value: 'ext-alice-3' }] });
    await pause(15);

    const changes = await audit('changes?count=1000');
    expect(changes.status).toBe(200);
    for (const change of changes.body.Resources) at[change.correlationId] ??= change.at;
  });

  afterAll(async () => {
    await h.close();
  });

  describe('users/{id}/state?at=', () => {
    it('before the user was created: 404, saying it was not yet created and when it was', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${before(at['create-alice']!)}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ statusCode: 404, error: 'NOT_YET_CREATED', createdAt: at['create-alice'] });
      expect(answer.body.message).toContain('not yet created');
    });

    it('at creation: the SCIM resource as created, each attribute traced to the creating request, IdP and token', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${at['create-alice']}`);
      expect(answer.status).toBe(200);
      expect(answer.body.resource).toMatchObject({
        schemas: [USER_SCHEMA, ENTERPRISE], id: aliceId, userName: 'alice@acme.test', externalId: 'ext-alice', title: 'Analyst', active: true,
        [ENTERPRISE]: { department: 'Finance' }, meta: { resourceType: 'User', created: at['create-alice'], version: 'W/"1"' },
      });
      expect(answer.body.resource.groups).toBeUndefined();
      for (const attribute of ['userName', 'externalId', 'active', 'title', 'name', `${ENTERPRISE}:department`]) {
        expect(answer.body.provenance[attribute]).toMatchObject({
          eventType: 'UserProvisioned', correlationId: 'create-alice', idp: 'entra', tokenId, actor: `token:${tokenId}`, at: at['create-alice'],
        });
        expect(answer.body.provenance[attribute].requestId).toEqual(expect.any(String));
      }
    });

    it('between a change and the rename: the new title and department from their request, the old userName', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${between(at['promote']!, at['rename']!)}`);
      expect(answer.body.resource).toMatchObject({ userName: 'alice@acme.test', title: 'Senior Analyst', [ENTERPRISE]: { department: 'Treasury' } });
      expect(answer.body.provenance['title']).toMatchObject({ eventType: 'UserAttributesChanged', correlationId: 'promote' });
      expect(answer.body.provenance[`${ENTERPRISE}:department`]).toMatchObject({ correlationId: 'promote' });
      expect(answer.body.provenance['userName']).toMatchObject({ correlationId: 'create-alice' });
      expect(answer.body.resource.groups).toEqual([expect.objectContaining({ value: groupId, display: 'finance-admins' })]);
    });

    it('after the rename: the new userName set by the rename request; the title still traced to its own request', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${between(at['rename']!, at['remove-member']!)}`);
      expect(answer.body.resource.userName).toBe('alice.smith@acme.test');
      expect(answer.body.provenance['userName']).toMatchObject({ eventType: 'UserRenamed', correlationId: 'rename' });
      expect(answer.body.provenance['title']).toMatchObject({ correlationId: 'promote' });
    });

    it('after the deactivation: inactive, and which request deactivated it', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${between(at['deactivate']!, at['delete-alice']!)}`);
      expect(answer.body.resource.active).toBe(false);
      expect(answer.body.provenance['active']).toMatchObject({ eventType: 'UserDeactivated', correlationId: 'deactivate' });
      expect(answer.body.lastModifiedBy).toMatchObject({ correlationId: 'deactivate' });
    });

    it('after the delete: 404, saying when it was deleted and by which request', async () => {
      const answer = await audit(`users/${aliceId}/state?at=${at['delete-alice']}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: 'DELETED', deletedAt: at['delete-alice'], deletedBy: { eventType: 'UserDeleted', correlationId: 'delete-alice' } });
      expect(answer.body.message).toContain(`deleted at ${at['delete-alice']}`);
    });

    it('without at: the state now (the answer of a user that never existed is a plain 404)', async () => {
      expect((await audit(`users/${aliceAgainId}/state`)).body.resource).toMatchObject({ userName: 'alice.smith@acme.test', externalId: 'ext-alice-3', active: true });
      expect((await audit('users/no-such-user/state')).body).toMatchObject({ statusCode: 404, error: 'NOT_FOUND' });
    });
  });

  describe('look-ups by userName and externalId resolve to the user that held the value at that instant', () => {
    it('a reused userName finds the deleted user before the delete and the re-created one after', async () => {
      const early = await audit(`users/by-username/${encodeURIComponent('ALICE.SMITH@acme.test')}/state?at=${between(at['rename']!, at['remove-member']!)}`);
      expect(early.body.id).toBe(aliceId);
      const late = await audit(`users/by-username/alice.smith@acme.test/state?at=${between(at['re-create']!, at['disable-again']!)}`);
      expect(late.body.id).toBe(aliceAgainId);
      expect(late.body.provenance['userName']).toMatchObject({ correlationId: 're-create' });
    });

    it('an old userName finds its user before the rename, and a 404 naming the holders after it', async () => {
      expect((await audit(`users/by-username/alice@acme.test/state?at=${at['create-alice']}`)).body.id).toBe(aliceId);
      const gone = await audit(`users/by-username/alice@acme.test/state?at=${at['rename']}`);
      expect(gone.status).toBe(404);
      expect(gone.body.holders).toEqual([expect.objectContaining({ userId: aliceId, from: at['create-alice'], to: at['rename'], closedBecause: 'changed' })]);
    });

    it('by externalId, with access and history views too', async () => {
      expect((await audit(`users/by-external-id/ext-alice/access?at=${at['create-alice']}`)).body).toMatchObject({ id: aliceId, status: 'present' });
      const history = await audit(`users/by-external-id/ext-alice-3/history`);
      expect(history.body.id).toBe(aliceAgainId);
      expect(history.body.Resources[0].type).toBe('UserExternalIdChanged');
    });
  });

  describe('memberships at an instant', () => {
    it('groups/{id}/members follows the removal, the re-add and the delete', async () => {
      const members = async (instant: string) => (await audit(`groups/${groupId}/members?at=${instant}`)).body;
      expect((await members(at['create-group']!)).members).toEqual([
        expect.objectContaining({ value: aliceId, since: at['create-group'], addedBy: expect.objectContaining({ correlationId: 'create-group' }) }),
      ]);
      expect((await members(between(at['remove-member']!, at['re-add-member']!))).members).toEqual([]);
      const readded = await members(between(at['re-add-member']!, at['deactivate']!));
      expect(readded).toMatchObject({ displayName: 'finance-admins', totalResults: 1 });
      expect(readded.members[0]).toMatchObject({ value: aliceId, since: at['re-add-member'], addedBy: { eventType: 'GroupMembersAdded', correlationId: 're-add-member' } });
      // Members are shown by who they were then: alice's userName before and after her rename.
      expect((await members(at['create-group']!)).members[0].display).toBe('alice@acme.test');
      expect(readded.members[0].display).toBe('alice.smith@acme.test');
      expect((await members(at['delete-alice']!)).members).toEqual([]);
      const early = await audit(`groups/${groupId}/members?at=${before(at['create-group']!)}`);
      expect(early.body).toMatchObject({ statusCode: 404, error: 'NOT_YET_CREATED' });
    });

    it('users/{id}/access: groups and activity at the instant, and a deleted leaver with no access left', async () => {
      const access = async (instant: string) => (await audit(`users/${aliceId}/access?at=${instant}`)).body;
      expect(await access(between(at['remove-member']!, at['re-add-member']!))).toMatchObject({ status: 'present', active: true, groups: [] });
      expect(await access(between(at['re-add-member']!, at['deactivate']!))).toMatchObject({
        active: true, groups: [{ groupId, displayName: 'finance-admins', since: at['re-add-member'] }],
      });
      expect(await access(between(at['deactivate']!, at['delete-alice']!))).toMatchObject({ active: false, activeSetBy: { correlationId: 'deactivate' }, groups: [{ groupId }] });
      expect(await access(at['delete-alice']!)).toMatchObject({ status: 'deleted', active: false, deletedAt: at['delete-alice'], groups: [] });
    });
  });

  describe('history and changes', () => {
    it('users/{id}/history: newest first, paged with a cursor, filtered by type and time', async () => {
      const first = await audit(`users/${aliceId}/history?count=2`);
      expect(first.body.Resources.map((e: { type: string }) => e.type)).toEqual(['UserDeleted', 'UserDeactivated']);
      expect(first.body.Resources[0]).toMatchObject({ streamId: `user-acme:${aliceId}`, hash: expect.stringMatching(/^[0-9a-f]{64}$/), prevHash: expect.any(String) });
      const second = await audit(`users/${aliceId}/history?count=2&cursor=${first.body.nextCursor}`);
      expect(second.body.Resources.map((e: { type: string }) => e.type)).toEqual(['UserRenamed', 'UserAttributesChanged']);
      const renames = await audit(`users/${aliceId}/history?type=UserRenamed,UserProvisioned`);
      expect(renames.body.Resources.map((e: { type: string }) => e.type)).toEqual(['UserRenamed', 'UserProvisioned']);
      expect(renames.body.nextCursor).toBeNull();
      const window = await audit(`users/${aliceId}/history?from=${at['promote']}&to=${at['remove-member']}`);
      expect(window.body.Resources.map((e: { metadata: { correlationId: string } }) => e.metadata.correlationId)).toEqual(['rename', 'promote']);
    });

    it('users/{id}/attribute-history: every value an attribute took and the request that set it', async () => {
      const titles = await audit(`users/${aliceId}/attribute-history?attribute=title`);
      expect(titles.body.Resources.map((e: { value: unknown; source: { correlationId: string } }) => [e.value, e.source.correlationId])).toEqual([
        ['Senior Analyst', 'promote'],
        ['Analyst', 'create-alice'],
      ]);
      const all = await audit(`users/${aliceId}/attribute-history?count=1`);
      expect(all.body.Resources[0]).toMatchObject({ attribute: 'active', value: false, source: { eventType: 'UserDeactivated' } });
      const older = await audit(`users/${aliceId}/attribute-history?count=1&cursor=${all.body.nextCursor}`);
      expect(older.body.Resources[0]).toMatchObject({ attribute: 'userName', value: 'alice.smith@acme.test' });
    });

    it('groups/{id}/history shows the membership changes with their requests', async () => {
      const history = await audit(`groups/${groupId}/history?type=GroupMembersAdded,GroupMembersRemoved`);
      expect(history.body.Resources.map((e: { type: string; metadata: { correlationId: string } }) => [e.type, e.metadata.correlationId])).toEqual([
        ['GroupMembersAdded', 're-add-member'],
        ['GroupMembersRemoved', 'remove-member'],
      ]);
    });

    it('changes?type= lists every deactivation in a period, paged', async () => {
      const all = await audit(`changes?type=UserDeactivated&from=${at['create-alice']}&to=${new Date().toISOString()}`);
      expect(all.body.totalResults).toBe(2);
      expect(all.body.Resources.map((c: { resourceId: string }) => c.resourceId)).toEqual([aliceId, aliceAgainId]);
      const page = await audit(`changes?type=UserDeactivated&count=1`);
      expect(page.body.Resources).toHaveLength(1);
      const next = await audit(`changes?type=UserDeactivated&count=1&cursor=${page.body.nextCursor}`);
      expect(next.body.Resources[0].resourceId).toBe(aliceAgainId);
      expect(next.body.nextCursor).toBeNull();
      const narrow = await audit(`changes?type=UserDeactivated&from=${at['re-create']}`);
      expect(narrow.body.Resources.map((c: { correlationId: string }) => c.correlationId)).toEqual(['disable-again']);
    });
  });

  describe('periods are [from, to): back-to-back windows count every event once', () => {
    const ids = (body: { Resources: Array<{ eventId?: string; id?: string }> }) => body.Resources.map((r) => r.eventId ?? r.id);

    it('history: an event recorded exactly at `to` belongs to the next window', async () => {
      const correlation = (body: { Resources: Array<{ metadata: { correlationId: string } }> }) => body.Resources.map((e) => e.metadata.correlationId);
      expect(correlation((await audit(`users/${aliceId}/history?from=${at['promote']}&to=${at['rename']}`)).body)).toEqual(['promote']);
      expect(correlation((await audit(`users/${aliceId}/history?from=${at['rename']}&to=${at['remove-member']}`)).body)).toEqual(['rename']);
      const cut = await audit(`users/${aliceId}/history?from=${at['rename']}&to=2999-01-01`);
      expect(cut.body.period.from).toBe(at['rename']);
      expect(Date.parse(cut.body.period.to)).toBeLessThanOrEqual(Date.now());
    });

    it('changes: two windows split at an event add up to the whole period, with no event twice', async () => {
      const whole = await audit(`changes?from=${at['create-alice']}&to=${at['relink']}&count=1000`);
      const early = await audit(`changes?from=${at['create-alice']}&to=${at['rename']}&count=1000`);
      const late = await audit(`changes?from=${at['rename']}&to=${at['relink']}&count=1000`);
      expect(early.body.Resources.map((c: { correlationId: string }) => c.correlationId)).not.toContain('rename');
      expect(late.body.Resources[0].correlationId).toBe('rename');
      expect([...ids(early.body), ...ids(late.body)]).toEqual(ids(whole.body));
      expect(early.body.totalResults + late.body.totalResults).toBe(whole.body.totalResults);
      expect(whole.body.Resources.map((c: { correlationId: string }) => c.correlationId)).not.toContain('relink');
    });

    it('export: two back-to-back bundles hold as many events as one bundle of both', async () => {
      const count = async (query: string) => {
        const response = await fetch(`${h.url}/tenants/acme/audit/export?${query}`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
        const lines = (await response.text()).trimEnd().split('\n');
        return JSON.parse(lines[lines.length - 1]!).counts.events as number;
      };
      const whole = await count(`from=${at['create-alice']}&to=${at['relink']}`);
      const split = (await count(`from=${at['create-alice']}&to=${at['deactivate']}`)) + (await count(`from=${at['deactivate']}&to=${at['relink']}`));
      expect(split).toBe(whole);
      expect(whole).toBeGreaterThan(0);
    });

    it('a `to` after now is cut to now, so no answer claims a period that has not happened', async () => {
      const changes = await audit('changes?to=2999-01-01&count=1');
      expect(changes.status).toBe(200);
      expect(Date.parse(changes.body.period.to)).toBeLessThanOrEqual(Date.now());
      const response = await fetch(`${h.url}/tenants/acme/audit/export?from=2026-01-01&to=2999-01-01`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      const lines = (await response.text()).trimEnd().split('\n');
      const manifest = JSON.parse(lines[lines.length - 1]!);
      expect(Date.parse(manifest.to)).toBeLessThanOrEqual(Date.now());
      expect(JSON.parse(lines[0]!).to).toBe(manifest.to);
    });

    it('an `at` in the future is refused: the ledger cannot say what will be', async () => {
      const future = await audit(`users/${aliceAgainId}/state?at=2999-01-01T00:00:00Z`);
      expect(future.status).toBe(400);
      expect(future.body.message).toContain('in the future');
      // Year 1 is a valid instant, before anything was created.
      expect((await audit(`users/${aliceAgainId}/state?at=0001-01-01T00:00:00Z`)).body).toMatchObject({ statusCode: 404, error: 'NOT_YET_CREATED' });
    });
  });

  describe('names an auditor types: a misspelling is an error, not "nothing happened"', () => {
    it('type and category: unknown names answer 400 listing the known ones; case does not matter', async () => {
      const bogus = await audit('changes?type=UserDeactivate');
      expect(bogus.status).toBe(400);
      expect(bogus.body.message).toContain('type "UserDeactivate" is not an event type');
      expect(bogus.body.message).toContain('UserDeactivated');
      expect((await audit('changes?type=UserRenamed,,UserDeleted')).status).toBe(400);
      expect((await audit(`users/${aliceId}/history?type=Bogus`)).status).toBe(400);
      expect((await audit('changes?category=users')).status).toBe(400);
      const exact = await audit('changes?type=UserDeactivated&category=user');
      const loose = await audit('changes?type=userdeactivated&category=USER');
      expect(loose.body.totalResults).toBe(2);
      expect(ids(loose.body)).toEqual(ids(exact.body));
    });

    it('a parameter the route does not take answers 400 instead of an unfiltered answer', async () => {
      for (const path of ['changes?types=UserDeleted', 'changes?form=2026-01-01', 'drift?lists=stale', `users/${aliceId}/state?when=2026-01-01`, 'export?format[]=csv', 'requests?statuss=200']) {
        const answer = await audit(path);
        expect(answer.status).toBe(400);
        expect(answer.body.message).toContain('unknown parameter');
      }
      expect((await audit('drift?list=STALE&staleDays=0')).status).toBe(200);
      expect((await audit(`groups/${groupId}/members?effective=TRUE`)).status).toBe(200);
    });

    it('repeated or out-of-range values are a 400, never a 500', async () => {
      for (const path of [
        'requests?correlationId=a&correlationId=b', 'requests?startIndex=1e308', 'requests?startIndex=99999999999999999999999', 'requests?count=1e2',
        `changes?cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '99999999999999999999999'])).toString('base64url')}`,
        'changes?from=2999-01-01&to=2999-06-01', 'requests?from=2999-01-01', 'export?from=2999-01-01&to=2999-06-01',
      ]) {
        expect({ path, status: (await audit(path)).status }).toEqual({ path, status: 400 });
      }
      const unrouted = await h.admin('GET', '/admin/unrouted-requests?tokenId=a&tokenId=b');
      expect(unrouted.status).toBe(400);
    });

    it('attribute-history matches attribute names case-insensitively, as SCIM does', async () => {
      const titles = await audit(`users/${aliceId}/attribute-history?attribute=TITLE`);
      expect(titles.body.Resources.map((e: { value: unknown }) => e.value)).toEqual(['Senior Analyst', 'Analyst']);
      const sub = await audit(`users/${aliceId}/attribute-history?attribute=name.givenName`);
      expect(sub.status).toBe(400);
      expect(sub.body.message).toContain('ask for "name"');
      expect((await audit(`users/${aliceId}/attribute-history?attribute=name`)).body.Resources[0]).toMatchObject({ attribute: 'name', value: { givenName: 'Alice' } });
      // Exactly a page of values: no cursor to an empty next page.
      expect((await audit(`users/${aliceId}/attribute-history?attribute=title&count=2`)).body.nextCursor).toBeNull();
    });

    const ids = (body: { Resources: Array<{ eventId: string }> }) => body.Resources.map((r) => r.eventId);
  });

  describe('a leaver found by name, and the membership trail', () => {
    it('by-username after the holder was deleted: state says DELETED and access says no access, both naming the user', async () => {
      const instant = between(at['delete-alice']!, at['re-create']!);
      const state = await audit(`users/by-username/alice.smith@acme.test/state?at=${instant}`);
      expect(state.status).toBe(404);
      expect(state.body).toMatchObject({ error: 'DELETED', id: aliceId, deletedAt: at['delete-alice'] });
      const access = await audit(`users/by-username/alice.smith@acme.test/access?at=${instant}`);
      expect(access.status).toBe(200);
      expect(access.body).toMatchObject({ id: aliceId, status: 'deleted', active: false, groups: [] });
      // Every holder of the name, the leaver and the re-created user.
      expect(access.body.holders.map((holder: { userId: string }) => holder.userId)).toEqual([aliceId, aliceAgainId]);
      expect(access.body.holders[0]).toMatchObject({ closedBecause: 'deleted', to: at['delete-alice'] });
    });

    it('users/{id}/membership-history: each join and leave, newest first, with the request behind it', async () => {
      const trail = await audit(`users/${aliceId}/membership-history`);
      expect(trail.status).toBe(200);
      expect(trail.body.Resources).toEqual([
        expect.objectContaining({
          groupId, displayName: 'finance-admins', from: at['re-add-member'], to: at['delete-alice'], closedBecause: 'member-deleted',
          openedBy: expect.objectContaining({ correlationId: 're-add-member' }), closedBy: expect.objectContaining({ correlationId: 'delete-alice' }),
        }),
        expect.objectContaining({
          groupId, from: at['create-group'], to: at['remove-member'], closedBecause: 'removed',
          openedBy: expect.objectContaining({ correlationId: 'create-group' }), closedBy: expect.objectContaining({ eventType: 'GroupMembersRemoved', correlationId: 'remove-member' }),
        }),
      ]);
      const paged = await audit(`users/${aliceId}/membership-history?count=1`);
      expect(paged.body.Resources[0].from).toBe(at['re-add-member']);
      const next = await audit(`users/${aliceId}/membership-history?count=1&cursor=${paged.body.nextCursor}`);
      expect(next.body.Resources[0].from).toBe(at['create-group']);
      expect(next.body.nextCursor).toBeNull();
      expect((await audit(`users/by-username/alice@acme.test/membership-history?at=${at['create-alice']}`)).body.totalResults).toBe(2);
    });
  });

  describe('time from the events themselves (explicit recordedAt)', () => {
    it('answers "was bob active at quarter end?" from events appended with their own times, and flags him as created outside SCIM', async () => {
      const store = h.ledger.app.get<EventStore>(EVENT_STORE);
      const meta = (recordedAt: string) => ({ tenant: 'acme', correlationId: `import-${recordedAt}`, requestId: null, idp: null, tokenId: null, actor: 'import:hr-feed', recordedAt });
      await store.append('user-acme:bob', [
        { type: 'UserProvisioned', data: { userId: 'bob', userName: 'bob@acme.test', externalId: null, active: true, attributes: {}, at: '2025-10-01T09:00:00.000Z' }, metadata: meta('2025-10-01T09:00:00.000Z') },
      ], 'no_stream');
      await store.append('user-acme:bob', [
        { type: 'UserDeactivated', data: { userId: 'bob', at: '2026-01-15T17:30:00.000Z' }, metadata: meta('2026-01-15T17:30:00.000Z') },
      ], 0);
      const quarterEnd = await audit('users/bob/state?at=2025-12-31T23:59:59Z');
      expect(quarterEnd.body.resource.active).toBe(true);
      const later = await audit('users/bob/state?at=2026-02-01');
      expect(later.body.resource.active).toBe(false);
      expect(later.body.provenance['active']).toMatchObject({ at: '2026-01-15T17:30:00.000Z', actor: 'import:hr-feed' });
      const q1 = await audit('changes?type=UserDeactivated&from=2026-01-01&to=2026-03-31T23:59:59.999Z');
      expect(q1.body.Resources.map((c: { resourceId: string }) => c.resourceId)).toContain('bob');
      const drift = await audit('drift?staleDays=30');
      expect(drift.body.createdOutsideScim.users).toEqual([expect.objectContaining({ id: 'bob', createdBy: expect.objectContaining({ actor: 'import:hr-feed' }) })]);
      expect(drift.body.stale.users.map((u: { id: string }) => u.id)).toEqual(['bob']);
    });
  });

  it('drift: re-enabled users and by whom, externalId changes, refused re-creates', async () => {
    const drift = await audit('drift?staleDays=0');
    expect(drift.status).toBe(200);
    expect(drift.body.reenabled.events).toEqual([
      expect.objectContaining({ id: aliceAgainId, userName: 'alice.smith@acme.test', deactivatedAt: at['disable-again'], by: expect.objectContaining({ correlationId: 're-enable', tokenId }) }),
    ]);
    expect(drift.body.externalIdChanges.events).toEqual([expect.objectContaining({ id: aliceAgainId, from: 'ext-alice-2', to: 'ext-alice-3' })]);
    expect(drift.body.stale.users.map((u: { id: string }) => u.id)).toContain(aliceAgainId);
  });

  it('drift: an IdP reading a user counts as a touch, as the README says', async () => {
    await h.scim(token, 'GET', `${scimBase}/Users/${aliceAgainId}`, undefined, { 'client-request-id': 'idp-read' });
    const touchOf = async () => {
      const stale = await audit('drift?staleDays=0&list=stale&count=1000');
      return stale.body.stale.users.find((u: { id: string }) => u.id === aliceAgainId)?.lastIdpTouch?.correlationId;
    };
    let touch = await touchOf();
    // The read is recorded once its response is sent.
    for (let i = 0; i < 50 && touch !== 'idp-read'; i++) {
      await pause(20);
      touch = await touchOf();
    }
    expect(touch).toBe('idp-read');
  });

  it('drift: each list pages on its own, with totals, instead of being cut off at count', async () => {
    const all = await audit('drift?staleDays=0&list=stale&count=1000');
    expect(Object.keys(all.body)).not.toContain('reenabled');
    const total = all.body.stale.totalResults as number;
    expect(total).toBeGreaterThanOrEqual(2);
    const pages: string[] = [];
    for (let start = 1; start <= total; start++) {
      const page = await audit(`drift?staleDays=0&list=stale&count=1&startIndex=${start}`);
      expect(page.body.stale).toMatchObject({ totalResults: total, startIndex: start, itemsPerPage: 1 });
      pages.push(page.body.stale.users[0].id);
    }
    expect(pages).toEqual(all.body.stale.users.map((u: { id: string }) => u.id));
    expect((await audit('drift?list=nope')).status).toBe(400);
    expect((await audit('drift?startIndex=2')).status).toBe(400);
  });

  it('requests: the same time rules as the rest of the audit API, and totals to page by', async () => {
    expect((await audit('requests?from=2026-03-03T10:00:00')).body.message).toContain('no time zone');
    expect((await audit('requests?from=2026-02-01&to=2026-01-01')).status).toBe(400);
    expect((await audit('requests?status=999')).status).toBe(400);
    const page = await audit('requests?count=2');
    expect(page.body).toMatchObject({ startIndex: 1, itemsPerPage: 2, totalResults: expect.any(Number) });
    expect(page.body.totalResults).toBeGreaterThan(2);
    const ok = await audit('requests?status=200&count=1000');
    expect(ok.body.totalResults).toBe(ok.body.requests.length);
    expect(ok.body.requests.every((r: { status: number }) => r.status === 200)).toBe(true);
  });

  describe('export', () => {
    const download = async (query: string) => {
      const response = await fetch(`${h.url}/tenants/acme/audit/export?${query}`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    };

    it('jsonl: the period\'s events with verifiable hashes, snapshots at `to`, and a manifest hashing all of it', async () => {
      const to = between(at['re-add-member']!, at['deactivate']!);
      const bundle = await download(`from=${at['create-alice']}&to=${to}&format=jsonl`);
      expect(bundle.status).toBe(200);
      expect(bundle.type).toContain('application/x-ndjson');
      const lines = bundle.text.trimEnd().split('\n');
      const manifest = JSON.parse(lines[lines.length - 1]!);
      const body = bundle.text.slice(0, bundle.text.length - lines[lines.length - 1]!.length - 1);
      expect(manifest).toMatchObject({ kind: 'manifest', tenant: 'acme', to, sha256: createHash('sha256').update(body).digest('hex') });
      const records = lines.slice(0, -1).map((l) => JSON.parse(l));
      expect(records[0]).toMatchObject({ kind: 'header', tenant: 'acme' });
      const events = records.filter((r) => r.kind === 'event');
      expect(events.length).toBe(manifest.counts.events);
      for (const event of events) {
        expect(event.metadata.tenant).toBe('acme');
        expect(eventHash(event)).toBe(event.hash);
      }
      expect(events.map((e) => e.metadata.correlationId)).toEqual(expect.arrayContaining(['create-alice', 'rename', 're-add-member']));
      expect(events.map((e) => e.metadata.correlationId)).not.toContain('deactivate');
      const snapshots = records.filter((r) => r.kind === 'snapshot');
      expect(snapshots.map((s) => s.userId)).toEqual(expect.arrayContaining([aliceId, 'bob']));
      expect(snapshots.find((s) => s.userId === aliceId).resource).toMatchObject({ userName: 'alice.smith@acme.test', active: true, groups: [{ value: groupId }] });
      expect(manifest.counts.snapshots).toBe(snapshots.length);
    });

    it('csv: one row per record, the manifest row last, hashing every byte before it', async () => {
      const bundle = await download('format=csv');
      expect(bundle.type).toContain('text/csv');
      const rows = bundle.text.split('\r\n').filter(Boolean);
      expect(rows[0]).toBe('kind,position,stream_id,revision,event_id,type,schema_version,recorded_at,actor,request_id,correlation_id,idp,token_id,prev_hash,hash,data,metadata');
      const last = rows[rows.length - 1]!;
      expect(last.startsWith('manifest,')).toBe(true);
      const columns = rows[0]!.split(',');
      const manifest = JSON.parse(csvFields(last)[columns.indexOf('data')]!);
      expect(manifest.sha256).toBe(createHash('sha256').update(bundle.text.slice(0, bundle.text.length - last.length - 2)).digest('hex'));
      const events = rows.filter((r) => r.startsWith('event,')).map(csvFields);
      expect(events.length).toBe(manifest.counts.events);
      const deleted = events.find((e) => e[columns.indexOf('type')] === 'UserDeleted')!;
      expect(JSON.parse(deleted[columns.indexOf('metadata')]!)).toMatchObject({ correlationId: 'delete-alice' });
    });

    it('records every bundle handed out whole: who took which period, and the sha256 its manifest declared', async () => {
      const issued = await h.admin('POST', '/admin/tenants/acme/auditors', { name: 'export-review' });
      const response = await fetch(`${h.url}/tenants/acme/audit/export?from=${at['create-alice']}&to=${at['relink']}&format=csv`, { headers: { authorization: `Bearer ${issued.body.token}` } });
      const text = await response.text();
      const rows = text.split('\r\n').filter(Boolean);
      const columns = rows[0]!.split(',');
      const manifest = JSON.parse(csvFields(rows[rows.length - 1]!)[columns.indexOf('data')]!);
      expect(response.headers.get('x-audit-export-id')).toBe(manifest.exportId);
      const recorded = await audit('changes?type=AuditBundleExported&count=1000');
      const mine = recorded.body.Resources.find((c: { resourceId: string }) => c.resourceId === manifest.exportId);
      expect(mine).toMatchObject({
        category: 'auditExport', actor: `auditor:${issued.body.id}`,
        data: { exportId: manifest.exportId, tenantId: 'acme', from: at['create-alice'], to: at['relink'], format: 'csv', sha256: manifest.sha256, counts: manifest.counts },
      });
      // The record is itself an event of the hash-chained log, and never carries the auditor's secret.
      expect(JSON.stringify(recorded.body)).not.toContain(issued.body.token);
    });

    it('HEAD on export sends no bundle and records none', async () => {
      const before = (await audit('changes?type=AuditBundleExported&count=1000')).body.totalResults;
      const head = await fetch(`${h.url}/tenants/acme/audit/export?format=jsonl`, { method: 'HEAD', headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      expect(head.status).toBe(200);
      expect((await audit('changes?type=AuditBundleExported&count=1000')).body.totalResults).toBe(before);
    });

    it('refuses an unknown format and a backwards period with 400', async () => {
      expect((await audit('export?format=xml')).status).toBe(400);
      const backwards = await audit('export?from=2026-02-01&to=2026-01-01');
      expect(backwards.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('after') });
    });
  });

  describe('auditor tokens and errors', () => {
    it('an auditor token reads its own tenant only, and stops working once revoked', async () => {
      const issued = await h.admin('POST', '/admin/tenants/acme/auditors', { name: 'q1-review' });
      expect(issued.status).toBe(201);
      expect(issued.body).toMatchObject({ id: expect.any(String), token: expect.stringMatching(/^aud_/), name: 'q1-review' });
      const auditor = issued.body.token as string;
      expect((await audit(`users/${aliceId}/history`, auditor)).status).toBe(200);
      const other = await h.scim(auditor, 'GET', '/tenants/globex/audit/changes');
      expect(other.status).toBe(403);
      const listed = await h.admin('GET', '/admin/tenants/acme/auditors');
      expect(JSON.stringify(listed.body)).not.toContain(auditor);
      expect(listed.body.auditors).toEqual(expect.arrayContaining([expect.objectContaining({ id: issued.body.id, hint: auditor.slice(0, 8), revokedAt: null })]));
      const revoked = await h.admin('DELETE', `/admin/tenants/acme/auditors/${issued.body.id}`);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      const refused = await audit('changes', auditor);
      expect(refused.status).toBe(401);
      expect(refused.body.message).toContain('revoked');
    });

    it('never stores an auditor secret in the log', async () => {
      const issued = await h.admin('POST', '/admin/tenants/acme/auditors', { name: 'secret-check' });
      const history = await audit(`changes?category=auditor&count=1000`);
      expect(JSON.stringify(history.body)).not.toContain(issued.body.token);
      expect(JSON.stringify(history.body)).toContain(createHash('sha256').update(issued.body.token).digest('hex'));
    });

    it('an IdP token sent in the query string never reaches the log, the changes feed or an export', async () => {
      await h.scim(token, 'GET', `${scimBase}/Users?count=1&access_token=${token}`, undefined, { 'client-request-id': 'token-in-url' });
      // The request is recorded once its response is sent: wait for it.
      let recorded = await audit('changes?category=request&count=1000');
      const find = () => recorded.body.Resources.find((c: { correlationId: string }) => c.correlationId === 'token-in-url');
      for (let i = 0; i < 50 && !find(); i++) {
        await pause(20);
        recorded = await audit('changes?category=request&count=1000');
      }
      const mine = find();
      expect(mine.data.query).toBe('count=1&access_token=%5BREDACTED%5D');
      expect(JSON.stringify(recorded.body)).not.toContain(token);
      const bundle = await fetch(`${h.url}/tenants/acme/audit/export?format=jsonl`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      expect(await bundle.text()).not.toContain(token);
    });

    it('refuses a missing, an unknown and a SCIM token with 401, and an unknown tenant with 404', async () => {
      expect((await h.scim('', 'GET', '/tenants/acme/audit/changes')).status).toBe(401);
      expect((await audit('changes', 'aud_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
      expect((await audit('changes', token)).status).toBe(401);
      expect((await h.admin('GET', '/tenants/nope/audit/changes')).status).toBe(404);
    });

    it('answers a bad instant with 400 and a message that says what is wrong', async () => {
      const garbage = await audit(`users/${aliceId}/state?at=yesterday`);
      expect(garbage.status).toBe(400);
      expect(garbage.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('at "yesterday" is not an ISO-8601 time') });
      expect((await audit(`users/${aliceId}/state?at=2026-02-30`)).status).toBe(400);
      expect((await audit(`users/${aliceId}/state?at=2026-03-03T10:00:00`)).body.message).toContain('no time zone');
      expect((await audit('changes?count=0')).status).toBe(400);
      expect((await audit(`users/${aliceId}/history?cursor=abc`)).status).toBe(400);
    });

    it('reports every projection\'s lag to the admin', async () => {
      const status = await h.admin('GET', '/admin/projections');
      expect(status.body.projections.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['scim-read-model', 'membership-intervals', 'attribute-history', 'changes-index', 'user-activity', 'auditors']),
      );
    });
  });
});
