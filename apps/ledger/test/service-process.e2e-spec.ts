import { tempDir, type TempDir } from '@ledger/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServiceProcess as startService, waitForHealth } from './service-process';

describe('the service process (what `npm start` runs)', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('process');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('boots on the embedded store with nothing else running, generates and prints an admin token once, and keeps data across a restart', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: port, HOST: '127.0.0.1', DATA_DIR: dir.path, ADMIN_TOKEN: '' };

    const first = startService(env);
    await waitForHealth(url);
    const adminToken = readFileSync(join(dir.path, 'admin-token'), 'utf8').trim();
    expect(first.output()).toContain(adminToken);
    const created = await fetch(`${url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', name: 'Acme' }),
    });
    expect(created.status).toBe(201);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startService(env);
    try {
      await waitForHealth(url);
      expect(second.output()).not.toContain(adminToken);
      const listed = await fetch(`${url}/admin/tenants`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(((await listed.json()) as { tenants: unknown[] }).tenants).toEqual([expect.objectContaining({ tenantId: 'acme', name: 'Acme' })]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);

  it('stops with one clear line and a non-zero exit code on a bad configuration', async () => {
    const bad = startService({ PORT: 'eighty', DATA_DIR: dir.path });
    const code = await bad.exited;
    expect(code).toBe(78);
    expect(bad.output().trim()).toBe('invalid configuration: PORT must be a whole number (got "eighty")');
  }, 30_000);
});
