import { ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const CHALLENGE = 'Bearer realm="scim-ledger"';
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="scim-ledger", error="invalid_token"';

describe('SCIM edges an IdP runs into: methods, discovery filters, bearer challenges, passwords, limits', () => {
  let h: Harness;
  let token: string;
  const base = '/tenants/edges/scim/v2';

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('edges', 'okta'));
  });
  afterAll(async () => {
    await h.close();
  });

  const createUser = async (userName: string, extra: Record<string, unknown> = {}) => {
    const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName, ...extra });
    expect(created.status).toBe(201);
    return created.body as { id: string; meta: { version: string }; [key: string]: unknown };
  };

  describe('methods a path does not support (RFC 9110 §15.5.6, RFC 7644 §3.11)', () => {
    it.each([
      ['PUT', '/Users', 'GET, HEAD, POST'],
      ['PATCH', '/Users', 'GET, HEAD, POST'],
      ['DELETE', '/Groups', 'GET, HEAD, POST'],
      ['POST', '/Users/0b6b3c5e-0000-4000-8000-000000000000', 'GET, HEAD, PUT, PATCH, DELETE'],
      ['GET', '/Users/.search', 'POST'],
      ['DELETE', '/ServiceProviderConfig', 'GET, HEAD'],
      ['POST', '/Schemas', 'GET, HEAD'],
      ['PUT', '/ResourceTypes/User', 'GET, HEAD'],
      ['GET', '/Bulk', 'POST'],
      ['GET', '/.search', 'POST'],
      ['OPTIONS', '/Users', 'GET, HEAD, POST'],
    ])('%s %s answers 405 with Allow: %s as a SCIM error', async (method, path, allow) => {
      const response = await h.scim(token, method, `${base}${path}`, method === 'GET' || method === 'OPTIONS' ? undefined : {});

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
      expect(response.body.detail).toContain(method);
      expect(response.body.detail).toContain(allow);
    });

    it('answers HEAD wherever it answers GET, as the Allow header says', async () => {
      for (const path of ['/ServiceProviderConfig', '/Users', `/Schemas/${USER_SCHEMA}`]) {
        expect((await h.scim(token, 'HEAD', `${base}${path}`)).status).toBe(200);
      }
    });

    it('answers /Me with 501 not supported, whatever the method', async () => {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const response = await h.scim(token, method, `${base}/Me`, method === 'GET' || method === 'DELETE' ? undefined : {});
        expect(response.status).toBe(501);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '501' });
        expect(response.body.detail).toMatch(/\/Me is not supported/);
      }
    });

    it('keeps 404 for a resource that does not exist here, without claiming it is supported', async () => {
      for (const path of ['/Widgets', '/Users/a/b', '/Bulk/1']) {
        const response = await h.scim(token, 'GET', `${base}${path}`);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
        expect(response.headers.get('allow')).toBeNull();
      }
    });
  });

  describe('discovery given a filter (RFC 7644 §4)', () => {
    it.each(['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/User', '/Schemas', `/Schemas/${USER_SCHEMA}`])(
      'GET %s?filter=... answers 403, so a client never takes the full list as filtered',
      async (path) => {
        const response = await h.scim(token, 'GET', `${base}${path}?filter=${encodeURIComponent('id eq "x"')}`);

        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '403' });
        expect(response.body.detail).toMatch(/filtering is not supported on discovery/);
      },
    );

    it('still answers discovery without a filter', async () => {
      expect((await h.scim(token, 'GET', `${base}/Schemas`)).status).toBe(200);
    });
  });

  describe('bearer challenges (RFC 6750 §3)', () => {
    const probe = (authorization?: string) => fetch(`${h.url}${base}/Users`, { headers: authorization ? { authorization } : {} });

    it('answers a request without credentials with a plain challenge, no error code', async () => {
      for (const response of [await probe(), await probe('Basic dXNlcjpwYXNz')]) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(CHALLENGE);
      }
    });

    it('answers a garbled or unknown bearer token with error="invalid_token"', async () => {
      for (const response of [await probe('Bearer not-a-token'), await probe(`Bearer scim_${'A'.repeat(40)}`)]) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE);
      }
    });

    it('answers an expired and then a revoked token with error="invalid_token"', async () => {
      const { token: doomed, tokenId: doomedId } = await h.tenantWithToken('edges', 'entra');
      await h.admin('PUT', `/admin/tenants/edges/tokens/${doomedId}/expiry`, { expiresAt: '2020-01-01T00:00:00.000Z' });
      const expired = await h.scim(doomed, 'GET', `${base}/Users`);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE);

      await h.admin('DELETE', `/admin/tenants/edges/tokens/${doomedId}`);
      const revoked = await h.scim(doomed, 'GET', `${base}/Users`);
      expect(revoked.status).toBe(401);
      expect(revoked.body.detail).toMatch(/revoked/);
      expect(revoked.headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE);
    });
  });

  describe('passwords, with changePassword advertised as not supported', () => {
    it('advertises changePassword as not supported', async () => {
      expect((await h.scim(token, 'GET', `${base}/ServiceProviderConfig`)).body.changePassword).toEqual({ supported: false });
    });

    it('refuses a PATCH whose only effect would be a new password with 400 mutability, and changes nothing', async () => {
      const user = await createUser('pw.patch@edges.com', { password: 'Initial-Pa55' });
      const operations = [
        [{ op: 'replace', path: 'password', value: 'N3w-Pa55-word' }],
        [{ op: 'replace', value: { password: 'N3w-Pa55-word' } }],
        [{ op: 'add', path: 'password', value: 'N3w-Pa55-word' }],
      ];
      for (const Operations of operations) {
        const response = await h.scim(token, 'PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_OP], Operations });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'mutability' });
        expect(response.body.detail).toMatch(/changePassword is not supported/);
        expect(JSON.stringify(response.body)).not.toContain('N3w-Pa55');
      }
      expect((await h.scim(token, 'GET', `${base}/Users/${user.id}`)).body.meta.version).toBe(user.meta.version);
    });

    it('refuses a PUT that repeats the user and only adds a password', async () => {
      const user = await createUser('pw.put@edges.com', { title: 'Analyst' });
      const response = await h.scim(token, 'PUT', `${base}/Users/${user.id}`, { ...user, password: 'N3w-Pa55-word' });

      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('mutability');
      expect(response.body.detail).toMatch(/changePassword is not supported/);
    });

    it('applies the other changes of a write that also carries a password, and still never stores the password', async () => {
      const user = await createUser('pw.mixed@edges.com', { password: 'Initial-Pa55' });
      const patched = await h.scim(token, 'PATCH', `${base}/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { title: 'Lead', password: 'Mixed-Pa55-word' } }],
      });
      expect(patched.status).toBe(200);
      expect(patched.body.title).toBe('Lead');
      expect(JSON.stringify(patched.body)).not.toContain('Mixed-Pa55');
      const put = await h.scim(token, 'PUT', `${base}/Users/${user.id}`, { ...patched.body, title: 'Head', password: 'Mixed-Pa55-word' });
      expect(put.status).toBe(200);
      expect(put.body.title).toBe('Head');
    });
  });

  describe('wording of errors', () => {
    it('says what the POST body was instead of "a undefined"', async () => {
      const none = await h.scim(token, 'POST', `${base}/Users`, undefined, { 'content-type': 'application/scim+json' });
      expect(none.status).toBe(400);
      expect(none.body.detail).toMatch(/got no body$/);
      expect((await h.scim(token, 'POST', `${base}/Users`, [])).body.detail).toMatch(/got an array$/);
      expect((await h.scim(token, 'POST', `${base}/Users`, '"text"')).body.detail).toMatch(/got a string$/);
    });

    it('says a deleted user or group was deleted on GET, as DELETE and PATCH do', async () => {
      const user = await createUser('gone@edges.com');
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'gone-group' });
      expect((await h.scim(token, 'DELETE', `${base}/Users/${user.id}`)).status).toBe(204);
      expect((await h.scim(token, 'DELETE', `${base}/Groups/${group.body.id}`)).status).toBe(204);

      for (const path of [`/Users/${user.id}`, `/Groups/${group.body.id}`]) {
        const got = await h.scim(token, 'GET', `${base}${path}`);
        const deleted = await h.scim(token, 'DELETE', `${base}${path}`);
        expect(got.status).toBe(404);
        expect(got.body.detail).toMatch(/not found \(it was deleted\)$/);
        expect(got.body.detail).toBe(deleted.body.detail);
      }
      const never = await h.scim(token, 'GET', `${base}/Users/0b6b3c5e-0000-4000-8000-000000000000`);
      expect(never.body.detail).toMatch(/not found$/);
    });
  });

  describe('length limits on identifiers', () => {
    const long = 'x'.repeat(1025);

    it('accepts 1024 characters and refuses more in userName, externalId and a group displayName with 400 invalidValue', async () => {
      await createUser(`${'y'.repeat(1024 - '@edges.com'.length)}@edges.com`);
      const refusals = [
        await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: long }),
        await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'ext.long@edges.com', externalId: long }),
        await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: long }),
        await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'ext-long', externalId: long }),
      ];
      for (const response of refusals) {
        expect(response.status).toBe(400);
        expect(response.body.scimType).toBe('invalidValue');
        expect(response.body.detail).toMatch(/1025 characters; at most 1024/);
      }
    });

    it('refuses a too long userName on PUT and PATCH too', async () => {
      const user = await createUser('short@edges.com');
      const put = await h.scim(token, 'PUT', `${base}/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: long });
      const patch = await h.scim(token, 'PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: long }] });
      for (const response of [put, patch]) {
        expect(response.status).toBe(400);
        expect(response.body.scimType).toBe('invalidValue');
        expect(response.body.detail).toContain('at most 1024');
      }
    });
  });

  describe('discovery of externalId (RFC 7643 §3.1, §7)', () => {
    it('describes User externalId as unique per tenant, as it is enforced', async () => {
      const schema = await h.scim(token, 'GET', `${base}/Schemas/${USER_SCHEMA}`);
      const externalId = schema.body.attributes.find((attribute: { name: string }) => attribute.name === 'externalId');

      expect(externalId).toMatchObject({ type: 'string', multiValued: false, required: false, caseExact: true, mutability: 'readWrite', returned: 'default', uniqueness: 'server' });
      await createUser('ext.one@edges.com', { externalId: 'shared-ext' });
      const duplicate = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'ext.two@edges.com', externalId: 'shared-ext' });
      expect(duplicate.body.scimType).toBe('uniqueness');
    });
  });
});

