import { AdminClient } from '../admin-client';
import { ADMIN_FLAGS, requiredFlag, type CliCommand } from '../cli-command';

export const auditorCommands: CliCommand[] = [
  {
    name: ['auditors', 'issue'],
    usage: 'auditors issue --tenant acme --name "external audit 2027"',
    flags: ['tenant', 'name', ...ADMIN_FLAGS],
    summary: "issue an auditor token for the tenant's audit API (the secret is printed once)",
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const { body } = await AdminClient.from(args, io).call('POST', `/admin/tenants/${encodeURIComponent(tenant)}/auditors`, { name: requiredFlag(args, 'name') });
      io.out(`auditor id: ${body.id}`);
      io.out(`secret (shown once): ${body.token}`);
      return 0;
    },
  },
  {
    name: ['auditors', 'list'],
    usage: 'auditors list --tenant acme',
    flags: ['tenant', ...ADMIN_FLAGS],
    summary: 'list auditors (hints, never secrets)',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const { body } = await AdminClient.from(args, io).call('GET', `/admin/tenants/${encodeURIComponent(tenant)}/auditors`);
      for (const a of body.auditors) io.out(`${a.id}\t${a.name}\t${a.hint}\t${a.revokedAt ? `revoked ${a.revokedAt}` : 'active'}`);
      return 0;
    },
  },
  {
    name: ['auditors', 'revoke'],
    usage: 'auditors revoke --tenant acme --id <auditor id>',
    flags: ['tenant', 'id', ...ADMIN_FLAGS],
    summary: 'revoke an auditor token; the next audit request with it gets 401',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const id = requiredFlag(args, 'id');
      await AdminClient.from(args, io).call('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}/auditors/${encodeURIComponent(id)}`);
      io.out(`revoked ${id}`);
      return 0;
    },
  },
];
