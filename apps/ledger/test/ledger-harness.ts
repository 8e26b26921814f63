import 'reflect-metadata';
import { tempDir, type TempDir } from '@ledger/testing';
import type { DestinationStream } from 'pino';
import { startLedger, type RunningLedger } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';

export interface Harness {
  ledger: RunningLedger;
  dir: TempDir;
  url: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  scim(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates a tenant and an IdP token for it; returns the token secret. */
  tenantWithToken(tenant: string, idp?: string): Promise<{ token: string; tokenId: string }>;
  close(): Promise<void>;
}

/** The real app over real HTTP on a free loopback port, with its own data directory. */
export interface HarnessOptions {
  logLevel?: string;
  /** Extra configuration variables, e.g. KAFKA_BROKERS. */
  env?: Record<string, string>;
  logDestination?: DestinationStream;
}

export async function startHarness(existing?: TempDir, options: HarnessOptions = {}): Promise<Harness> {
  const dir = existing ?? (await tempDir('e2e'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir.path, ADMIN_TOKEN: 'test-admin-token-0123456789', LOG_LEVEL: options.logLevel ?? 'silent', ...options.env });
  const ledger = await startLedger(config, { logDestination: options.logDestination });
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${ledger.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };
  const harness: Harness = {
    ledger,
    dir,
    url: ledger.url,
    admin: (method, path, body) => call(method, path, body, { authorization: `Bearer ${ledger.adminToken}`, 'content-type': 'application/json' }),
    scim: (token, method, path, body, headers = {}) => call(method, path, body, { authorization: `Bearer ${token}`, ...headers }),
    async tenantWithToken(tenant, idp = 'entra') {
      const created = await harness.admin('POST', '/admin/tenants', { id: tenant, name: tenant });
      if (created.status !== 201 && created.status !== 409) throw new Error(`tenant create failed: ${JSON.stringify(created.body)}`);
      const issued = await harness.admin('POST', `/admin/tenants/${tenant}/tokens`, { name: `${idp}-prod`, idp, expiresAt: null });
      if (issued.status !== 201) throw new Error(`token issue failed: ${JSON.stringify(issued.body)}`);
      return { token: issued.body.token, tokenId: issued.body.id };
    },
    close: async () => {
      await ledger.close();
      if (!existing) await dir.remove();
    },
  };
  return harness;
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
