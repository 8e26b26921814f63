import { AdminClient } from '../admin-client';
import { ADMIN_FLAGS, CliUsageError, flag, requiredFlag, type CliArgs, type CliCommand } from '../cli-command';

/** Checked here so the error names the flag, not the API's field. */
function expiryFlag(args: CliArgs, name: string): string | null {
  const value = flag(args, name);
  if (value === undefined || value === 'null') return null;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) throw new CliUsageError(`--${name} must be an ISO-8601 time such as 2027-01-01T00:00:00Z (or null), not '${value}'`);
  return value;
}

export const tokenCommands: CliCommand[] = [
  {
    name: ['tokens', 'create'],
    usage: 'tokens create --tenant acme --name entra-prod --idp entra [--expires 2027-01-01T00:00:00Z] [--rotates <old token id>]',
    flags: ['tenant', 'name', 'idp', 'expires', 'rotates', ...ADMIN_FLAGS],
    summary: 'issue an IdP token (the secret is printed once)',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const { body } = await AdminClient.from(args, io).call('POST', `/admin/tenants/${encodeURIComponent(tenant)}/tokens`, {
        name: requiredFlag(args, 'name'),
        idp: requiredFlag(args, 'idp'),
        expiresAt: expiryFlag(args, 'expires'),
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
    flags: ['tenant', ...ADMIN_FLAGS],
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
    flags: ['tenant', 'id', ...ADMIN_FLAGS],
    summary: 'revoke a token; the next request with it gets 401',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const id = requiredFlag(args, 'id');
      await AdminClient.from(args, io).call('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}/tokens/${encodeURIComponent(id)}`);
      io.out(`revoked ${id}`);
      return 0;
    },
  },
  {
    name: ['tokens', 'expiry'],
    usage: 'tokens expiry --tenant acme --id <token id> --expires-at 2027-01-01T00:00:00Z|null',
    flags: ['tenant', 'id', 'expires-at', ...ADMIN_FLAGS],
    summary: 'set when a token expires, or null for never',
    async run(args, io) {
      const tenant = requiredFlag(args, 'tenant');
      const id = requiredFlag(args, 'id');
      requiredFlag(args, 'expires-at');
      const { body } = await AdminClient.from(args, io).call('PUT', `/admin/tenants/${encodeURIComponent(tenant)}/tokens/${encodeURIComponent(id)}/expiry`, {
        expiresAt: expiryFlag(args, 'expires-at'),
      });
      io.out(`${body.id}: ${body.expiresAt ? `expires ${body.expiresAt}` : 'never expires'}`);
      return 0;
    },
  },
];
