import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './ledger-harness';

describe('OpenAPI description of the admin and audit APIs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('is served at /docs and matches the committed apps/ledger/openapi.json (run `npm run openapi` after changing an endpoint)', async () => {
    const served = await (await fetch(`${h.url}/docs/openapi.json`)).json();
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
    expect((await fetch(`${h.url}/docs`)).status).toBe(200);
  });

  it('describes the interfaces others rely on, and no SCIM route', async () => {
    const served = (await (await fetch(`${h.url}/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(served.paths)).toEqual(expect.arrayContaining(['/health', '/admin/tenants', '/admin/tenants/{tenant}/tokens', '/admin/tenants/{tenant}/tokens/{id}']));
    expect(Object.keys(served.paths).filter((p) => p.includes('/scim/'))).toEqual([]);
  });
});
