import { streamCategory, streamTenant, streams } from './streams';

describe('stream names', () => {
  it('give back the tenant and the category of every kind of stream, tenants with dashes included', () => {
    for (const tenant of ['acme', 'acme-eu-2', 'a1']) {
      const named: Array<[string, string]> = [
        [streams.user(tenant, 'u-1:x'), 'user'],
        [streams.group(tenant, 'g1'), 'group'],
        [streams.userNameClaim(tenant, 'Alice@Example.com'), 'userNameClaim'],
        [streams.externalIdClaim(tenant, 'ext:7-a'), 'externalIdClaim'],
        [streams.tenant(tenant), 'tenant'],
        [streams.token(tenant, 'tok-1'), 'token'],
        [streams.slaCase(tenant, 'case-1'), 'slaCase'],
        [streams.request(tenant, 'req-1'), 'request'],
        [streams.auditExport(tenant, 'exp-1'), 'auditExport'],
      ];
      for (const [streamId, category] of named) {
        expect([streamId, streamTenant(streamId)]).toEqual([streamId, tenant]);
        expect(streamCategory(streamId)).toBe(category);
      }
    }
    expect(streamTenant('nodash')).toBe('');
  });
});
