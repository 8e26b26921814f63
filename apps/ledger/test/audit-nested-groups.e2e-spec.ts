import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (a: string, b: string) => new Date((Date.parse(a) + Date.parse(b)) / 2).toISOString();

/**
 * Access through nested groups: a user in `eng`, `eng` a member of `all-staff`, `all-staff` a
 * member of `vpn`. An auditor asking what the user could reach at an instant must see every
 * group the nesting granted, marked indirect, with the group it came through and the request
 * that made the link, and must see it go when the link is removed.
 */
describe('audit API: access through nested groups at an instant', () => {
  let h: Harness;
  let token: string;
  let bobId: string;
  let eng: string;
  let allStaff: string;
  let vpn: string;
  const at: Record<string, string> = {};
  const base = '/tenants/acme/scim/v2';
  const scim = async (correlationId: string, method: string, path: string, body?: unknown) => {
    await pause(15);
    const response = await h.scim(token, method, `${base}${path}`, body, { 'client-request-id': correlationId });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  };
  const addMember = (correlationId: string, groupId: string, value: string) =>
    scim(correlationId, 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value, type: 'Group' }] }] });
  const access = async (instant: string) => {
    const response = await h.admin('GET', `/tenants/acme/audit/users/${bobId}/access?at=${instant}`);
    expect(response.status).toBe(200);
    return response.body as { groups: Array<{ groupId: string; displayName: string; type: string; via?: string; since: string; addedBy: { correlationId: string } }> };
  };
  const byId = (groups: Array<{ groupId: string }>) => Object.fromEntries(groups.map((g) => [g.groupId, g]));

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('acme'));
    bobId = (await scim('create-bob', 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'bob@acme.test' })).body.id;
    eng = (await scim('create-eng', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'eng', members: [{ value: bobId }] })).body.id;
    allStaff = (await scim('create-all-staff', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'all-staff' })).body.id;
    vpn = (await scim('create-vpn', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'vpn' })).body.id;
    await addMember('nest-eng', allStaff, eng);
    await addMember('nest-all-staff', vpn, allStaff);
    await scim('bob-direct-in-vpn', 'PATCH', `/Groups/${vpn}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: bobId }] }] });
    await scim('bob-out-of-vpn', 'PATCH', `/Groups/${vpn}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${bobId}"]` }] });
    await scim('unnest-eng', 'PATCH', `/Groups/${allStaff}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${eng}"]` }] });
    await pause(15);
    const changes = await h.admin('GET', '/tenants/acme/audit/changes?count=1000');
    for (const change of changes.body.Resources) at[change.correlationId] ??= change.at;
  });

  afterAll(async () => {
    await h.close();
  });

  it('groups/{id}/members?effective=true: the users a group grants access to through nesting, each once, with the path that held', async () => {
    const members = async (instant: string, effective: boolean) => {
      const response = await h.admin('GET', `/tenants/acme/audit/groups/${vpn}/members?at=${instant}&effective=${effective}`);
      expect(response.status).toBe(200);
      return response.body as { effective: boolean; totalResults: number; members: Array<{ value: string; type: string; via?: string; since: string }> };
    };
    const nested = between(at['nest-all-staff']!, at['bob-direct-in-vpn']!);
    expect((await members(nested, false)).members).toEqual([expect.objectContaining({ value: allStaff, type: 'Group' })]);
    const effective = await members(nested, true);
    expect(effective).toMatchObject({ effective: true, totalResults: 1 });
    // Described as users/{id}/access describes vpn for bob: via the member group of vpn, since the whole path held.
    expect(effective.members).toEqual([expect.objectContaining({ value: bobId, type: 'User', via: allStaff, since: at['nest-all-staff'], addedBy: expect.objectContaining({ correlationId: 'nest-all-staff' }) })]);
    const access = (await h.admin('GET', `/tenants/acme/audit/users/${bobId}/access?at=${nested}`)).body.groups.find((g: { groupId: string }) => g.groupId === vpn);
    expect(effective.members[0]).toMatchObject({ via: access.via, since: access.since, addedBy: access.addedBy });
    const direct = (await members(between(at['bob-direct-in-vpn']!, at['bob-out-of-vpn']!), true)).members;
    expect(direct).toEqual([expect.objectContaining({ value: bobId, since: at['bob-direct-in-vpn'] })]);
    expect(direct[0]).not.toHaveProperty('via');
    expect((await members(new Date().toISOString(), true)).members).toEqual([]);
    expect((await h.admin('GET', `/tenants/acme/audit/groups/${vpn}/members?effective=yes`)).status).toBe(400);
  });

  it('a group added as a member without a type still counts as a group: in members, effective members and exports', async () => {
    const ops = (await scim('create-ops', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'ops' })).body.id;
    await scim('untyped-nest', 'PATCH', `/Groups/${ops}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: eng }] }] });
    await pause(15);
    const now = new Date().toISOString();
    const direct = await h.admin('GET', `/tenants/acme/audit/groups/${ops}/members?at=${now}`);
    expect(direct.body.members).toEqual([expect.objectContaining({ value: eng, type: 'Group' })]);
    const effective = await h.admin('GET', `/tenants/acme/audit/groups/${ops}/members?at=${now}&effective=true`);
    expect(effective.body.members).toEqual([expect.objectContaining({ value: bobId, type: 'User', via: eng })]);
    // The evidence bundle's snapshot is the state answer at the period's end, nested groups included.
    const bundle = await fetch(`${h.url}/tenants/acme/audit/export?format=jsonl&to=${now}`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
    const snapshot = (await bundle.text()).trim().split('\n').map((line) => JSON.parse(line)).find((r) => r.kind === 'snapshot' && r.userId === bobId);
    const state = await h.admin('GET', `/tenants/acme/audit/users/${bobId}/state?at=${snapshot.at}`);
    expect(snapshot.resource).toEqual(state.body.resource);
    expect(snapshot.resource.groups).toEqual(expect.arrayContaining([expect.objectContaining({ value: ops, type: 'indirect' })]));
  });

  it('before any nesting: the direct group only', async () => {
    const { groups } = await access(between(at['create-vpn']!, at['nest-eng']!));
    expect(groups).toEqual([expect.objectContaining({ groupId: eng, displayName: 'eng', type: 'direct', since: at['create-eng'] })]);
  });

  it('two levels of nesting: each inherited group, the group it came through, since when the whole path held, and the request that made the link', async () => {
    const groups = byId((await access(between(at['nest-all-staff']!, at['bob-direct-in-vpn']!))).groups);
    expect(Object.keys(groups).sort()).toEqual([eng, allStaff, vpn].sort());
    expect(groups[eng]).toMatchObject({ type: 'direct' });
    expect(groups[eng]).not.toHaveProperty('via');
    expect(groups[allStaff]).toMatchObject({ displayName: 'all-staff', type: 'indirect', via: eng, since: at['nest-eng'], addedBy: { correlationId: 'nest-eng' } });
    expect(groups[vpn]).toMatchObject({ displayName: 'vpn', type: 'indirect', via: allStaff, since: at['nest-all-staff'], addedBy: { correlationId: 'nest-all-staff' } });
  });

  it('a group the user is also directly in counts as direct, as SCIM reads say', async () => {
    const groups = byId((await access(between(at['bob-direct-in-vpn']!, at['bob-out-of-vpn']!))).groups);
    expect(groups[vpn]).toMatchObject({ type: 'direct', addedBy: { correlationId: 'bob-direct-in-vpn' } });
    expect(groups[allStaff]).toMatchObject({ type: 'indirect', via: eng });
  });

  it('the point-in-time SCIM resource lists the inherited groups as indirect', async () => {
    const state = await h.admin('GET', `/tenants/acme/audit/users/${bobId}/state?at=${between(at['nest-all-staff']!, at['bob-direct-in-vpn']!)}`);
    expect(state.status).toBe(200);
    const listed = state.body.resource.groups as Array<{ value: string }>;
    const groups = byId(listed.map((g) => ({ ...g, groupId: g.value })));
    expect(groups[eng]).toMatchObject({ type: 'direct' });
    expect(groups[allStaff]).toMatchObject({ type: 'indirect', display: 'all-staff' });
    expect(groups[vpn]).toMatchObject({ type: 'indirect', display: 'vpn' });
  });

  it('when the link is removed, every group it granted goes with it', async () => {
    const { groups } = await access(new Date(Date.parse(at['unnest-eng']!) + 1).toISOString());
    expect(groups).toEqual([expect.objectContaining({ groupId: eng, type: 'direct' })]);
  });
});
