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
    name: ['sla', 'terminate'],
    usage: 'sla terminate --tenant acme --user-name alice@acme.com|--user-id <id>|--external-id <id> [--effective-at 2026-03-03T17:00:00Z] [--signal-id workday-7731] [--source workday]',
    flags: ['tenant', 'user-name', 'user-id', 'external-id', 'effective-at', 'signal-id', 'source', ...ADMIN_FLAGS],
    summary: 'record an HR termination (as POST /tenants/{t}/lifecycle/signals): opens or joins the leaver SLA case, and prints it',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const body: Record<string, string> = { type: 'termination' };
      const fields: Array<[string, string]> = [
        ['user-name', 'userName'], ['user-id', 'userId'], ['external-id', 'externalId'], ['effective-at', 'effectiveAt'], ['signal-id', 'signalId'], ['source', 'source'],
      ];
      for (const [name, field] of fields) {
        const value = flag(args, name);
        if (value !== undefined) body[field] = value;
      }
      if (!body['userName'] && !body['userId'] && !body['externalId']) throw new CliUsageError('name the leaver with --user-name, --user-id or --external-id');
      const { body: answer } = await AdminClient.from(args, io).call('POST', `/tenants/${encodeURIComponent(tenant)}/lifecycle/signals`, body);
      io.out(`signal ${answer.signalId} ${answer.recorded ? 'recorded' : 'was already recorded'} for ${answer.user.userName} (${answer.user.id}), effective ${answer.effectiveAt}`);
      if (answer.case) io.out(`case ${answer.case.caseId}\t${answer.case.status}\tdeadline ${answer.case.deadline}`);
      else if (answer.casePending) io.out(`case pending: the SLA projection is behind; see 'sla cases --tenant ${tenant} --status open'`);
      else io.out(`no leaver case: ${tenant}'s SLA policy opens none for this user`);
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
