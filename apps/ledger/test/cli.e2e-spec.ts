import { runCli } from '../src/cli/run-cli';
import { startHarness, type Harness } from './ledger-harness';

describe('the CLI, for people who live in a terminal', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      out: (line) => (out += `${line}\n`),
      err: (line) => (err += `${line}\n`),
      env: { LEDGER_URL: h.url, ADMIN_TOKEN: h.ledger.adminToken },
    });
    return { code, out, err };
  }

  it('creates a tenant, issues a token that works for SCIM, lists and revokes it', async () => {
    expect((await cli('tenants', 'create', '--id', 'globex', '--name', 'Globex')).code).toBe(0);
    expect((await cli('tenants', 'list')).out).toContain('globex\tactive\tGlobex');

    const issued = await cli('tokens', 'create', '--tenant', 'globex', '--name', 'okta-prod', '--idp', 'okta');
    expect(issued.code).toBe(0);
    const secret = /secret \(shown once\): (scim_\S+)/.exec(issued.out)![1]!;
    const tokenId = /token id: (\S+)/.exec(issued.out)![1]!;
    expect((await h.scim(secret, 'GET', '/tenants/globex/scim/v2/Users')).status).toBe(200);

    const listed = await cli('tokens', 'list', '--tenant', 'globex');
    expect(listed.out).toContain(`${tokenId}\tokta-prod\tokta\tactive`);
    expect(listed.out).not.toContain(secret);

    expect((await cli('tokens', 'revoke', '--tenant', 'globex', '--id', tokenId)).code).toBe(0);
    expect((await h.scim(secret, 'GET', '/tenants/globex/scim/v2/Users')).status).toBe(401);
  });

  it('explains a missing flag and an unknown command', async () => {
    const missing = await cli('tenants', 'create');
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('--id is required');
    expect((await cli('frobnicate')).code).toBe(64);
  });
});
