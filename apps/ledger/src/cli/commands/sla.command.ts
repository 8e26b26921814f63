import { readFileSync } from 'node:fs';
import { AdminClient } from '../admin-client';
import { ADMIN_FLAGS, CliUsageError, flag, requiredFlag, type CliCommand } from '../cli-command';

export const slaCommands: CliCommand[] = [
  {
    name: ['sla', 'policy', 'set'],
    usage: 'sla policy set --tenant acme --file policy.json',
    flags: ['tenant', 'file', ...ADMIN_FLAGS],
    summary: 'set the lifecycle SLA policy (windows, privileged groups, alert routes); see deploy/sla-policy.example.json',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const file = requiredFlag(args, 'file');
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliUsageError(`cannot read ${file} as JSON: ${(error as Error).message}`);
      }
      const { body } = await AdminClient.from(args, io).call('PUT', `/admin/tenants/${encodeURIComponent(tenant)}/sla-policy`, document);
      io.out(body.changed ? `policy version ${body.version} set for ${tenant}` : `unchanged: ${tenant} already has this policy (version ${body.version})`);
      return 0;
    },
  },
  {
    name: ['sla', 'policy', 'show'],
    usage: 'sla policy show --tenant acme [--version 2]',
    flags: ['tenant', 'version', ...ADMIN_FLAGS],
    summary: 'print the SLA policy (routing keys show only their last characters)',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const version = flag(args, 'version');
      const query = version ? `?version=${encodeURIComponent(version)}` : '';
      const { body } = await AdminClient.from(args, io).call('GET', `/admin/tenants/${encodeURIComponent(tenant)}/sla-policy${query}`);
      io.out(`# ${tenant}: version ${body.version}, set ${body.setAt}`);
      io.out(JSON.stringify(body.policy, null, 2));
      return 0;
    },
  },
  {
    name: ['sla', 'cases'],
    usage: 'sla cases --tenant acme [--status open|breached|closed|all] [--limit 100]',
    flags: ['tenant', 'status', 'limit', ...ADMIN_FLAGS],
    summary: 'list lifecycle SLA cases, newest first',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const status = flag(args, 'status') ?? 'all';
      const limit = flag(args, 'limit') ?? '100';
      const { body } = await AdminClient.from(args, io).call('GET', `/tenants/${encodeURIComponent(tenant)}/sla/cases?status=${encodeURIComponent(status)}&limit=${encodeURIComponent(limit)}`);
      for (const c of body.cases) io.out(`${c.caseId}\t${c.kind}\t${c.status}\t${c.user.userName}\tdeadline ${c.deadline}\t${c.elapsedSeconds}s`);
      return 0;
    },
  },
  {
    name: ['sla', 'report'],
    usage: 'sla report --tenant acme [--from 2026-03-01] [--to 2026-04-01] [--format json|csv]',
    flags: ['tenant', 'from', 'to', 'format', ...ADMIN_FLAGS],
    summary: 'SLA report for a period: share within window, p50/p95 time to complete, every breach with its timeline',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const params = new URLSearchParams();
      for (const name of ['from', 'to', 'format']) {
        const value = flag(args, name);
        if (value) params.set(name, value);
      }
      const { body } = await AdminClient.from(args, io).call('GET', `/tenants/${encodeURIComponent(tenant)}/sla/report?${params}`);
      io.out(typeof body === 'string' ? body.trimEnd() : JSON.stringify(body, null, 2));
      return 0;
    },
  },
];
