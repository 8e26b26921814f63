import { tempDir } from '@ledger/testing';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RouteSecretStore, keepInlineRoutingKeys } from '@ledger/sla';

describe('routing keys kept outside the event log', () => {
  it('swaps an inline PagerDuty key for a stable reference, in a file only the service user can read', async () => {
    const dir = await tempDir('route-secrets');
    try {
      const path = join(dir.path, 'route-secrets.json');
      const sut = new RouteSecretStore(path);
      const policy = { leaver: { windowSeconds: 900 }, routes: [{ type: 'pagerduty', routingKey: 'R-key-1', url: 'https://pd.example/v2/enqueue' }, { type: 'log' }] };
      const kept = keepInlineRoutingKeys(policy, 'acme', sut) as typeof policy & { routes: Array<Record<string, unknown>> };
      expect(kept.routes[0]).toEqual({ type: 'pagerduty', routingKeyRef: expect.stringMatching(/^rk_[A-Za-z0-9_-]{32}$/), url: 'https://pd.example/v2/enqueue' });
      expect(kept.routes[1]).toEqual({ type: 'log' });
      expect(JSON.stringify(kept)).not.toContain('R-key-1');
      const ref = kept.routes[0]!['routingKeyRef'] as string;
      expect((keepInlineRoutingKeys(policy, 'acme', sut) as typeof kept).routes[0]!['routingKeyRef']).toBe(ref);
      expect((keepInlineRoutingKeys(policy, 'globex', sut) as typeof kept).routes[0]!['routingKeyRef']).not.toBe(ref);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(new RouteSecretStore(path).get(ref)).toBe('R-key-1');
      expect(readFileSync(path, 'utf8')).not.toContain('acme');
    } finally {
      await dir.remove();
    }
  });

  it('leaves a route alone that names an environment variable, or gives both (the policy check refuses that)', () => {
    const sut = new RouteSecretStore('/nonexistent/never-written.json');
    const both = { routes: [{ type: 'pagerduty', routingKey: 'R-key', routingKeyEnv: 'PD_KEY' }] };
    expect(keepInlineRoutingKeys(both, 'acme', sut)).toEqual(both);
    const env = { routes: [{ type: 'pagerduty', routingKeyEnv: 'PD_KEY' }] };
    expect(keepInlineRoutingKeys(env, 'acme', sut)).toEqual(env);
  });
});
