import { tempDir, type TempDir } from '@ledger/testing';
import { startServiceProcess, waitForHealth } from './service-process';

const ADMIN = 'shutdown-admin-token-0123456789';

const start = (dataDir: string, port: number) =>
  startServiceProcess({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn' }, { output: 'stderr' });
const healthy = (url: string) => waitForHealth(url, 30_000);

describe('graceful shutdown', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir('shutdown');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('on SIGTERM under load finishes in-flight writes: no 5xx, and every acknowledged write is there after a restart', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const url = `http://127.0.0.1:${port}`;
    const first = start(dir.path, port);
    await healthy(url);
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    await fetch(`${url}/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'acme' }) });
    const { token } = (await (await fetch(`${url}/admin/tenants/acme/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'entra', idp: 'entra', expiresAt: null }) })).json()) as { token: string };

    const acknowledged: string[] = [];
    const statuses: number[] = [];
    let stopping = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let n = 0; !stopping || n < 0; n++) {
        try {
          const response = await fetch(`${url}/tenants/acme/scim/v2/Users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `w${w}-${n}@acme.com` }),
          });
          statuses.push(response.status);
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
          else await response.text();
        } catch {
          return; // connection refused once the server has closed: expected, not an error answer
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    stopping = true;
    await Promise.all(writers);

    expect(acknowledged.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);

    const second = start(dir.path, port);
    try {
      await healthy(url);
      for (const id of acknowledged) {
        const response = await fetch(`${url}/tenants/acme/scim/v2/Users/${id}`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);
});
