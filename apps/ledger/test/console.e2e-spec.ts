import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { tempDir, type TempDir } from '@ledger/testing';
import { ConsoleAssets } from '../src/console/console-assets';
import { ConsoleModule } from '../src/console/console.module';
import { ensureConsoleBuilt } from '../../../test/console/console-build';
import { startHarness, type Harness } from './ledger-harness';

describe('the console is served by the service under /console', () => {
  let h: Harness;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    h = await startHarness();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('answers the page without a token, with a content security policy', async () => {
    const response = await fetch(`${h.url}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('<div id="root"></div>');
  });

  it('answers the app for any page path, so deep links and reloads work', async () => {
    for (const path of ['/console/', '/console/users/42', '/console/sla/cases/abc?tab=breaches']) {
      const response = await fetch(`${h.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(await response.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves the hashed assets the page names, cacheable for good', async () => {
    const html = await (await fetch(`${h.url}/console/`)).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const response = await fetch(`${h.url}${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect((await response.text()).length).toBeGreaterThan(1000);
  });

  it('answers 404 for a missing file and never serves anything outside the build', async () => {
    const missing = await fetch(`${h.url}/console/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    await missing.text();
    for (const path of ['/console/%2e%2e/%2e%2e/package.json', '/console/..%2f..%2fpackage.json', '/console/%2e%2e%2f%2e%2e%2fREADME.md']) {
      const response = await fetch(`${h.url}${path}`);
      const body = await response.text();
      expect({ path, leaked: body.includes('"name": "scim-ledger"') || body.includes('# scim-ledger') }).toEqual({ path, leaked: false });
    }
  });

  it('leaves the APIs alone: the audit API still wants a token', async () => {
    const health = await fetch(`${h.url}/health`);
    const audit = await fetch(`${h.url}/tenants/acme/audit/changes`);
    await Promise.all([health.text(), audit.text()]);
    expect([health.status, audit.status]).toEqual([200, 401]);
  });
});

describe('the console before it is built', () => {
  let app: INestApplication;
  let empty: TempDir;

  beforeAll(async () => {
    empty = await tempDir('console-missing');
    const moduleRef = await Test.createTestingModule({ imports: [ConsoleModule] })
      .overrideProvider(ConsoleAssets)
      .useValue(new ConsoleAssets(empty.path))
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await empty?.remove();
  });

  it('answers 503 saying how to build it, for the page and for its assets', async () => {
    const base = await app.getUrl();
    for (const path of ['/console', '/console/users/42', '/console/assets/index.js']) {
      const response = await fetch(`${base.replace('[::1]', '127.0.0.1')}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(await response.text()).toContain('console not built: run npm run build');
    }
  });
});
