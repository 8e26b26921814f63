import { Writable } from 'node:stream';
import { USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

/** Collects pino's JSON lines. */
class LogCapture extends Writable {
  readonly lines: Array<Record<string, any>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
}

function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('operability: metrics, structured logs, health', () => {
  let h: Harness;
  const logs = new LogCapture();
  let token: string;

  beforeAll(async () => {
    h = await startHarness(undefined, { logLevel: 'info', logDestination: logs });
    ({ token } = await h.tenantWithToken('obs', 'okta'));
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts SCIM requests by tenant, IdP, method, resource, status and scimType, and auth failures', async () => {
    const users = '/tenants/obs/scim/v2/Users';
    for (let n = 0; n < 3; n++) await h.scim(token, 'POST', users, { schemas: [USER_SCHEMA], userName: `m${n}@obs.com` });
    await h.scim(token, 'POST', users, { schemas: [USER_SCHEMA], userName: 'm0@obs.com' });
    await h.scim(token, 'GET', `${users}?filter=${encodeURIComponent('nope eq "x"')}`);
    await fetch(`${h.url}${users}`);
    await h.scim('scim_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', 'GET', users);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const labels = { tenant: 'obs', idp: 'okta', method: 'POST', resource: 'Users' };
    expect(sample(metrics, 'scim_requests_total', { ...labels, status: '201', scim_type: '' })).toBe(3);
    expect(sample(metrics, 'scim_requests_total', { ...labels, status: '409', scim_type: 'uniqueness' })).toBe(1);
    expect(sample(metrics, 'scim_requests_total', { tenant: 'obs', method: 'GET', status: '400', scim_type: 'invalidFilter' })).toBe(1);
    expect(sample(metrics, 'scim_auth_failures_total', { tenant: 'obs', reason: 'missing' })).toBe(1);
    expect(sample(metrics, 'scim_auth_failures_total', { tenant: 'obs', reason: 'unknown' })).toBe(1);
    expect(sample(metrics, 'event_store_appends_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(metrics).toContain('scim_request_duration_seconds_bucket');
    expect(metrics).toMatch(/projection_lag_events\{projection="scim-read-model"\} \d+/);
  });

  it('writes one JSON line per request carrying its request and correlation ids, with credentials redacted', async () => {
    const response = await h.scim(token, 'GET', '/tenants/obs/scim/v2/Users', undefined, { 'client-request-id': 'entra-corr-42' });
    const requestId = response.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 50));
    const line = logs.lines.find((l) => l.correlationId === 'entra-corr-42');
    expect(line).toBeDefined();
    expect(line!.req.id).toBe(requestId);
    expect(line!.res.statusCode).toBe(200);
    expect(line!.req.headers.authorization).toBe('[REDACTED]');
    expect(JSON.stringify(logs.lines)).not.toContain(token);
    expect(JSON.stringify(logs.lines)).not.toContain(h.ledger.adminToken);
  });

  it('answers liveness and readiness in the terminus shape', async () => {
    const live = await fetch(`${h.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = (await (await fetch(`${h.url}/health/ready`)).json()) as { status: string; info: Record<string, { status: string }> };
    expect(ready.status).toBe('ok');
    expect(ready.info['store']!.status).toBe('up');
    expect(ready.info['readModel']!.status).toBe('up');
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });
});
