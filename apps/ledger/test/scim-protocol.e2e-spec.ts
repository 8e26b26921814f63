import { ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

describe('SCIM protocol conformance (RFC 7644)', () => {
  let h: Harness;
  let token: string;
  const base = '/tenants/conf/scim/v2';

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('conf'));
    for (const [n, name] of ['carol', 'alice', 'bob', 'dave', 'erin'].entries()) {
      await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: `${name}@conf.com`, title: n % 2 ? 'Engineer' : 'Manager', name: { familyName: name.toUpperCase() } });
    }
  });
  afterAll(async () => {
    await h.close();
  });

  describe('§3.4.2 query', () => {
    it('pages with startIndex and count, reporting totalResults', async () => {
      const page = await h.scim(token, 'GET', `${base}/Users?sortBy=userName&startIndex=2&count=2`);
      expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
      expect(page.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['bob@conf.com', 'carol@conf.com']);
      const countOnly = await h.scim(token, 'GET', `${base}/Users?count=0`);
      expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    });

    it('sorts descending and filters with and / or / not and grouping', async () => {
      const sorted = await h.scim(token, 'GET', `${base}/Users?sortBy=name.familyName&sortOrder=descending&count=2`);
      expect(sorted.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['erin@conf.com', 'dave@conf.com']);
      const filter = encodeURIComponent('(title eq "Engineer" or userName sw "ERIN") and not (userName eq "dave@conf.com")');
      const filtered = await h.scim(token, 'GET', `${base}/Users?filter=${filter}&sortBy=userName`);
      expect(filtered.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['alice@conf.com', 'erin@conf.com']);
    });

    it('finds a user by its new userName and externalId after a PATCH changes them, and no longer by the old ones', async () => {
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'frank@rename.conf.com', externalId: 'ext-frank-1' });
      const byName = (userName: string) => h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      const byExternalId = (externalId: string) => h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent(`externalId eq "${externalId}"`)}`);
      await h.scim(token, 'PATCH', `${base}/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] });
      expect((await byName('frank@rename.conf.com')).body.Resources.map((r: { title: string }) => r.title)).toEqual(['Lead']);
      const renamed = await h.scim(token, 'PATCH', `${base}/Users/${created.body.id}`, {
        schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: 'franklin@rename.conf.com' }, { op: 'replace', path: 'externalId', value: 'ext-frank-2' }],
      });
      expect(renamed.status).toBe(200);
      expect((await byName('frank@rename.conf.com')).body.totalResults).toBe(0);
      expect((await byExternalId('ext-frank-1')).body.totalResults).toBe(0);
      expect((await byName('FRANKLIN@rename.conf.com')).body.Resources.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
      expect((await byExternalId('ext-frank-2')).body.Resources.map((r: { title: string }) => r.title)).toEqual(['Lead']);
      expect((await h.scim(token, 'DELETE', `${base}/Users/${created.body.id}`)).status).toBe(204);
    });

    it('returns only requested attributes (id, schemas and meta always) or leaves excluded ones out', async () => {
      const only = await h.scim(token, 'GET', `${base}/Users?attributes=userName&filter=${encodeURIComponent('userName eq "bob@conf.com"')}`);
      expect(Object.keys(only.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
      const without = await h.scim(token, 'GET', `${base}/Users?excludedAttributes=name,title&filter=${encodeURIComponent('userName eq "bob@conf.com"')}`);
      expect(without.body.Resources[0].name).toBeUndefined();
      expect(without.body.Resources[0].userName).toBe('bob@conf.com');
    });

    it('searches with POST .search on a resource type and on the root', async () => {
      const typed = await h.scim(token, 'POST', `${base}/Users/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'title eq "Manager"', count: 10 });
      expect(typed.status).toBe(200);
      expect(typed.body.totalResults).toBe(3);
      await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'Managers' });
      const root = await h.scim(token, 'POST', `${base}/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'meta.created pr' });
      expect(root.body.totalResults).toBe(6);
      const usersOnly = await h.scim(token, 'POST', `${base}/.search`, { filter: 'userName sw "a"' });
      expect(usersOnly.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['alice@conf.com']);
      const neither = await h.scim(token, 'POST', `${base}/.search`, { filter: 'shoeSize gt 3' });
      expect(neither.status).toBe(400);
      expect(neither.body.scimType).toBe('invalidFilter');
    });
  });

  describe('§3.5 writes that leave active unassigned', () => {
    it('never re-enable a disabled user: PUT without active, PATCH remove active, replace with null, Bulk PUT', async () => {
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'leaver@conf.com', active: true });
      const id = created.body.id;
      const patch = (operation: unknown) => h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: [PATCH], Operations: [operation] });
      expect((await patch({ op: 'replace', value: { active: false } })).body.active).toBe(false);

      const writes = [
        () => h.scim(token, 'PUT', `${base}/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'leaver@conf.com', title: 'Gone' }),
        () => h.scim(token, 'PUT', `${base}/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'leaver@conf.com', active: null }),
        () => patch({ op: 'remove', path: 'active' }),
        () => patch({ op: 'replace', path: 'active', value: null }),
        () => patch({ op: 'replace', value: { active: null, title: 'Still gone' } }),
        () => h.scim(token, 'POST', `${base}/Bulk`, { schemas: [BULK_REQUEST], Operations: [{ method: 'PUT', path: `/Users/${id}`, data: { schemas: [USER_SCHEMA], userName: 'leaver@conf.com' } }] }),
      ];
      for (const write of writes) {
        const answer = await write();
        expect(answer.status).toBe(200);
        expect((await h.scim(token, 'GET', `${base}/Users/${id}`)).body.active).toBe(false);
      }
      const history = await h.admin('GET', `/tenants/conf/audit/users/${id}/history?count=100`);
      const types = history.body.Resources.map((event: { type: string }) => event.type);
      expect(types).toContain('UserDeactivated');
      expect(types).not.toContain('UserReactivated');
      // An explicit true still re-enables.
      expect((await patch({ op: 'replace', path: 'active', value: true })).body.active).toBe(true);
    });
  });

  describe('RFC 7643 §4.1.2 a user\'s groups', () => {
    it('lists groups held through nested groups as indirect, and finds the user by them', async () => {
      const user = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'nested@conf.com' });
      const team = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'nested-team', members: [{ value: user.body.id }] });
      const dept = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'nested-dept', members: [{ value: team.body.id, type: 'Group' }] });
      // A cycle back to the team must not loop.
      await h.scim(token, 'PATCH', `${base}/Groups/${team.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: dept.body.id, type: 'Group' }] }] });
      const read = await h.scim(token, 'GET', `${base}/Users/${user.body.id}`);
      const groups = read.body.groups.map((g: { value: string; type: string }) => [g.value, g.type]).sort();
      expect(groups).toEqual([[team.body.id, 'direct'], [dept.body.id, 'indirect']].sort());
      const byDept = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent(`groups.value eq "${dept.body.id}"`)}`);
      expect(byDept.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.body.id]);
    });
  });

  describe('§3.14 a user\'s version follows its group memberships', () => {
    it('changes the ETag when the user joins a group and when that group is renamed; If-Match still guards only the user\'s own version', async () => {
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const user = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'etag-member@conf.com' });
      const alone = await h.scim(token, 'GET', `${base}/Users/${user.body.id}`);
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'etag-group', members: [{ value: user.body.id }] });
      const member = await h.scim(token, 'GET', `${base}/Users/${user.body.id}`, undefined, { 'If-None-Match': alone.headers.get('etag')! });
      expect(member.status).toBe(200);
      expect(member.body.groups.map((g: { value: string }) => g.value)).toEqual([group.body.id]);
      expect(member.headers.get('etag')).not.toBe(alone.headers.get('etag'));
      expect(member.body.meta.version).toBe(member.headers.get('etag'));
      expect((await h.scim(token, 'GET', `${base}/Users/${user.body.id}`, undefined, { 'If-None-Match': member.headers.get('etag')! })).status).toBe(304);

      await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'etag-group-renamed' }] });
      const renamed = await h.scim(token, 'GET', `${base}/Users/${user.body.id}`, undefined, { 'If-None-Match': member.headers.get('etag')! });
      expect(renamed.status).toBe(200);
      expect(renamed.body.groups[0].display).toBe('etag-group-renamed');

      const write = await h.scim(token, 'PATCH', `${base}/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] }, { 'If-Match': member.headers.get('etag')! });
      expect(write.status).toBe(200);
      const stale = await h.scim(token, 'PATCH', `${base}/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Chief' }] }, { 'If-Match': member.headers.get('etag')! });
      expect(stale.status).toBe(412);
    });
  });

  describe('§3.14 concurrent writes', () => {
    it('applies parallel unconditional PATCHes to one group and one user, each exactly once, without a 409', async () => {
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const users: string[] = [];
      for (let i = 0; i < 24; i++) users.push((await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: `parallel${i}@conf.com` })).body.id as string);
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'parallel-members' });
      const adds = await Promise.all(users.map((value) =>
        h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value }] }] })));
      expect(adds.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([]);
      const members = await h.scim(token, 'GET', `${base}/Groups/${group.body.id}`);
      expect(members.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...users].sort());

      const titles = await Promise.all(users.map((_, i) =>
        h.scim(token, 'PATCH', `${base}/Users/${users[0]}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'emails', value: [{ value: `alias${i}@conf.com`, type: 'other' }] }] })));
      expect(titles.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([]);
      const user = await h.scim(token, 'GET', `${base}/Users/${users[0]}`);
      expect(user.body.emails).toHaveLength(users.length);
    });

    it('answers 412, not 409, when a write with If-Match loses to a concurrent one', async () => {
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'pinned-writers' });
      const version = group.body.meta.version as string;
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: `pinned-${i}` }] }, { 'If-Match': version })));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status !== 200)).toEqual(Array(7).fill(412));
    });
  });

  describe('§3.7 bulk', () => {
    it('creates a user and a group that refers to it by bulkId, in any order', async () => {
      const response = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP_SCHEMA], displayName: 'bulk-group', members: [{ type: 'User', value: 'bulkId:u1' }] } },
          { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [USER_SCHEMA], userName: 'bulk1@conf.com' } },
        ],
      });
      expect(response.status).toBe(200);
      const [group, user] = response.body.Operations;
      expect(user).toMatchObject({ method: 'POST', bulkId: 'u1', status: '201' });
      expect(group).toMatchObject({ method: 'POST', bulkId: 'g1', status: '201' });
      const groupId = group.location.split('/').pop();
      const userId = user.location.split('/').pop();
      const read = await h.scim(token, 'GET', `${base}/Groups/${groupId}`);
      expect(read.body.members.map((m: { value: string }) => m.value)).toEqual([userId]);
    });

    it('keeps request order on each resource: only the POST a reference needs runs early', async () => {
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'bulk-order' });
      const kept = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'bulk-kept@conf.com' });
      const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
      const response = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'PATCH', path: `/Groups/${group.body.id}`, data: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:later' }] }] } },
          { method: 'POST', path: '/Users', bulkId: 'later', data: { schemas: [USER_SCHEMA], userName: 'bulk-later@conf.com' } },
          { method: 'PATCH', path: `/Groups/${group.body.id}`, data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'members', value: [{ value: kept.body.id }] }] } },
        ],
      });
      expect(response.body.Operations.map((o: { method: string; status: string }) => `${o.method} ${o.status}`)).toEqual(['PATCH 200', 'POST 201', 'PATCH 200']);
      const [first, , last] = response.body.Operations;
      expect(Number(/\d+/.exec(last.version)![0])).toBeGreaterThan(Number(/\d+/.exec(first.version)![0]));
      const read = await h.scim(token, 'GET', `${base}/Groups/${group.body.id}`);
      expect(read.body.members.map((m: { value: string }) => m.value)).toEqual([kept.body.id]);
    });

    it('refuses a request that uses one bulkId twice, before running anything', async () => {
      const response = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'twice', data: { schemas: [USER_SCHEMA], userName: 'twice1@conf.com' } },
          { method: 'POST', path: '/Users', bulkId: 'twice', data: { schemas: [USER_SCHEMA], userName: 'twice2@conf.com' } },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
      const created = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName sw "twice"')}`);
      expect(created.body.totalResults).toBe(0);
    });

    it('fails operations whose bulkIds refer to each other in a circle, and runs the rest', async () => {
      const response = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'ga', data: { schemas: [GROUP_SCHEMA], displayName: 'circle-a', members: [{ type: 'Group', value: 'bulkId:gb' }] } },
          { method: 'POST', path: '/Groups', bulkId: 'gb', data: { schemas: [GROUP_SCHEMA], displayName: 'circle-b', members: [{ type: 'Group', value: 'bulkId:ga' }] } },
          { method: 'POST', path: '/Users', bulkId: 'free', data: { schemas: [USER_SCHEMA], userName: 'circle-free@conf.com' } },
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body.Operations.map((o: { status: string }) => o.status)).toEqual(['409', '409', '201']);
      expect(response.body.Operations[1].response.detail).toContain('cycle');
    });

    it('reports each failure in place and stops after failOnErrors errors', async () => {
      const response = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        failOnErrors: 1,
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER_SCHEMA], userName: 'alice@conf.com' } },
          { method: 'POST', path: '/Users', bulkId: 'never', data: { schemas: [USER_SCHEMA], userName: 'never@conf.com' } },
        ],
      });
      expect(response.body.Operations).toHaveLength(1);
      expect(response.body.Operations[0]).toMatchObject({ status: '409', response: { schemas: [ERROR_SCHEMA], scimType: 'uniqueness' } });
      const never = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "never@conf.com"')}`);
      expect(never.body.totalResults).toBe(0);
    });

    it('advertises its limits and answers 413 past them', async () => {
      const spc = await h.scim(token, 'GET', `${base}/ServiceProviderConfig`);
      expect(spc.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
      const tooMany = await h.scim(token, 'POST', `${base}/Bulk`, {
        schemas: [BULK_REQUEST],
        Operations: Array.from({ length: 1001 }, (_, n) => ({ method: 'DELETE', path: `/Users/x${n}` })),
      });
      expect(tooMany.status).toBe(413);
      expect(tooMany.body.detail).toContain('maxOperations');
    });
  });

  describe('§3.12 errors', () => {
    it('answers an unknown endpoint and an unknown resource id with SCIM 404s', async () => {
      const missing = await h.scim(token, 'GET', `${base}/Users/00000000-0000-0000-0000-000000000000`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
      const widgets = await h.scim(token, 'GET', `${base}/Widgets`);
      expect(widgets.status).toBe(404);
      expect(widgets.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
      expect(widgets.body.detail).toContain('Widgets');
      const patchMissing = await h.scim(token, 'PATCH', `${base}/Users/nope`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'x' }] });
      expect(patchMissing.status).toBe(404);
    });

    it('answers PATCH errors with the RFC scimType: invalidPath, noTarget, mutability', async () => {
      const { body: user } = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "bob@conf.com"')}`);
      const id = user.Resources[0].id;
      const patch = (op: unknown) => h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] });
      expect((await patch({ op: 'replace', path: 'shoeSize', value: 3 })).body.scimType).toBe('invalidPath');
      expect((await patch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'x' })).body.scimType).toBe('noTarget');
      expect((await patch({ op: 'replace', path: 'id', value: 'other' })).body.scimType).toBe('mutability');
      const after = await h.scim(token, 'GET', `${base}/Users/${id}`);
      expect(after.body.meta.version).toBe(user.Resources[0].meta.version);
    });
  });
});
