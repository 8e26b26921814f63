import { tempDir, type TempDir } from '@ledger/testing';
import { runCli } from '../src/cli/run-cli';
import { USER_SCHEMA } from './ledger-harness';
import { randomPort, startServiceProcess, waitForHealth, type ServiceProcess } from './service-process';

const ADMIN = 'scim-kill-admin-token-0123456789';

/**
 * DESIGN.md section 5: an acknowledged write survives kill -9. An IdP provisions users with 16
 * requests in flight; the process is SIGKILLed mid-load. After a restart every user that got a
 * 201 is there as it was answered, its userName is still claimed, and every stream's hash chain
 * verifies.
 */
describe('SCIM writes across kill -9', () => {
  let dir: TempDir;
  let service: ServiceProcess | null = null;
  beforeAll(async () => {
    dir = await tempDir('scim-kill');
  });
  afterAll(async () => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    await dir.remove();
  });

  it('keeps every acknowledged create, and nothing a restart cannot fold', async () => {
    const port = randomPort();
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir.path, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' };
    const call = async (method: string, path: string, body: unknown, bearer: string) => {
      const response = await fetch(`${url}${path}`, {
        method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/scim+json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json().catch(() => null)) as any };
    };

    service = startServiceProcess(env, { output: 'ignore' });
    await waitForHealth(url);
    expect((await call('POST', '/admin/tenants', { id: 'acme', name: 'Acme' }, ADMIN)).status).toBe(201);
    const token = (await call('POST', '/admin/tenants/acme/tokens', { name: 'entra', idp: 'entra', expiresAt: null }, ADMIN)).body.token as string;

    const acknowledged = new Map<string, string>();
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        const userName = `crash-${next++}@acme.test`;
        try {
          const created = await call('POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName, externalId: `ext-${userName}` }, token);
          if (created.status === 201) acknowledged.set(created.body.id, userName);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = Array.from({ length: 16 }, writer);
    while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 20));
    killed = true;
    service.child.kill('SIGKILL');
    await service.exited;
    await Promise.all(writers);

    service = startServiceProcess(env, { output: 'ignore' });
    await waitForHealth(url);
    const missing: string[] = [];
    for (const [id, userName] of acknowledged) {
      const read = await call('GET', `/tenants/acme/scim/v2/Users/${id}`, undefined, token);
      if (read.status !== 200 || read.body.userName !== userName) missing.push(`${id} ${userName}: ${read.status}`);
    }
    expect(missing).toEqual([]);
    const someone = [...acknowledged.values()][0]!;
    const again = await call('POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName: someone.toUpperCase() }, token);
    expect(again).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    service.child.kill('SIGTERM');
    await service.exited;

    let out = '';
    const code = await runCli(['verify', '--store', '--data-dir', dir.path], { out: (line) => (out += `${line}\n`), err: (line) => (out += `${line}\n`), env: {} });
    expect({ code, out }).toMatchObject({ code: 0 });
  }, 120_000);
});
