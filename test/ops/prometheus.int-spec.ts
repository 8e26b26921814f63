import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { poll, tempDir, type TempDir } from '@ledger/testing';
import { USER_SCHEMA, startHarness, type Harness } from '../../apps/ledger/test/ledger-harness';

const deploy = join(__dirname, '..', '..', 'deploy');
const rules = join(deploy, 'prometheus', 'alert-rules.yml');

function requireBinary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
  } catch {
    throw new Error(`${name} is not installed: .ci/run installs Debian's prometheus package (apt-get install prometheus)`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}


describe('Prometheus alert rules and dashboard', () => {
  it('pass promtool check and the rule unit tests', () => {
    requireBinary('promtool');
    expect(execFileSync('promtool', ['check', 'rules', rules]).toString()).toContain('SUCCESS');
    expect(execFileSync('promtool', ['test', 'rules', join(deploy, 'prometheus', 'alert-rules.test.yml')]).toString()).toContain('SUCCESS');
  });

  describe('against the running service', () => {
    let h: Harness;
    let dir: TempDir;
    let prometheus: ChildProcess;
    let promUrl: string;

    beforeAll(async () => {
      const binary = requireBinary('prometheus');
      h = await startHarness();
      const { token } = await h.tenantWithToken('promco');
      await h.scim(token, 'POST', '/tenants/promco/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'p@promco.com' });
      dir = await tempDir('prometheus');
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      const target = new URL(h.url).host;
      writeFileSync(
        join(dir.path, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${rules}\nscrape_configs:\n  - job_name: scim-ledger\n    static_configs:\n      - targets: ['${target}']\n`,
      );
      prometheus = spawn(binary, [
        `--config.file=${join(dir.path, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ], { stdio: 'ignore' });
    }, 60_000);

    afterAll(async () => {
      prometheus?.kill('SIGTERM');
      await h?.close();
      await dir?.remove();
    });

    it('loads every rule group and scrapes the service\'s metrics', async () => {
      const groups = await poll('rules to load', async () => {
        const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: unknown[] }> } };
        return body.data.groups.length > 0 ? body.data.groups : undefined;
      });
      expect(groups.map((g) => g.name).sort()).toEqual(['scim-ledger-pipeline', 'scim-ledger-provisioning', 'scim-ledger-sla']);

      const target = await poll('the service target to be scraped', async () => {
        const body = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        const [first] = body.data.activeTargets;
        return first?.health === 'up' ? first : undefined;
      });
      expect(target.health).toBe('up');

      const samples = await poll('scim_requests_total samples', async () => {
        const query = encodeURIComponent('scim_requests_total{tenant="promco",status="201"}');
        const body = (await (await fetch(`${promUrl}/api/v1/query?query=${query}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result.length > 0 ? body.data.result : undefined;
      });
      expect(Number(samples[0]!.value[1])).toBe(1);
    }, 60_000);

    it('uses only metric names the service exposes, in the rules and the Grafana dashboard', async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const exposed = new Set(text.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]!));
      const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]!));
      const referenced = new Set<string>();
      const texts = [readFileSync(rules, 'utf8'), readFileSync(join(deploy, 'grafana', 'scim-ledger-dashboard.json'), 'utf8')];
      for (const text of texts) {
        for (const match of text.matchAll(/\b((?:scim|event_store|projection|sla|alert)_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)) referenced.add(match[1]!);
      }
      expect(referenced.size).toBeGreaterThan(5);
      expect([...referenced].filter((name) => !exposed.has(name) && !labelNames.has(name))).toEqual([]);
    });
  });
});
