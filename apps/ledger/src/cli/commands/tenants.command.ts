import { AdminClient } from '../admin-client';
import { ADMIN_FLAGS, requiredFlag, flag, type CliCommand } from '../cli-command';

export const tenantCommands: CliCommand[] = [
  {
    name: ['tenants', 'create'],
    usage: 'tenants create --id acme [--name "Acme Ltd"]',
    flags: ['id', 'name', ...ADMIN_FLAGS],
    summary: 'create a tenant',
    async run(args, io) {
      const id = requiredFlag(args, 'id');
      const { body } = await AdminClient.from(args, io).call('POST', '/admin/tenants', { id, name: flag(args, 'name') ?? id });
      io.out(JSON.stringify(body, null, 2));
      return 0;
    },
  },
  {
    name: ['tenants', 'list'],
    usage: 'tenants list',
    flags: ADMIN_FLAGS,
    summary: 'list tenants',
    async run(args, io) {
      const { body } = await AdminClient.from(args, io).call('GET', '/admin/tenants');
      for (const t of body.tenants) io.out(`${t.tenantId}\t${t.status}\t${t.name}\tcreated ${t.createdAt}`);
      return 0;
    },
  },
  {
    name: ['tenants', 'describe'],
    usage: 'tenants describe --id acme',
    flags: ['id', ...ADMIN_FLAGS],
    summary: 'show a tenant and its tokens',
    async run(args, io) {
      const { body } = await AdminClient.from(args, io).call('GET', `/admin/tenants/${encodeURIComponent(requiredFlag(args, 'id'))}`);
      io.out(JSON.stringify(body, null, 2));
      return 0;
    },
  },
  {
    name: ['tenants', 'suspend'],
    usage: 'tenants suspend --id acme [--reason "..."] | tenants suspend --id acme --resume',
    flags: ['id', 'reason', ...ADMIN_FLAGS],
    switches: ['resume'],
    summary: 'suspend (or --resume) a tenant: its SCIM requests get 403 while suspended',
    async run(args, io) {
      const id = requiredFlag(args, 'id');
      const { body } = await AdminClient.from(args, io).call('PUT', `/admin/tenants/${encodeURIComponent(id)}/suspension`, {
        suspended: args.flags['resume'] !== true,
        ...(flag(args, 'reason') ? { reason: flag(args, 'reason') } : {}),
      });
      io.out(`${body.tenantId}: ${body.status}`);
      return 0;
    },
  },
];
