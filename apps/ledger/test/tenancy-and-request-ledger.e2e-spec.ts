import { execSync } from 'node:child_process';
import { PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

describe('tenants, tokens and the request ledger', () => {
  let h: Harness;
  const users = (tenant: string) => `/tenants/${tenant}/scim/v2/Users`;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** Waits until the ledger index holds `count` requests matching the query. */
  async function ledger(tenant: string, query: string, count = 1): Promise<any[]> {
    for (let i = 0; i < 100; i++) {
      const { body } = await h.admin('GET', `/tenants/${tenant}/audit/requests?${query}`);
      if (body.requests.length >= count) return body.requests;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`ledger for ${tenant} never had ${count} requests matching ${query}`);
  }

  it('answers each 401 cause with its own detail and records each attempt', async () => {
    const { token, tokenId } = await h.tenantWithToken('authco');
    const cases: Array<[string, Record<string, string>, RegExp, string]> = [
      ['missing', {}, /no Authorization header/, 'missing'],
      ['malformed', { authorization: `Token ${token}` }, /not "Bearer scim_/, 'malformed'],
      ['unknown', { authorization: 'Bearer scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /not recognised/, 'unknown'],
    ];
    for (const [name, headers, detail, reason] of cases) {
      const response = await fetch(`${h.url}${users('authco')}`, { headers: { 'x-request-id': `probe-${name}`, ...headers } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(response.headers.get('x-correlation-id')).toBe(`probe-${name}`);
      const body = (await response.json()) as { status: string; detail: string };
      expect(body.status).toBe('401');
      expect(body.detail).toMatch(detail);
      const [recorded] = await ledger('authco', `correlationId=probe-${name}`);
      expect(recorded).toMatchObject({ status: 401, authFailure: reason });
    }

    const expired = await h.admin('PUT', `/admin/tenants/authco/tokens/${tokenId}/expiry`, { expiresAt: '2020-01-01T00:00:00.000Z' });
    expect(expired.status).toBe(200);
    const afterExpiry = await h.scim(token, 'GET', users('authco'));
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.body.detail).toMatch(/expired at 2020-01-01/);
    // Issued already expired, a token could never work: refused rather than handed out.
    const stillborn = await h.admin('POST', '/admin/tenants/authco/tokens', { name: 'late', idp: 'entra', expiresAt: '2020-01-01T00:00:00.000Z' });
    expect(stillborn.status).toBe(400);
    expect(JSON.stringify(stillborn.body)).toContain('is not in the future');
    expect(JSON.stringify(stillborn.body)).not.toContain('scim_');
    // A body that fails validation: one message, as on every other error, and the list beside it.
    const invalid = await h.admin('POST', '/admin/tenants/authco/tokens', { idp: 'entra' });
    expect(invalid.status).toBe(400);
    expect(typeof invalid.body.message).toBe('string');
    expect(invalid.body.errors).toEqual(expect.arrayContaining([expect.stringContaining('name')]));
  });

  it('refuses a valid token on another tenant\'s URL and records it as a wrong-tenant attempt with both tenants', async () => {
    const { token, tokenId } = await h.tenantWithToken('tenant-a');
    await h.tenantWithToken('tenant-b');
    const response = await h.scim(token, 'GET', users('tenant-b'), undefined, { 'client-request-id': 'wrong-url-1' });
    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/different tenant.*base URL/);
    expect(response.body.detail).not.toContain('tenant-a');
    const [recorded] = await ledger('tenant-b', 'correlationId=wrong-url-1');
    expect(recorded).toMatchObject({ tenantId: 'tenant-b', tokenTenant: 'tenant-a', tokenId, authFailure: 'wrong_tenant' });
    // The token's own tenant sees the attempt too.
    const [seenByOwner] = await ledger('tenant-a', 'correlationId=wrong-url-1');
    expect(seenByOwner.requestId).toBe(recorded.requestId);
  });

  it('keeps the old token valid during rotation until it is revoked, and revoking takes effect on the next request', async () => {
    const { token: oldToken, tokenId: oldId } = await h.tenantWithToken('rotco', 'okta');
    const rotated = await h.admin('POST', '/admin/tenants/rotco/tokens', { name: 'okta-prod-2', idp: 'okta', expiresAt: null, rotatedFrom: oldId });
    expect(rotated.status).toBe(201);
    expect(rotated.body.rotatedFrom).toBe(oldId);
    expect((await h.scim(oldToken, 'GET', users('rotco'))).status).toBe(200);
    expect((await h.scim(rotated.body.token, 'GET', users('rotco'))).status).toBe(200);

    expect((await h.admin('DELETE', `/admin/tenants/rotco/tokens/${oldId}`)).status).toBe(200);
    const refused = await h.scim(oldToken, 'GET', users('rotco'));
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/was revoked/);
    expect((await h.scim(rotated.body.token, 'GET', users('rotco'))).status).toBe(200);
  });

  it('answers 403 for a suspended tenant, records it, and serves again once resumed', async () => {
    const { token } = await h.tenantWithToken('suspco');
    expect((await h.admin('PUT', '/admin/tenants/suspco/suspension', { suspended: true, reason: 'offboarding' })).body.status).toBe('suspended');
    const refused = await h.scim(token, 'POST', users('suspco'), { schemas: [USER_SCHEMA], userName: 'x@suspco.com' }, { 'x-request-id': 'while-suspended' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/suspended/);
    const [recorded] = await ledger('suspco', 'correlationId=while-suspended');
    expect(recorded).toMatchObject({ status: 403, authFailure: 'suspended' });
    await h.admin('PUT', '/admin/tenants/suspco/suspension', { suspended: false });
    expect((await h.scim(token, 'POST', users('suspco'), { schemas: [USER_SCHEMA], userName: 'x@suspco.com' })).status).toBe(201);
  });

  it('reports the success rate of a scripted mix of good and bad requests, per tenant and per token', async () => {
    const { token, tokenId } = await h.tenantWithToken('diagco');
    for (let n = 0; n < 8; n++) await h.scim(token, 'POST', users('diagco'), { schemas: [USER_SCHEMA], userName: `user${n}@diagco.com` });
    await h.scim(token, 'POST', users('diagco'), { schemas: [USER_SCHEMA], userName: 'user0@diagco.com' }); // 409
    await h.scim(token, 'GET', `${users('diagco')}/does-not-exist`); // 404
    await ledger('diagco', `tokenId=${tokenId}`, 10);

    const { body } = await h.admin('GET', '/admin/tenants/diagco/diagnostics?windowSeconds=600');
    expect(body.overall).toMatchObject({ requests: 10, succeeded: 8, successRate: 0.8, health: 'incident', byStatus: { '201': 8, '409': 1, '404': 1 }, byScimType: { uniqueness: 1 } });
    const perToken = body.tokens.find((t: { id: string }) => t.id === tokenId);
    expect(perToken).toMatchObject({ useCount: 10, lastFailureStatus: 404, window: { requests: 10, successRate: 0.8 } });
    expect(perToken.lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('builds an escalation package: the request, our answer, its events and the state before and after', async () => {
    const { token } = await h.tenantWithToken('escco');
    const created = await h.scim(token, 'POST', users('escco'), { schemas: [USER_SCHEMA], userName: 'esc@escco.com', title: 'Analyst' });
    const patched = await h.scim(token, 'PATCH', `${users('escco')}/${created.body.id}`, {
      schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Manager' }, { op: 'replace', path: 'active', value: false }],
    }, { 'client-request-id': 'ticket-4711' });
    expect(patched.status).toBe(200);
    const [recorded] = await ledger('escco', 'correlationId=ticket-4711');

    const { status, body } = await h.admin('GET', `/tenants/escco/audit/requests/${recorded.requestId}/escalation`);
    expect(status).toBe(200);
    expect(body.request).toMatchObject({ method: 'PATCH', status: 200, correlationId: 'ticket-4711', correlationSource: 'idp' });
    expect(body.response).toMatchObject({ status: 200 });
    const [resource] = body.resources;
    expect(resource.events.map((e: { type: string }) => e.type)).toEqual(['UserAttributesChanged', 'UserDeactivated']);
    // One append of two events: the ledger names each event's own position, not the last one twice.
    const produced = body.request.produced as Array<{ type: string; position: string }>;
    expect(produced.map((p) => p.type)).toEqual(['UserAttributesChanged', 'UserDeactivated']);
    expect(produced.map((p) => p.position)).toEqual(resource.events.map((e: { position: string }) => String(e.position)));
    expect(new Set(produced.map((p) => p.position)).size).toBe(2);
    expect(resource.before).toMatchObject({ active: true, attributes: { title: 'Analyst' } });
    expect(resource.after).toMatchObject({ active: false, attributes: { title: 'Manager' } });
  });

  it('never lets a token secret or a password reach the data directory, the ledger or the logs', async () => {
    const { token } = await h.tenantWithToken('secretco');
    await h.scim(token, 'POST', users('secretco'), { schemas: [USER_SCHEMA], userName: 'pw@secretco.com', password: 'Pa55-word-XYZ-123' });
    await h.scim(token, 'PATCH', `${users('secretco')}/nope`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Other-Pa55-ABC' }] });
    await ledger('secretco', '', 2);
    for (const secret of [token, 'Pa55-word-XYZ-123', 'Other-Pa55-ABC']) {
      expect(execSync(`grep -rl -- '${secret}' ${h.dir.path} || true`).toString().trim()).toBe('');
    }
    const { body } = await h.admin('GET', '/tenants/secretco/audit/requests');
    expect(JSON.stringify(body)).not.toMatch(/Pa55|scim_/);
  });

  it('lets an auditor token of the tenant read its request ledger, and nobody else\'s', async () => {
    await h.tenantWithToken('audco');
    const { body: auditor } = await h.admin('POST', '/admin/tenants/audco/auditors', { name: 'q4-review' });
    const own = await fetch(`${h.url}/tenants/audco/audit/requests`, { headers: { authorization: `Bearer ${auditor.token}` } });
    expect(own.status).toBe(200);
    const other = await fetch(`${h.url}/tenants/escco/audit/requests`, { headers: { authorization: `Bearer ${auditor.token}` } });
    expect(other.status).toBe(403);
    const diagnostics = await fetch(`${h.url}/admin/tenants/audco/diagnostics`, { headers: { authorization: `Bearer ${auditor.token}` } });
    expect(diagnostics.status).toBe(401);
  });

  it('records unauthenticated garbage on unknown tenants too', async () => {
    const response = await fetch(`${h.url}/tenants/No Such Tenant!/scim/v2/Users`);
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-request-id')!;
    let recorded: { requestId: string; authFailure: string } | undefined;
    for (let i = 0; i < 100 && !recorded; i++) {
      const { body } = await h.admin('GET', `/admin/unrouted-requests?requestId=${requestId}`);
      recorded = body.requests[0];
      if (!recorded) await new Promise((r) => setTimeout(r, 20));
    }
    expect(recorded).toMatchObject({ requestId, authFailure: 'missing' });
  });
});
