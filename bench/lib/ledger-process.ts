import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startServerProcess, type ServerProcess } from './server-process';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const TENANT = 'bench';

export interface RunningService {
  server: ServerProcess;
  /** The tenant's SCIM bearer token. */
  token: string;
  tenant: string;
  scimBase: string;
  dataDir: string;
  /** How the service was started: the compiled build (realistic) or TypeScript sources via swc. */
  mode: 'build' | 'source';
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Where main is: a bench running from the compiled build (run-all.mjs compiles apps, libs and
 * bench together) starts the compiled service next to it; a bench run from TypeScript sources
 * starts the service from sources too.
 */
function mainScript(): { args: string[]; mode: 'build' | 'source' } {
  if (__filename.endsWith('.js')) return { args: [resolve(__dirname, '../../apps/ledger/src/main.js')], mode: 'build' };
  return { args: ['-r', '@swc-node/register', resolve(__dirname, '../../apps/ledger/src/main.ts')], mode: 'source' };
}

export async function startService(options: { dataDir?: string; nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<RunningService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  const port = await freePort();
  const main = mainScript();
  let server: ServerProcess | null = null;
  try {
    server = await startServerProcess({
      args: [...(options.nodeArgs ?? []), ...main.args],
      env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'warn', ...options.env },
      port,
      readyPath: '/health',
      cwd: main.mode === 'source' ? resolve(__dirname, '../..') : undefined,
    });
    const token = await tenantWithToken(server.url);
    return running(server, token);
  } catch (error) {
    await server?.stop();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  function running(started: ServerProcess, token: string): RunningService {
    return {
      server: started,
      token,
      tenant: TENANT,
      scimBase: `/tenants/${TENANT}/scim/v2`,
      dataDir,
      mode: main.mode,
      stop: async ({ keepData = false } = {}) => {
        await started.stop();
        if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}

/** Creates the bench tenant and an IdP token for it; returns the token secret. */
async function tenantWithToken(url: string): Promise<string> {
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const tenantCreated = await admin('POST', '/admin/tenants', { id: TENANT, name: 'Bench' });
  if (tenantCreated.status !== 201 && tenantCreated.status !== 409) throw new Error(`tenant create answered ${tenantCreated.status}: ${await tenantCreated.text()}`);
  const issued = await admin('POST', `/admin/tenants/${TENANT}/tokens`, { name: 'bench', idp: 'entra', expiresAt: null });
  if (issued.status !== 201) throw new Error(`token issue answered ${issued.status}: ${await issued.text()}`);
  return ((await issued.json()) as { token: string }).token;
}
