import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Routing keys given inline in an SLA policy, kept out of the event log: the policy event names
 * a key by reference (`routingKeyRef`), and the key itself lives in one file of DATA_DIR (mode
 * 0600), like the admin token. The reference is derived from the tenant and the key, so setting
 * the same policy again records no new version, and it reveals nothing of the key.
 */
export class RouteSecretStore {
  private secrets: Record<string, string>;

  constructor(private readonly path: string) {
    this.secrets = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  }

  /** Stores `secret` (once) and returns its reference. */
  keep(tenant: string, secret: string): string {
    const ref = `rk_${createHash('sha256').update(`${tenant}\u0000${secret}`, 'utf8').digest('base64url').slice(0, 32)}`;
    if (this.secrets[ref] !== secret) {
      this.secrets = { ...this.secrets, [ref]: secret };
      mkdirSync(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.secrets), { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, this.path);
    }
    return ref;
  }

  /** The key behind a reference; undefined when this replica's DATA_DIR does not hold it. */
  get(ref: string): string | undefined {
    if (!(ref in this.secrets) && existsSync(this.path)) this.secrets = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, string>;
    return this.secrets[ref];
  }
}

/**
 * The policy document with every inline PagerDuty `routingKey` replaced by a `routingKeyRef`
 * into `store`; everything else as it came (the domain validates it).
 */
export function keepInlineRoutingKeys(document: unknown, tenant: string, store: RouteSecretStore): unknown {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return document;
  const routes = (document as { routes?: unknown }).routes;
  if (!Array.isArray(routes)) return document;
  return {
    ...(document as Record<string, unknown>),
    routes: routes.map((route) => {
      if (route === null || typeof route !== 'object') return route;
      const { routingKey, ...rest } = route as Record<string, unknown>;
      if (rest['type'] !== 'pagerduty' || typeof routingKey !== 'string' || routingKey.trim() === '' || rest['routingKeyEnv'] !== undefined) return route;
      return { ...rest, routingKeyRef: store.keep(tenant, routingKey) };
    }),
  };
}