describe('resource locations behind a proxy', () => {
  it('builds meta.location, Location and member $ref from PUBLIC_BASE_URL, whatever Host the request carried', async () => {
    const h = await startHarness(undefined, { env: { PUBLIC_BASE_URL: 'https://scim.example.com/ledger/' } });
    try {
      const { token } = await h.tenantWithToken('proxied');
      const base = '/tenants/proxied/scim/v2';
      const user = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'behind@proxy.test' }, { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' });
      const expected = `https://scim.example.com/ledger${base}/Users/${user.body.id}`;
      expect(user.body.meta.location).toBe(expected);
      expect(user.headers.get('location')).toBe(expected);
      const group = await h.scim(token, 'POST', `${base}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'proxied', members: [{ value: user.body.id }] });
      expect(group.body.members[0].$ref).toBe(expected);
    } finally {
      await h.close();
    }
  });

  it('without PUBLIC_BASE_URL, follows the proxy headers X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const h = await startHarness();
    try {
      const { token } = await h.tenantWithToken('forwarded');
      const user = await h.scim(token, 'POST', '/tenants/forwarded/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'fwd@proxy.test' }, { 'X-Forwarded-Host': 'scim.example.org', 'X-Forwarded-Proto': 'https' });
      expect(user.body.meta.location).toBe(`https://scim.example.org/tenants/forwarded/scim/v2/Users/${user.body.id}`);
    } finally {
      await h.close();
    }
  });
});
