import { tempDir, type TempDir } from '@ledger/testing';
import type { ChildProcess } from 'node:child_process';
import { sleep, startAlertReceiver, type AlertReceiver } from '../../../libs/sla/test/alert-receiver';
import { GROUP_SCHEMA, USER_SCHEMA } from './ledger-harness';
import { startServiceProcess, waitForHealth } from './service-process';

const ADMIN = 'test-admin-token-0123456789';
/** Long enough for a cold restart of the service under a busy test run (it compiles on start). */
const WINDOW_SECONDS = 40;

const startService = (env: Record<string, string>) => startServiceProcess({ LOG_LEVEL: 'silent', ...env }, { output: 'ignore' });

describe('SLA timers across kill -9', () => {
  let dir: TempDir;
  let pagerDuty: AlertReceiver;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await tempDir('sla-kill');
    pagerDuty = await startAlertReceiver();
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await pagerDuty.close();
    await dir.remove();
  });

  it('a leaver case opened before a SIGKILL breaches once, on time, after the restart', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: port, HOST: '127.0.0.1', DATA_DIR: dir.path, ADMIN_TOKEN: ADMIN, SLA_PAGERDUTY_ROUTING_KEY: 'R0000000000000000000000000000kill' };
    const call = async (method: string, path: string, body: unknown, bearer = ADMIN) => {
      const response = await fetch(`${url}${path}`, {
        method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    const first = startService(env);
    running.push(first.child);
    await waitForHealth(url);
    await call('POST', '/admin/tenants', { id: 'acme', name: 'Acme' });
    const token = (await call('POST', '/admin/tenants/acme/tokens', { name: 'entra', idp: 'entra', expiresAt: null })).body.token as string;
    await call('PUT', '/admin/tenants/acme/sla-policy', {
      leaver: { windowSeconds: WINDOW_SECONDS, severity: 'critical', scope: 'all' },
      routes: [{ type: 'pagerduty', routingKeyEnv: 'SLA_PAGERDUTY_ROUTING_KEY', url: `${pagerDuty.url}/v2/enqueue` }],
    });
    const user = await call('POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'grace@example.com' }, token);
    await call('POST', '/tenants/acme/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName: 'prod-admins', members: [{ value: user.body.id }] }, token);
    const signal = await call('POST', '/tenants/acme/lifecycle/signals', { type: 'termination', userName: 'grace@example.com' }, token);
    expect(signal.status).toBe(202);
    const caseId = signal.body.case.caseId as string;
    const deadline = Date.parse(signal.body.case.deadline);

    first.child.kill('SIGKILL');
    await first.exited;
    const second = startService(env);
    running.push(second.child);
    try {
      await waitForHealth(url);
      expect(Date.now()).toBeLessThan(deadline);
      const [trigger] = await pagerDuty.waitFor(1, (r) => r.body.dedup_key === caseId, deadline - Date.now() + 5000);
      expect(trigger!.body.event_action).toBe('trigger');
      expect(trigger!.receivedAt - deadline).toBeGreaterThanOrEqual(0);
      expect(trigger!.receivedAt - deadline).toBeLessThan(1000);
      await sleep(1000);
      expect(pagerDuty.received.filter((r) => r.body.dedup_key === caseId)).toHaveLength(1);
      const detail = await fetch(`${url}/tenants/acme/sla/cases/${caseId}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json() as Promise<any>);
      expect(detail.timeline.filter((t: { event: string }) => t.event === 'SlaBreached')).toHaveLength(1);
      expect(detail.deliveries).toEqual([expect.objectContaining({ alert: 'trigger', status: 'delivered', attempts: 1 })]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 180_000);
});
