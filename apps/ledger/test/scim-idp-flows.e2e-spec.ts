import { UsersService } from '../src/scim/users.service';
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

describe('SCIM as identity providers drive it', () => {
  let h: Harness;
  let token: string;
  const base = '/tenants/acme/scim/v2';

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('acme'));
  });
  afterAll(async () => {
    await h.close();
  });

  describe('Microsoft Entra ID', () => {
    it('answers the "Test Connection" probe (filter on a random GUID) with 200 and an empty list', async () => {
      const probe = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('id eq "d3f1e0f6-8c6b-4d5e-9a3e-1f2b3c4d5e6f"')}`);
      expect(probe.status).toBe(200);
      expect(probe.body).toMatchObject({ totalResults: 0, Resources: [] });
      const byName = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "a7f2c6e0-nobody"')}`);
      expect(byName.body.totalResults).toBe(0);
    });

    it('creates, finds by filter, patches with capitalised ops and string booleans, and deactivates a user', async () => {
      const created = await h.scim(token, 'POST', `${base}/Users`, {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: 'entra-ext-1',
        userName: 'Test_User_ab6490ee@contoso.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_ab6490ee@contoso.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        [ENTERPRISE]: { department: 'Finance' },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toContain(`/Users/${created.body.id}`);
      expect(created.headers.get('etag')).toBe('W/"1"');
      const id = created.body.id;

      const found = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "test_user_AB6490EE@contoso.com"')}`);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].id).toBe(id);

      const patched = await h.scim(token, 'PATCH', `${base}/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'name.givenName', value: 'Alice' },
          { op: 'Replace', value: { 'name.familyName': 'Smith', [`${ENTERPRISE}:department`]: 'Legal' } },
          { op: 'Add', path: 'emails[type eq "work"].value', value: 'alice@contoso.com' },
        ],
      });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toMatchObject({ givenName: 'Alice', familyName: 'Smith' });
      expect(patched.body[ENTERPRISE].department).toBe('Legal');

      const deactivated = await h.scim(token, 'PATCH', `${base}/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.active).toBe(false);
      const read = await h.scim(token, 'GET', `${base}/Users/${id}`);
      expect(read.body.active).toBe(false);
    });

    it('pushes a group, adds and removes members with value arrays, and lists groups without members', async () => {
      const users = await Promise.all(
        ['g1', 'g2', 'g3'].map((n) => h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: `${n}@contoso.com` })),
      );
      const [a, b, c] = users.map((u) => u.body.id as string);
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'finance-admins', externalId: 'grp-1', members: [] });
      expect(group.status).toBe(201);
      const gid = group.body.id;

      const added = await h.scim(token, 'PATCH', `${base}/Groups/${gid}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: a }, { value: b }, { value: c }] }],
      });
      expect(added.status).toBe(200);
      const removed = await h.scim(token, 'PATCH', `${base}/Groups/${gid}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: 'members', value: [{ value: a }, { value: b }] }],
      });
      expect(removed.status).toBe(200);
      const read = await h.scim(token, 'GET', `${base}/Groups/${gid}`);
      expect(read.body.members.map((m: { value: string }) => m.value)).toEqual([c]);

      const listed = await h.scim(token, 'GET', `${base}/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "finance-admins"')}`);
      expect(listed.body.totalResults).toBe(1);
      expect(listed.body.Resources[0].members).toBeUndefined();

      const user = await h.scim(token, 'GET', `${base}/Users/${c}`);
      expect(user.body.groups).toEqual([expect.objectContaining({ value: gid, display: 'finance-admins' })]);
    });
  });

  describe('Okta', () => {
    it('creates with a password that is never stored or echoed, updates by PUT, deactivates by path-less PATCH', async () => {
      const created = await h.scim(token, 'POST', `${base}/Users`, {
        schemas: [USER_SCHEMA],
        userName: 'okta.user@example.com',
        name: { givenName: 'Okta', familyName: 'User' },
        emails: [{ primary: true, value: 'okta.user@example.com', type: 'work' }],
        displayName: 'Okta User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: 'Sup3r-Secret-Passw0rd!',
        active: true,
      });
      expect(created.status).toBe(201);
      expect(JSON.stringify(created.body)).not.toContain('Sup3r-Secret');
      const id = created.body.id;

      const put = await h.scim(token, 'PUT', `${base}/Users/${id}`, {
        ...created.body,
        name: { givenName: 'Okta', familyName: 'Renamed' },
        password: 'Sup3r-Secret-Passw0rd!',
      });
      expect(put.status).toBe(200);
      expect(put.body.name.familyName).toBe('Renamed');

      const off = await h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);

      const { execSync } = await import('node:child_process');
      const hits = execSync(`grep -rl "Sup3r-Secret" ${h.dir.path} || true`).toString().trim();
      expect(hits).toBe('');
    });

    it('removes a group member by path filter', async () => {
      const user = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'member@example.com' });
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'okta-group', members: [{ value: user.body.id }] });
      const removed = await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${user.body.id}"]` }],
      });
      expect(removed.status).toBe(200);
      expect(removed.body.members ?? []).toEqual([]);
    });
  });

  describe('protocol rules', () => {
    it('refuses to silently re-create a disabled user: 409 uniqueness naming the existing id', async () => {
      const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'leaver@example.com', active: false });
      const again = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'LEAVER@example.com', active: true });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
      expect(again.body.detail).toContain(created.body.id);
      const still = await h.scim(token, 'GET', `${base}/Users/${created.body.id}`);
      expect(still.body.active).toBe(false);
    });

    it('enforces externalId uniqueness and frees a userName on delete', async () => {
      const first = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'u1@example.com', externalId: 'X-1' });
      const clash = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'u2@example.com', externalId: 'X-1' });
      expect(clash.status).toBe(409);
      expect(clash.body.scimType).toBe('uniqueness');
      expect((await h.scim(token, 'DELETE', `${base}/Users/${first.body.id}`)).status).toBe(204);
      expect((await h.scim(token, 'GET', `${base}/Users/${first.body.id}`)).status).toBe(404);
      const reused = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'u1@example.com', externalId: 'X-1' });
      expect(reused.status).toBe(201);
      expect(reused.body.id).not.toBe(first.body.id);
    });

    it('honours If-Match (412 on a stale version) and If-None-Match (304)', async () => {
      const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'etag@example.com' });
      const id = created.body.id;
      const stale = await h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, { 'if-match': 'W/"7"' });
      expect(stale.status).toBe(412);
      const ok = await h.scim(token, 'PATCH', `${base}/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, { 'if-match': 'W/"1"' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe('W/"2"');
      const cached = await h.scim(token, 'GET', `${base}/Users/${id}`, undefined, { 'if-none-match': 'W/"2"' });
      expect(cached.status).toBe(304);
    });

    it.each([
      ['malformed JSON', '{"userName": ', 400, 'invalidSyntax'],
      ['a missing userName', { schemas: [USER_SCHEMA], name: { givenName: 'x' } }, 400, 'invalidValue'],
      ['an unknown filter attribute', null, 400, 'invalidFilter'],
    ])('answers %s with a SCIM error and writes nothing', async (_case, body, status, scimType) => {
      const response =
        body === null
          ? await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('favouriteColour eq "blue"')}`)
          : await h.scim(token, 'POST', `${base}/Users`, body);
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), scimType });
    });

    it('answers a wrong content type with 415 and an oversized body with 413', async () => {
      const wrongType = await fetch(`${h.url}${base}/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'userName=x' });
      expect(wrongType.status).toBe(415);
      const huge = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'big@example.com', title: 'x'.repeat(11 * 1024 * 1024) });
      expect(huge.status).toBe(413);
      expect(huge.body.schemas).toEqual([ERROR_SCHEMA]);
    });

    it('serves discovery without a token', async () => {
      const spc = await fetch(`${h.url}${base}/ServiceProviderConfig`);
      expect(spc.status).toBe(200);
      expect(((await spc.json()) as { patch: { supported: boolean } }).patch.supported).toBe(true);
      const types = (await (await fetch(`${h.url}${base}/ResourceTypes`)).json()) as { Resources: Array<{ name: string }> };
      expect(types.Resources.map((r: { name: string }) => r.name).sort()).toEqual(['Group', 'User']);
      const enterprise = await fetch(`${h.url}${base}/Schemas/${ENTERPRISE}`);
      expect(enterprise.status).toBe(200);
    });
  });

  it('gives exactly one 201 and 49 409 uniqueness for 50 concurrent POSTs of one userName', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'race@example.com', externalId: `race-${n}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.scimType).toBe('uniqueness');
    const listed = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "race@example.com"')}`);
    expect(listed.body.totalResults).toBe(1);
  });

  it('adds and removes 10,000 group members in one PATCH each', async () => {
    // Given 10,000 users (seeded through the service, not HTTP, to keep the suite fast).
    const users = h.ledger.app.get(UsersService);
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const created = await Promise.all(
        Array.from({ length: 500 }, (_, n) =>
          users.provision(
            { tenant: 'acme', requestId: `seed-${batch}-${n}`, correlationId: 'seed', idp: 'test', tokenId: null, actor: 'test-seed', at: new Date() },
            { userName: `bulk-${batch}-${n}@example.com`, active: true },
          ),
        ),
      );
      ids.push(...created.map((c) => c.user.userId));
    }
    const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'all-staff' });
    const added = await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }],
    });
    expect([200, 204]).toContain(added.status);
    const counted = await h.scim(token, 'GET', `${base}/Groups/${group.body.id}`);
    expect(counted.body.members).toHaveLength(10_000);
    const removed = await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }],
    });
    expect([200, 204]).toContain(removed.status);
    const emptied = await h.scim(token, 'GET', `${base}/Groups/${group.body.id}`);
    expect(emptied.body.members ?? []).toHaveLength(0);
  }, 60_000);
});
