import { AdminClient } from '../admin-client';
import { flag, requiredFlag, type CliCommand } from '../cli-command';

export const tokenCommands: CliCommand[] = [
  {
    name: ['tokens', 'create'],
    usage: 'tokens create --tenant acme --name entra-prod --idp entra [--expires 2027-01-01T00:00:00Z] [--rotates <old token id>]',
    summary: 'issue an IdP token (the secret is printed once)',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const { body } = await AdminClient.from(args, io).call('POST', `/admin/tenants/${encodeURIComponent(tenant)}/tokens`, {
        name: requiredFlag(args, 'name'),
        idp: requiredFlag(args, 'idp'),
        expiresAt: flag(args, 'expires') ?? null,
        ...(flag(args, 'rotates') ? { rotatedFrom: flag(args, 'rotates') } : {}),
      });
      io.out(`token id: ${body.id}`);
      io.out(`secret (shown once): ${body.token}`);
      return 0;
    },
  },
  {
    name: ['tokens', 'list'],
    usage: 'tokens list --tenant acme',
    summary: 'list tokens with their metadata (never secrets)',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const { body } = await AdminClient.from(args, io).call('GET', `/admin/tenants/${encodeURIComponent(tenant)}/tokens`);
      for (const t of body.tokens) {
        io.out(`${t.id}\t${t.name}\t${t.idp}\t${t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'active'}`);
      }
      return 0;
    },
  },
  {
    name: ['tokens', 'revoke'],
    usage: 'tokens revoke --tenant acme --id <token id>',
    summary: 'revoke a token; the next request with it gets 401',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const id = requiredFlag(args, 'id');
      await AdminClient.from(args, io).call('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}/tokens/${encodeURIComponent(id)}`);
      io.out(`revoked ${id}`);
      return 0;
    },
  },
];
