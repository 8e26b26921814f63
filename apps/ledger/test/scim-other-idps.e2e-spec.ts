import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

describe('SCIM request shapes of OneLogin and JumpCloud, where they differ', () => {
  let h: Harness;
  let token: string;
  const base = '/tenants/others/scim/v2';
  const user = async (userName: string) => (await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName })).body.id as string;

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('others', 'onelogin'));
  });
  afterAll(async () => {
    await h.close();
  });

  it('JumpCloud: member adds carry "$ref": null and a display name, sent as application/json', async () => {
    const a = await user('jc-a@others.com');
    const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'jc-group' });
    const response = await fetch(`${h.url}${base}/Groups/${group.body.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ $ref: null, value: a, display: 'JC A' }] }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { members: Array<{ value: string; display: string }> };
    expect(body.members).toEqual([expect.objectContaining({ value: a, display: 'JC A' })]);
  });

  it('OneLogin: replaces the whole member list with one PATCH replace on members', async () => {
    const [a, b, c] = [await user('ol-a@others.com'), await user('ol-b@others.com'), await user('ol-c@others.com')];
    const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'ol-group', members: [{ value: a }, { value: b }] });
    const replaced = await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'members', value: [{ value: b }, { value: c }] }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
  });

  it('OneLogin: PUT sends the whole resource back, id and meta included, and they are ignored', async () => {
    const id = await user('ol-put@others.com');
    const current = await h.scim(token, 'GET', `${base}/Users/${id}`);
    const put = await h.scim(token, 'PUT', `${base}/Users/${id}`, { ...current.body, id: 'someone-else', meta: { created: '1999-01-01T00:00:00Z' }, title: 'Director' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, title: 'Director' });
    expect(put.body.meta.created).toBe(current.body.meta.created);
  });

  it('refuses a member id that is not a user or group of the tenant (a stale id after a manual delete)', async () => {
    const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'stale' });
    const response = await h.scim(token, 'PATCH', `${base}/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'deleted-long-ago' }] }],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidValue' });
    expect(response.body.detail).toContain('deleted-long-ago');
  });
});
